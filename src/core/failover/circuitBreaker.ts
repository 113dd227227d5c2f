import type { Clock } from '../clock';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Per-target breaker over provider-transient failures. Open only briefly,
 * then one probe: a recovered provider is back in use within seconds.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;
  private probeInFlight = false;
  private opened = false;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
    private readonly clock: Clock,
  ) {}

  state(): BreakerState {
    if (!this.opened) return 'closed';
    return this.clock.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Whether an attempt may go to this target now; in half-open, admits a single probe. */
  tryAcquire(): boolean {
    const state = this.state();
    if (state === 'closed') return true;
    if (state === 'open' || this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /** Ends an attempt admitted by tryAcquire without a verdict on the provider (caller fault, key failure, abort). */
  release(): void {
    this.probeInFlight = false;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.opened = false;
    this.probeInFlight = false;
  }

  recordFailure(): void {
    this.probeInFlight = false;
    this.consecutiveFailures++;
    if (this.opened || this.consecutiveFailures >= this.threshold) {
      this.opened = true;
      this.openUntil = this.clock.now() + this.openMs;
    }
  }

  /** When an open breaker will admit its probe. */
  reopensAt(): number | undefined {
    return this.state() === 'open' ? this.openUntil : undefined;
  }
}
