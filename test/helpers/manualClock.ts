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
      // An AbortSignal's reason is an Error (an AbortError) unless the caller gave it another.
      const reason = (): Error => (signal?.reason instanceof Error ? signal.reason : new Error(String(signal?.reason)));
      if (signal?.aborted) return reject(reason());
      const entry = { until: this.current + ms, resolve };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry);
        reject(reason());
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
