import { systemClock, type Clock } from '../../src/core/clock';

/**
 * Real time for the bridge's sleeps (retries, backoff), plus whatever the test skips ahead: a cooldown or an open
 * breaker ends when the test says so, not when a slow machine's requests happen to outlast a few hundred ms.
 */
export class SkippingClock implements Clock {
  private skipped = 0;
  now = (): number => Date.now() + this.skipped;
  sleep: Clock['sleep'] = (ms, signal) => systemClock.sleep(ms, signal);
  skip(ms: number): void {
    this.skipped += ms;
  }
}
