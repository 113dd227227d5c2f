import { readdir, readFile, readlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** Who listens on a TCP port of this machine, as far as Linux's /proc tells an unprivileged user. */
interface PortHolder {
  /** The process name (`comm`), when the process is ours to inspect. */
  name?: string;
  pid?: number;
  /** The owner of the listening socket; another user's processes cannot be inspected further. */
  user: string;
}

interface PortHolderOptions {
  /** For tests: another /proc. */
  procRoot?: string;
  /** The scan of /proc/<pid>/fd stops after this long (a busy machine has thousands of descriptors). */
  budgetMs?: number;
  maxProcesses?: number;
}

const LISTEN = '0A';

/** Inode and uid of sockets listening on `port`, from /proc/net/tcp and tcp6. */
async function listeningSockets(procRoot: string, port: number): Promise<{ inode: string; uid: number }[]> {
  const found: { inode: string; uid: number }[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = await readFile(join(procRoot, 'net', table), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      const localPort = parseInt(f[1].split(':')[1] ?? '', 16);
      if (localPort === port && f[9] !== '0') found.push({ inode: f[9], uid: Number(f[7]) });
    }
  }
  return found;
}

async function userName(uid: number): Promise<string> {
  if (uid === userInfo().uid) return userInfo().username;
  try {
    const passwd = await readFile('/etc/passwd', 'utf8');
    const entry = passwd.split('\n').find((l) => l.split(':')[2] === String(uid));
    if (entry) return entry.split(':')[0];
  } catch {
    // Fall through to the number.
  }
  return `uid ${uid}`;
}

/** Process names may hold anything; keep what is safe in a log line and a tooltip. */
function cleanName(raw: string): string {
  return raw
    .replace(/[^\w.+@:/ -]/g, '?')
    .trim()
    .slice(0, 32);
}

/**
 * Finds the process that listens on `port`: the socket's inode from
 * /proc/net/tcp{,6}, then the process whose /proc/<pid>/fd links to it. Only
 * reads /proc (nothing is executed), only our own processes are readable, and
 * the scan is bounded in time and count. Resolves undefined where /proc does
 * not exist (macOS, Windows) or nothing listens.
 */
async function findPortHolder(port: number, options: PortHolderOptions = {}): Promise<PortHolder | undefined> {
  const procRoot = options.procRoot ?? '/proc';
  const deadline = Date.now() + (options.budgetMs ?? 300);
  const sockets = await listeningSockets(procRoot, port);
  if (sockets.length === 0) return undefined;
  const wanted = new Set(sockets.map((s) => `socket:[${s.inode}]`));
  const user = await userName(sockets[0].uid);
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((d) => /^\d+$/.test(d)).slice(0, options.maxProcesses ?? 4_096);
  } catch {
    return { user };
  }
  for (const pid of pids) {
    if (Date.now() > deadline) break;
    let fds: string[];
    try {
      fds = await readdir(join(procRoot, pid, 'fd'));
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      const target = await readlink(join(procRoot, pid, 'fd', fd)).catch(() => '');
      if (!wanted.has(target)) continue;
      const comm = await readFile(join(procRoot, pid, 'comm'), 'utf8').catch(() => '');
      return { name: cleanName(comm) || undefined, pid: Number(pid), user };
    }
  }
  return { user };
}

/** "python3" (pid 4242, user bob) — or just the user when the process cannot be inspected. */
function describePortHolder(holder: PortHolder | undefined): string | undefined {
  if (!holder) return undefined;
  if (holder.pid === undefined) return `a process of user ${holder.user}`;
  return `"${holder.name ?? '?'}" (pid ${holder.pid}, user ${holder.user})`;
}

/** Names the holder of a port at most once a minute while it stays the same port: a blocked window retries every few seconds, and the scan is not free. */
export class PortHolderNames {
  private seen: { port: number; at: number; text: string | undefined } | undefined;

  async describe(port: number): Promise<string | undefined> {
    const seen = this.seen;
    if (seen && seen.port === port && Date.now() - seen.at < 60_000) return seen.text;
    const text = describePortHolder(await findPortHolder(port).catch(() => undefined));
    this.seen = { port, at: Date.now(), text };
    return text;
  }
}
