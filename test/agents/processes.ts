import { spawn, type ChildProcess } from 'node:child_process';

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
  /** Typed one at a time, each once the screen has been still for a moment; a line that is not '\r' gets Enter after it. */
  inputs: string[];
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

/**
 * Runs a full-screen agent as a user does, in a pseudo-terminal (util-linux `script`), in its own process
 * group: each time its screen is still for 1.5 s, types the next of `inputs`, and ends it with two Ctrl-C
 * once `done` holds or the time limit passes. The group is killed at the end either way.
 */
export function runInTerminal(options: TerminalRunOptions): Promise<TerminalRunResult> {
  const startedAt = Date.now();
  const quoted = [options.command, ...options.args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfc', quoted, '/dev/null'], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    let raw = '';
    const pending = [...options.inputs];
    let ending = false;
    let hitLimit = false;
    let still: NodeJS.Timeout | undefined;
    const end = (): void => {
      if (ending) return;
      ending = true;
      child.stdin.write('\x03');
      setTimeout(() => child.stdin.write('\x03'), 500);
      setTimeout(() => signalGroup(child, 'SIGKILL'), 3_000);
    };
    const onOutput = (chunk: string): void => {
      raw += chunk;
      if (options.done(screenText(raw))) return end();
      if (pending.length === 0) return;
      clearTimeout(still);
      still = setTimeout(() => {
        const input = pending.shift() ?? '';
        child.stdin.write(input);
        if (input !== '\r') setTimeout(() => child.stdin.write('\r'), 300);
      }, 1_500);
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
      resolve({ screen: screenText(raw), timedOut: hitLimit, ms: Date.now() - startedAt, startedAt });
    });
  });
}
