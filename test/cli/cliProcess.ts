import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The built headless bridge, as users run it. */
const CLI = resolve(__dirname, '../../../dist/cli.js');

/** One `keybridge` process of a test: its output so far and how it ended. */
export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `keybridge ARGS` with only PATH and `env`: nothing of the test runner's environment leaks in. `nodeArgs` go
 * to Node before the script (a `--require` that plays a supervisor from inside the process).
 */
export function runCli(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): CliRun {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}
