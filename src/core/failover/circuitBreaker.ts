import type { Clock } from '../clock';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** How an attempt went, as far as the provider's health is concerned. */
export type ProviderOutcome = 'success' | 'failure' | 'neutral';

export interface BreakerOptions {
  windowMs: number;
  minRequests: number;
  /** Share of failed attempts in the window (0–1) that opens the breaker. */
  failureRate: number;
  openMs: number;
  probes: number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  /** Attempts and failures in the current window. */
  requests: number;
  failures: number;
  /** When an open breaker lets its probes through. */
  reopensAt?: number;
}

/** Buckets per window: the window slides in steps of a tenth of its length. */
const BUCKETS = 10;

/**
 * A per-target breaker (pool + upstream model) over provider-transient
 * failures. It opens on a failure *rate* over a sliding window with a minimum
 * number of attempts — a handful of concurrent failures is not a rate — stays
 * open briefly, then lets a few probes through: one success closes it, one
 * failure opens it again. Attempts go through `guard`, which owns admission
 * and the verdict, so no probe can be left in flight by an exception.
 */
export class CircuitBreaker {
  private readonly successes = new Array<number>(BUCKETS).fill(0);
  private readonly failures = new Array<number>(BUCKETS).fill(0);
  private bucketEpoch = 0;
  private openUntil = 0;
  private opened = false;
  private probesInFlight = 0;

  constructor(
    private readonly options: BreakerOptions,
    private readonly clock: Clock,
  ) {}

  state(): BreakerState {
    if (!this.opened) return 'closed';
    return this.clock.now() < this.openUntil ? 'open' : 'half-open';
  }

  snapshot(): BreakerSnapshot {
    this.slide();
    const state = this.state();
    return {
      state,
      requests: sum(this.successes) + sum(this.failures),
      failures: sum(this.failures),
      reopensAt: state === 'open' ? this.openUntil : undefined,
    };
  }

  /** Whether an attempt would be admitted now (does not take a probe slot). */
  admits(): boolean {
    const state = this.state();
    return state === 'closed' || (state === 'half-open' && this.probesInFlight < this.options.probes);
  }

  /**
   * Runs one attempt under the breaker. With `force`, an attempt is let
   * through even while the breaker is open — the caller has nowhere else to
   * go, and a partly failing provider must not be turned into a fully failing
   * one. Returns undefined when the attempt was not admitted.
   */
  async guard<T>(attempt: () => Promise<T>, outcomeOf: (result: T) => ProviderOutcome, force = false): Promise<T | undefined> {
    const state = this.state();
    const probe = state === 'half-open' && this.probesInFlight < this.options.probes;
    if (state !== 'closed' && !probe && !force) return undefined;
    if (probe) this.probesInFlight++;
    let outcome: ProviderOutcome = 'neutral';
    try {
      const result = await attempt();
      outcome = outcomeOf(result);
      return result;
    } finally {
      if (probe) this.probesInFlight--;
      this.record(outcome, probe);
    }
  }

  private record(outcome: ProviderOutcome, probe: boolean): void {
    if (outcome === 'neutral') return;
    this.slide();
    const bucket = this.bucketEpoch % BUCKETS;
    // While open, only probes speak: an attempt admitted before the breaker opened (a stream waiting out its
    // first-event deadline) or forced through it ends late and says nothing about the provider now.
    if (outcome === 'success') {
      this.successes[bucket]++;
      if (this.opened && probe) this.close();
      return;
    }
    this.failures[bucket]++;
    if (this.opened) {
      if (probe) this.open();
      return;
    }
    const failures = sum(this.failures);
    const requests = failures + sum(this.successes);
    if (requests >= this.options.minRequests && failures / requests >= this.options.failureRate) this.open();
  }

  private open(): void {
    this.opened = true;
    this.openUntil = this.clock.now() + this.options.openMs;
  }

  private close(): void {
    this.opened = false;
    this.successes.fill(0);
    this.failures.fill(0);
  }

  /** Empties buckets that fell out of the window. */
  private slide(): void {
    const epoch = Math.floor(this.clock.now() / (this.options.windowMs / BUCKETS));
    const steps = Math.min(BUCKETS, epoch - this.bucketEpoch);
    for (let i = 1; i <= steps; i++) {
      const bucket = (this.bucketEpoch + i) % BUCKETS;
      this.successes[bucket] = 0;
      this.failures[bucket] = 0;
    }
    if (epoch > this.bucketEpoch) this.bucketEpoch = epoch;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
