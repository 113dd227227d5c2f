import type { Clock } from '../../src/core/clock';

/** A clock that moves only when the test says so; sleeps resolve as time is advanced past them. */
export class ManualClock implements Clock {
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { until: this.current + ms, resolve };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(signal.reason);
      });
    });
  }

  advance(ms: number): void {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
  }
}
