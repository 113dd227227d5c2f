import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AgentRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The hard time limit ended it. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
  startedAt: number;
}

export interface AgentRunOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/**
 * Signals the process group we created for one child. Only groups this runner
 * started are ever signalled; a group that is already gone is not an error.
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? child.pid : -child.pid, signal);
  } catch {
    // ESRCH: everything in the group has exited.
  }
}

/**
 * Runs an agent non-interactively: stdin closed (both agents wait on an open
 * stdin), its own process group (so the shells it spawns for tool calls go with
 * it), and a hard time limit after which the whole group is killed.
 */
export function runAgent(options: AgentRunOptions): Promise<AgentRunResult> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Helpers the agent left behind (a PTY shell, a sandbox helper) belong to its group.
      signalGroup(child, 'SIGKILL');
      if (spawnError) stderr += `\n[runner] could not start ${options.command}: ${spawnError.message}`;
      resolve({ code, signal, timedOut, stdout, stderr, ms: Date.now() - startedAt, startedAt });
    });
  });
}

export interface TerminalRunOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Typed, then Enter, once the screen has been still for a moment. */
  input: string;
  /** A question the agent may ask first: when `shown` is on the screen, `keys` are typed (before `input`). */
  answer?: { shown: string; keys: string };
  /** Ends the run (two Ctrl-C) once the screen, without escape codes and white space, satisfies it. */
  done(screen: string): boolean;
}

export interface TerminalRunResult {
  /** What the agent drew, without escape codes and white space (a full-screen UI moves its cursor instead of printing spaces). */
  screen: string;
  timedOut: boolean;
  ms: number;
  startedAt: number;
}

/** The text of a terminal transcript without escape sequences and white space, for `includes` checks. */
function screenText(raw: string): string {
  return raw
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '') // OSC (window titles, links)
    .replace(/\x1b\[[0-9;?<>=]*[ -/]*[@-~]/g, '') // CSI
    .replace(/\x1b[()*+][0-9A-Za-z]/g, '') // character set selection
    .replace(/\x1b[@-_78=>]/g, '')
    .replace(/[\s\x00-\x1f\x7f]+/g, '');
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function groupOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function ownGroup(): number {
  return groupOf(readFileSync('/proc/self/stat', 'utf8'));
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a full-screen agent as a user does, in a pseudo-terminal (util-linux `script`): each time its screen
 * has been still for 1.5 s it answers the expected question if it is showing, else types `input` (once), and
 * it ends the agent with two Ctrl-C once `done` holds or the time limit passes. `script` starts the agent in
 * a session of its own, so the agent's process group is not `script`'s: a small shell writes its pid to a
 * file before it becomes the agent, and that pid's group is killed and waited for at the end either way.
 */
export function runInTerminal(options: TerminalRunOptions): Promise<TerminalRunResult> {
  const startedAt = Date.now();
  const pidFile = join(tmpdir(), `kb-agent-pty-${process.pid}-${startedAt}-${Math.random().toString(36).slice(2)}.pid`);
  const inner = ['sh', '-c', 'echo $$ >"$0"; exec "$@"', pidFile, options.command, ...options.args].map(shellQuote).join(' ');
  // The agent's process group: the group of the shell that wrote its pid (script's session leader runs that
  // shell as a child, in its own group), read from /proc once and kept for after the agent has gone.
  let pgid: number | undefined;
  const agentGroup = (): number | undefined => {
    if (pgid !== undefined || !existsSync(pidFile)) return pgid;
    try {
      const stat = readFileSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}/stat`, 'utf8');
      const group = groupOf(stat);
      // Never this test's own group, whatever `script` did.
      if (Number.isInteger(group) && group > 1 && group !== ownGroup()) pgid = group;
    } catch {
      // Not written yet, or already gone.
    }
    return pgid;
  };
  const killAgent = (): void => {
    const group = agentGroup();
    if (group !== undefined && groupAlive(group)) process.kill(-group, 'SIGKILL');
  };
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfc', inner, '/dev/null'], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    let raw = '';
    let answered = false;
    let typed = false;
    let ending = false;
    let hitLimit = false;
    let still: NodeJS.Timeout | undefined;
    const end = (): void => {
      if (ending) return;
      ending = true;
      clearTimeout(still);
      child.stdin.write('\x03');
      setTimeout(() => child.stdin.write('\x03'), 500);
      setTimeout(() => {
        killAgent();
        signalGroup(child, 'SIGKILL');
      }, 3_000);
    };
    const onStill = (): void => {
      const screen = screenText(raw);
      if (options.answer && !answered && screen.includes(options.answer.shown)) {
        answered = true;
        child.stdin.write(options.answer.keys);
        return;
      }
      if (typed) return;
      typed = true;
      child.stdin.write(options.input);
      setTimeout(() => child.stdin.write('\r'), 300);
    };
    const onOutput = (chunk: string): void => {
      raw += chunk;
      agentGroup();
      if (ending) return;
      if (options.done(screenText(raw))) return end();
      clearTimeout(still);
      still = setTimeout(onStill, 1_500);
    };
    child.stdout.setEncoding('utf8').on('data', onOutput);
    child.stderr.setEncoding('utf8').on('data', onOutput);
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      hitLimit = true;
      end();
    }, options.timeoutMs);
    child.on('error', (error) => (raw += `\n[runner] could not start script: ${error.message}`));
    child.on('close', () => {
      clearTimeout(timer);
      clearTimeout(still);
      signalGroup(child, 'SIGKILL');
      killAgent();
      void (async () => {
        const group = agentGroup();
        for (let waited = 0; group !== undefined && groupAlive(group) && waited < 5_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
        rmSync(pidFile, { force: true });
        resolve({ screen: screenText(raw), timedOut: hitLimit, ms: Date.now() - startedAt, startedAt });
      })();
    });
  });
}
