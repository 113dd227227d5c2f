import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** What the headless bridge reports about itself after a full GC (see heapProbe.ts). */
export interface ProbeReading {
  heapUsed: number;
  rss: number;
  external: number;
  /** Active libuv handles by type (TCPSocketWrap = open sockets, Timeout, ...). */
  // Only the kinds of resource alive at the reading are there.
  resources: Partial<Record<string, number>>;
  fds: number;
  /** File descriptors that are sockets (listening, client and upstream connections). */
  socketFds: number;
}

const PROBE_PREFIX = 'soak-probe ';

export interface HeadlessBridge {
  readonly url: string;
  readonly pid: number;
  /** Every line the bridge wrote to stdout and stderr, in order (probe lines included). */
  readonly stdoutLines: string[];
  readonly stderrLines: string[];
  /** Set if the process ended; `stop()` is the only expected way. */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null; expected: boolean } | undefined;
  probe(): Promise<ProbeReading>;
  /** SIGTERM, then the exit status; SIGKILL if it does not exit in time. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `keybridge serve` as its own process, the way a user runs it headless,
 * with the heap probe preloaded; resolves once it printed its URL.
 */
export async function startHeadlessBridge(options: { cliPath: string; configPath: string; env: Record<string, string> }): Promise<HeadlessBridge> {
  if (!existsSync(options.cliPath)) throw new Error(`${options.cliPath} does not exist: run "npm run build" first`);
  const probePath = resolve(__dirname, 'heapProbe.js');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--require', probePath, options.cliPath, 'serve', '--config', options.configPath, '--port', '0'],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const probeWaiters: ((reading: ProbeReading) => void)[] = [];
  let exit: HeadlessBridge['exit'];
  let stopping = false;
  let resolveUrl: (url: string) => void = () => undefined;
  const urlPromise = new Promise<string>((r) => (resolveUrl = r));

  const lineReader = (sink: string[], onLine: (line: string) => void) => {
    let pending = '';
    // Log lines carry multi-byte characters (→, …): a chunk may end inside one.
    const decoder = new StringDecoder('utf8');
    return (chunk: Buffer): void => {
      pending += decoder.write(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        sink.push(line);
        onLine(line);
      }
    };
  };
  child.stdout?.on(
    'data',
    lineReader(stdoutLines, (line) => {
      if (/^http:\/\/127\.0\.0\.1:\d+$/.test(line)) resolveUrl(line);
    }),
  );
  child.stderr?.on(
    'data',
    lineReader(stderrLines, (line) => {
      if (line.startsWith(PROBE_PREFIX)) probeWaiters.shift()?.(JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeReading);
    }),
  );
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal, expected: stopping };
      r();
    }),
  );

  let started = false;
  const startFailure = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bridge printed no URL in 15 s; stderr: ${stderrLines.join('\n').slice(0, 500)}`)), 15_000);
    void urlPromise.then(() => clearTimeout(timer));
    void exited.then(() => {
      clearTimeout(timer);
      if (!started) reject(new Error(`the bridge exited at start (${exit?.code}); stderr: ${stderrLines.join('\n').slice(0, 500)}`));
    });
  });
  startFailure.catch(() => undefined);
  let url: string;
  try {
    url = await Promise.race([urlPromise, startFailure]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  started = true;

  return {
    url,
    pid: child.pid ?? -1,
    stdoutLines,
    stderrLines,
    get exit() {
      return exit;
    },
    probe() {
      return new Promise<ProbeReading>((resolveProbe, reject) => {
        if (exit) return reject(new Error('the bridge is not running'));
        const timer = setTimeout(() => reject(new Error('no probe reading in 10 s')), 10_000);
        probeWaiters.push((reading) => {
          clearTimeout(timer);
          resolveProbe(reading);
        });
        child.kill('SIGUSR2');
      });
    },
    async stop(timeoutMs = 10_000) {
      if (!exit) {
        stopping = true;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(killer);
      }
      return { code: exit?.code ?? null, signal: exit?.signal ?? null };
    },
  };
}
