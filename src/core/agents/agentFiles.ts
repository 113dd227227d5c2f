import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { FILE_TARGETS, type FileTargetId } from './agentList';
import type { ConnectContext } from './connectTargets';
import {
  ConnectRefused,
  fileState,
  planConnect,
  planDisconnect,
  planRefresh,
  type ConnectPlan,
  type FileRecord,
  type FileState,
  type PreviousValues,
} from './fileConnection';
import { checkTokenPlace, privateMode, processUser, replaceFile, tightened, type FileUser } from './tokenFiles';

/**
 * The I/O around fileConnection.ts: read the agent's file, check that the token may go there
 * (tokenFiles.ts), write it back in one step, private, and undo what Connect created. Used by the
 * extension's Connect Agents and by the real-agent tests, so the agents run with what the command writes.
 * `user` is whose files these must be: the process's user, another in tests.
 */
export function readTextIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export interface ConnectedFile {
  record: FileRecord;
  previous: PreviousValues;
  lines: string[];
  /** What the user should hear besides the lines: a link followed, a mode tightened. */
  notes: string[];
}

interface FilePlan extends ConnectPlan {
  notes: string[];
}

/** What Connect would write to the file as it is now (ConnectRefused when it will not). */
export function planFile(id: FileTargetId, ctx: ConnectContext, user: FileUser | undefined = processUser()): FilePlan {
  const path = checkedPath(id, ctx);
  const place = checkTokenPlace(path, user);
  const plan = planConnect(id, ctx, readTextIfExists(path), existsSync);
  const notes = [...(place.real === path ? [] : [`written through the link, at ${place.real}`])];
  const mode = tightened(place.mode);
  if (mode) notes.push(`${mode.replace('mode tightened', 'its mode goes')}: it will hold the local token`);
  return { ...plan, notes };
}

export function connectFile(id: FileTargetId, ctx: ConnectContext, user: FileUser | undefined = processUser()): ConnectedFile {
  const { path, before, after, record, previous, lines } = planFile(id, ctx, user);
  record.createdDirs = ensureDir(dirname(path));
  // Again now that the folders exist: someone may have made one of them first.
  const place = checkTokenPlace(path, user);
  replaceFile(place.real, after, privateMode(before === undefined ? undefined : place.mode));
  const notes = place.real === path ? [] : [`written at ${place.real} (the file ${path} links to)`];
  const mode = before === undefined ? undefined : tightened(place.mode);
  return { record, previous, lines, notes: mode ? [...notes, mode] : notes };
}

export function currentFileState(record: FileRecord, ctx: ConnectContext): FileState {
  return fileState(record, ctx, readTextIfExists(record.path));
}

/** Rewrites our part for the current port and token; the file must be `outdated`. `notes` as for Connect. */
export function refreshFile(record: FileRecord, ctx: ConnectContext, user: FileUser | undefined = processUser()): { record: FileRecord; notes: string[] } {
  const current = readTextIfExists(record.path);
  if (current === undefined || fileState(record, ctx, current) !== 'outdated') return { record, notes: [] };
  const place = checkTokenPlace(record.path, user);
  const planned = planRefresh(record, ctx, current);
  replaceFile(place.real, planned.after, privateMode(place.mode));
  const mode = tightened(place.mode);
  return { record: planned.record, notes: mode ? [mode] : [] };
}

/** Takes our part out; `nothing` when it was already gone. The file keeps the mode it has now. */
export function disconnectFile(record: FileRecord, previous: PreviousValues, user: FileUser | undefined = processUser()): 'restored' | 'deleted' | 'nothing' {
  const after = planDisconnect(record, previous, readTextIfExists(record.path));
  if (after === undefined) return 'nothing';
  const place = checkTokenPlace(record.path, user);
  if (after === null) {
    unlinkSync(record.path);
    for (const dir of [...record.createdDirs].reverse()) if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    return 'deleted';
  }
  replaceFile(place.real, after, place.mode ?? 0o600);
  return 'restored';
}

/** The target's path, refused when the variable that moves its folder is relative. */
function checkedPath(id: FileTargetId, ctx: ConnectContext): string {
  const target = FILE_TARGETS[id];
  const { homeVariable } = target;
  const value = ctx.env?.[homeVariable];
  if (value && !isAbsolute(value)) {
    throw new ConnectRefused(
      `${homeVariable} is "${value}", a relative path: the agent would look for it from whatever folder it starts in. Set ${homeVariable} to an absolute path, then connect again.`,
    );
  }
  return target.path(ctx);
}

/** Creates the folder and any missing parents, private; returns those it created, outermost first. */
function ensureDir(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  if (missing.length) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return missing;
}
