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
