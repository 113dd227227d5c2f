import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, parse } from 'node:path';
import { ConnectRefused } from './fileConnection';

/**
 * Where Connect Agents may put the local token, and writing it there. Anyone who can read an agent's file
 * can spend the user's keys through the loopback port; anyone who can change the file or a folder on its
 * way can swap it, or make it a link to a file of theirs. So the file must be the user's, every folder on
 * the way the user's or root's and writable by no one else, and the file ends up private.
 */
export interface FileUser {
  uid: number;
  /** The user's private group (no other member): a folder writable by it is writable by the user alone. */
  ownGroup?: number;
}

/** The user running this process; undefined on Windows, which has no owners or mode bits to check. */
export function processUser(): FileUser | undefined {
  if (typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return undefined;
  const gid = process.getgid();
  return { uid: process.getuid(), ownGroup: isPrivateGroup(gid, userInfo().username) ? gid : undefined };
}

/**
 * User private groups (the default on Debian and Ubuntu, with umask 002) leave folders group-writable;
 * that group is the user's own only when it is named after them and no one else belongs to it.
 */
function isPrivateGroup(gid: number, username: string): boolean {
  const rows = (file: string): string[][] => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.split(':'));
    } catch {
      return [];
    }
  };
  const group = rows('/etc/group').find((row) => Number(row[2]) === gid);
  if (!group || group[0] !== username || (group[3] ?? '').split(',').some((member) => member !== '' && member !== username)) return false;
  return !rows('/etc/passwd').some((row) => row[0] !== username && Number(row[3]) === gid);
}

interface TokenPlace {
  /** Where the text is written: the path itself, or the file a link there leads to. */
  real: string;
  /** Mode bits of the file there now; undefined when there is none yet. */
  mode?: number;
}

/**
 * Refuses (naming the file or folder) a path the token must not go to; returns where to write. A link is
 * followed (dotfiles kept in a repository stay links) only when its target passes the same checks.
 */
export function checkTokenPlace(path: string, user: FileUser | undefined): TokenPlace {
  if (!isAbsolute(path)) throw new ConnectRefused(`${path} is a relative path: KeyBridge writes the local token only at an absolute path.`);
  const real = lstatOrUndefined(path)?.isSymbolicLink() ? linkTarget(path) : join(realpathOfExisting(dirname(path)), basename(path));
  const file = lstatOrUndefined(real);
  const through = real === path ? '' : ` (it leads to ${real})`;
  if (file && !file.isFile()) throw new ConnectRefused(`${path} was left untouched: ${real} is not a regular file.`);
  if (!user) return { real, mode: file && file.mode & 0o7777 };
  // The folders holding the link and the file must be writable by the user alone; folders further up may be
  // shared with a sticky bit (like /tmp), which keeps others from moving what is the user's in them.
  const holders = new Set([realpathOfExisting(dirname(path)), dirname(real)]);
  const folders = new Set<string>();
  for (const prefix of prefixes(dirname(path))) for (const folder of prefixes(realpathOfExisting(prefix))) folders.add(folder);
  for (const folder of prefixes(dirname(real))) folders.add(folder);
  for (const folder of folders) {
    const stats = lstatOrUndefined(folder);
    if (!stats) continue;
    const why = unsafeFolder(stats, user, holders.has(folder));
    if (why)
      throw new ConnectRefused(
        `${path} was left untouched${through}: ${folder} ${why}. KeyBridge writes the local token only where no other user can read or replace it.`,
      );
  }
  if (file && file.uid !== user.uid) throw new ConnectRefused(`${path} was left untouched${through}: ${real} belongs to another user (uid ${file.uid}).`);
  return { real, mode: file && file.mode & 0o7777 };
}

function linkTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    throw new ConnectRefused(`${path} was left untouched: it is a link to a file that does not exist.`);
  }
}

function unsafeFolder(stats: Stats, user: FileUser, holder: boolean): string | undefined {
  if (stats.uid !== user.uid && stats.uid !== 0) return `belongs to another user (uid ${stats.uid})`;
  const groupWrites = (stats.mode & 0o020) !== 0 && stats.gid !== user.ownGroup;
  const othersWrite = (stats.mode & 0o002) !== 0;
  if (!groupWrites && !othersWrite) return undefined;
  if ((stats.mode & 0o1000) !== 0 && !holder) return undefined;
  return `can be written by other users (mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')})`;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** The real path of the nearest folder that exists, with the missing rest appended. */
function realpathOfExisting(dir: string): string {
  const missing: string[] = [];
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) {
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  return join(realpathSync(existing), ...missing);
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`: each folder a link on the way could sit in. */
function prefixes(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    out.unshift(d);
    if (d === parse(d).root) return out;
  }
}

/**
 * Replaces `real` in one rename (a reader never sees half a file). The temporary file is created beside it
 * exclusively (a link planted under its name fails the open instead of taking the text) under a name no
 * one can guess, with `mode` from the start.
 */
export function replaceFile(real: string, text: string, mode: number): void {
  const temp = join(dirname(real), `.${basename(real)}.keybridge-${randomBytes(12).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    try {
      writeFileSync(fd, text);
      fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, real);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
}

/** The mode a file holding the token gets: 0600 (0700 for one the owner could run). */
export function privateMode(mode: number | undefined): number {
  return 0o600 | ((mode ?? 0) & 0o100);
}

/** The words for a mode that was tightened, or undefined when it was private already. */
export function tightened(mode: number | undefined): string | undefined {
  if (mode === undefined || (mode & 0o077) === 0) return undefined;
  const octal = (m: number): string => m.toString(8).padStart(4, '0');
  return `mode tightened from ${octal(mode & 0o777)} to ${octal(privateMode(mode))}`;
}
