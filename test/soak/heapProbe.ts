// Preloaded into the headless bridge by the soak (`node --expose-gc --require heapProbe.js dist/cli.js ...`):
// on SIGUSR2 it collects garbage and prints the process's heap and open handles on one stderr line, so the
// soak can compare them before and after the load without touching the bridge's own code.
import { readdirSync, readlinkSync } from 'node:fs';
import type { ProbeReading } from './headlessBridge';

function countFds(): { fds: number; socketFds: number } {
  let fds = 0;
  let socketFds = 0;
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      fds++;
      try {
        if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) socketFds++;
      } catch {
        // closed between listing and reading
      }
    }
  } catch {
    return { fds: -1, socketFds: -1 };
  }
  return { fds, socketFds };
}

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const resources: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1;
  const memory = process.memoryUsage();
  const reading: ProbeReading = { heapUsed: memory.heapUsed, rss: memory.rss, external: memory.external, resources, ...countFds() };
  process.stderr.write(`soak-probe ${JSON.stringify(reading)}\n`);
});
