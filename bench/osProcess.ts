import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS: number = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, all threads) the kernel has charged to a process,
 * from /proc/<pid>/stat, in milliseconds. Resolution is one clock tick (10 ms
 * at 100 Hz), so callers take deltas over many requests.
 */
export function statCpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name is in parentheses and may contain spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the man page (utime, stime) are at 11 and 12 once pid and (comm) are gone.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}

const SUM_EXEC = /^se\.sum_exec_runtime\s*:\s*([\d.]+)/m;

/**
 * CPU time the scheduler has run a process, all its threads, in milliseconds with nanosecond
 * resolution: se.sum_exec_runtime from /proc/<pid>/task/<tid>/sched. The same accounting
 * utime+stime are scaled from, without the tick rounding; falls back to /proc/<pid>/stat
 * where the kernel does not expose it.
 */
/** Which of the two the benchmark's CPU figures come from on this kernel. */
export function cpuAccounting(): string {
  try {
    if (SUM_EXEC.test(readFileSync(`/proc/${process.pid}/task/${process.pid}/sched`, 'utf8')))
      return 'se.sum_exec_runtime of every thread, /proc/<pid>/task/*/sched';
  } catch {
    // not exposed by this kernel
  }
  return 'utime+stime, /proc/<pid>/stat (10 ms ticks)';
}

export function cpuMsOf(pid: number): number {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const match = SUM_EXEC.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
      if (!match) return statCpuMsOf(pid);
      total += Number(match[1]);
    }
    return total;
  } catch {
    return statCpuMsOf(pid);
  }
}

/** Resident set size of a process in KiB, from /proc/<pid>/status. */
export function rssKiBOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

export function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}
