// Runs the shipped headless bridge (dist/cli.js, the same bundle `keybridge serve` is) and, over the
// benchmark's IPC channel only, reports process.memoryUsage() and process.cpuUsage(). Nothing is added to
// the bridge's own routes: the process under measurement serves exactly what users run.
import { resolve } from 'node:path';

export interface BridgeProbe {
  id: number;
  op: 'usage';
  /** Collect garbage first, so heap figures are what is retained rather than what awaits collection. */
  gc: boolean;
}

export interface BridgeUsage {
  id: number;
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
}

// A computed path keeps the bundler from inlining the CLI: the benchmark must run the real build.
// `--compare-cli` points a second bridge at another build (e.g. main's) to measure a core change side by side.
const cliPath = process.env.KEYBRIDGE_BENCH_CLI ?? resolve(__dirname, '..', '..', 'dist', 'cli.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the path is only known at run time
const cli = require(cliPath) as { main(argv: string[]): Promise<void> };

const gc = (globalThis as { gc?: () => void }).gc;
// The IPC pipe must not keep the bridge alive once it has shut down (a CPU profile is written at exit).
process.channel?.unref();
// The message comes from the other process: checked, not trusted to be a probe.
process.on('message', (probe: Partial<BridgeProbe> | null) => {
  if (probe?.op !== 'usage' || probe.id === undefined) return;
  if (probe.gc && gc) {
    gc();
    gc();
  }
  const usage: BridgeUsage = { id: probe.id, memory: process.memoryUsage(), cpu: process.cpuUsage() };
  process.send?.(usage);
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

void cli.main(process.argv.slice(2));
