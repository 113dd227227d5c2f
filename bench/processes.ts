import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault } from '../test/fakeProvider/types';
import type { BridgeUsage } from './bridgeProcess';
import type { ProviderReady } from './fakeProviderProcess';
import type { ReferenceReady } from './referenceProxyProcess';

const START_TIMEOUT_MS = 15_000;

/** A child process that answers numbered requests over its IPC channel. */
class IpcPeer {
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: { id?: number }) => {
      if (typeof message.id !== 'number') return;
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message);
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  ask<T>(request: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no IPC answer from pid ${this.pid} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value as T);
      });
      this.child.send({ ...request, id });
    });
  }

  /** Ends the child: first politely (IPC disconnect, which each launcher turns into a clean shutdown), then by force. */
  async stop(graceMs = 8_000): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

export class ProviderProcess extends IpcPeer {
  constructor(
    child: ChildProcess,
    readonly urls: ProviderReady,
  ) {
    super(child);
  }

  /** Queues one fault: the next request with this key (or any key, for '*') gets it. */
  async fault(key: string, fault: Fault): Promise<void> {
    await this.ask({ op: 'fault', key, fault });
  }

  async always(key: string, fault: Fault | undefined): Promise<void> {
    await this.ask({ op: 'always', key, fault });
  }

  async openStreams(): Promise<number> {
    return (await this.ask<{ value: number }>({ op: 'openStreams' })).value;
  }
}

export async function startProvider(binDir: string, options: { events: number; gapMs: number; port: number }): Promise<ProviderProcess> {
  const child = fork(
    join(binDir, 'fakeProviderProcess.js'),
    ['--events', String(options.events), '--gap', String(options.gapMs), '--port', String(options.port)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const ready = await waitReady<ProviderReady>(child, 'the fake provider');
  return new ProviderProcess(child, ready);
}

function waitReady<T extends { type: string }>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${what} exited with code ${code}`)));
    child.on('message', (message: T) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message);
    });
  });
}

export class ReferenceProcess extends IpcPeer {
  constructor(
    child: ChildProcess,
    readonly url: string,
  ) {
    super(child);
  }
}

/** The minimal pass-through proxy, in front of the same provider. */
export async function startReference(binDir: string, providerUrl: string, cpuProfileDir?: string): Promise<ReferenceProcess> {
  const child = fork(join(binDir, 'referenceProxyProcess.js'), [providerUrl], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [],
  });
  const ready = await waitReady<ReferenceReady>(child, 'the reference proxy');
  return new ReferenceProcess(child, ready.url);
}

export interface BridgeStartOptions {
  binDir: string;
  /** The CLI config object (pools, routes, tuning); written to a temporary file. */
  config: unknown;
  /** Environment the config's key variables and the token come from. */
  env: Record<string, string>;
  /** Directory for a V8 CPU profile of the bridge, written when it exits. */
  cpuProfileDir?: string;
  /** Another build of dist/cli.js to run instead of this checkout's. */
  cliPath?: string;
}

export class BridgeProcess extends IpcPeer {
  constructor(
    child: ChildProcess,
    readonly url: string,
    private readonly scratch: string,
  ) {
    super(child);
  }

  usage(gc: boolean): Promise<BridgeUsage> {
    return this.ask<BridgeUsage>({ op: 'usage', gc });
  }

  override async stop(graceMs?: number): Promise<void> {
    await super.stop(graceMs);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Starts `keybridge serve` from the shipped bundle and waits for the URL it prints alone on its first line. */
export async function startBridge(options: BridgeStartOptions): Promise<BridgeProcess> {
  const scratch = mkdtempSync(join(tmpdir(), 'keybridge-bench-'));
  const configFile = join(scratch, 'config.json');
  writeFileSync(configFile, JSON.stringify(options.config, null, 2));
  const execArgv = ['--expose-gc'];
  if (options.cpuProfileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  const child = fork(join(options.binDir, 'bridgeProcess.js'), ['serve', '--config', configFile, '--port', '0', '--quiet'], {
    env: { ...process.env, ...options.env, ...(options.cliPath ? { KEYBRIDGE_BENCH_CLI: options.cliPath } : {}) },
    execArgv,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the bridge did not print its URL')), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the bridge exited with code ${code}`)));
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const match = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(text);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout?.on('data', onData);
  });
  // Keep draining its stdout (shutdown lines) so the pipe never fills.
  child.stdout?.resume();
  return new BridgeProcess(child, url, scratch);
}
