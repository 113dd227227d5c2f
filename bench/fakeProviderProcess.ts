// The in-repo fake provider in a process of its own, so that the OS can tell its CPU and memory from the bridge's.
// Run by the benchmark over IPC; also runnable alone (`node out/bench-bin/fakeProviderProcess.js --port 18080`)
// to point another proxy at it before a `--target` run.
import * as http from 'node:http';
import { startFakeProvider, type Fault } from '../test/fakeProvider/fakeProvider';

export type ProviderControl =
  | { id: number; op: 'fault'; key: string; fault: Fault }
  | { id: number; op: 'always'; key: string; fault: Fault | undefined }
  | { id: number; op: 'openStreams' };

export interface ProviderReady {
  type: 'ready';
  url: string;
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
}

function numberArg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a non-negative number`);
  return value;
}

/**
 * The fake always listens on port 0. An external proxy under `--target` must be configured with a
 * fixed upstream, so for that case only the next `listen(0)` is steered to the requested port.
 */
function steerNextListen(port: number): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with its server as `this` below
  const original = http.Server.prototype.listen;
  http.Server.prototype.listen = function (this: http.Server, ...args: unknown[]) {
    http.Server.prototype.listen = original;
    if (args[0] === 0) args[0] = port;
    return (original as (...a: unknown[]) => http.Server).apply(this, args);
  } as typeof original;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const port = numberArg(argv, '--port', 0);
  if (port > 0) steerNextListen(port);
  const fake = await startFakeProvider({
    streamEvents: numberArg(argv, '--events', 20),
    eventGapMs: numberArg(argv, '--gap', 3),
    recordBodies: false,
  });
  // The ledger keeps one entry per request; over a benchmark run that would grow to hundreds of megabytes.
  setInterval(() => {
    fake.ledger.length = 0;
  }, 500).unref();

  const ready: ProviderReady = { type: 'ready', url: fake.url, openaiBaseUrl: fake.openaiBaseUrl, anthropicBaseUrl: fake.anthropicBaseUrl };
  if (!process.send) {
    process.stdout.write(`${fake.url}\nOpenAI base URL ${fake.openaiBaseUrl}\nAnthropic base URL ${fake.anthropicBaseUrl}\n`);
    const stop = (): void => void fake.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  process.on('message', (message: ProviderControl) => {
    let value: unknown;
    switch (message.op) {
      case 'fault':
        fake.fault(message.key, message.fault);
        break;
      case 'always':
        fake.always(message.key, message.fault);
        break;
      case 'openStreams':
        value = fake.openStreams();
        break;
    }
    process.send?.({ id: message.id, value });
  });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
  process.send(ready);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake provider: ${(error as Error).message}\n`);
  process.exit(1);
});
