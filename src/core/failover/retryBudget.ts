import type { Clock } from '../clock';

export interface RetryBudgetOptions {
  /** Retries allowed per request seen in the window (0.2: one retry for every five requests). */
  percentCanRetry: number;
  /** Retries allowed per second whatever the traffic, so a quiet target can still retry. */
  minRetriesPerSec: number;
  /** How long a request's deposit, and a retry's withdrawal, count. */
  windowMs: number;
}

/** Buckets per window: deposits and withdrawals expire a tenth of the window at a time. */
const BUCKETS = 10;
/** Whole units per retry, so shares like 0.2 are exact integers (floats would drift over thousands of deposits). */
const UNIT = 1_000;

/**
 * How many retries a target may take, after Finagle's `RetryBudget` (a TTL
 * token bucket; docs/ARCHITECTURE.md §4). Each request deposits a share of a
 * retry, each retry withdraws a whole one, and both expire after the window;
 * a reserve of `minRetriesPerSec × window` lets a target with little traffic
 * retry too. Unlike Finagle's, a retry that serves its request gives its
 * withdrawal back: it found capacity, it did not add to an overload. So the
 * budget bounds the retries that fail. Under a total outage none serves, and
 * over any window the retries stay under `percentCanRetry` of the requests
 * plus the reserve: the provider sees about (1 + percentCanRetry)× the
 * requests, never maxAttempts× of them. A provider failing 30 % of attempts
 * at random needs 0.43 retries a request, of which 0.13 fail: under 0.2, so
 * such a partial outage is retried through for as long as it lasts.
 */
export class RetryBudget {
  private readonly buckets = new Array<number>(BUCKETS).fill(0);
  private bucketEpoch = 0;
  private readonly depositUnits: number;
  private readonly reserveUnits: number;

  constructor(
    private readonly options: RetryBudgetOptions,
    private readonly clock: Clock,
  ) {
    this.depositUnits = Math.round(options.percentCanRetry * UNIT);
    this.reserveUnits = Math.round(options.minRetriesPerSec * (options.windowMs / 1_000) * UNIT);
  }

  /** A request reached the target (once per request, however many attempts it makes there). */
  deposit(): void {
    this.add(this.depositUnits);
  }

  /** Takes one retry when the budget has one; false when retrying now would exceed it. */
  tryWithdraw(): boolean {
    if (this.balanceUnits() < UNIT) return false;
    this.add(-UNIT);
    return true;
  }

  /** A retry served its request: it takes nothing from the budget after all. */
  refund(): void {
    this.add(UNIT);
  }

  /** Whole retries the target may take now. */
  balance(): number {
    return Math.max(0, Math.floor(this.balanceUnits() / UNIT));
  }

  private balanceUnits(): number {
    this.slide();
    let total = this.reserveUnits;
    for (const units of this.buckets) total += units;
    return total;
  }

  private add(units: number): void {
    this.slide();
    this.buckets[this.bucketEpoch % BUCKETS] += units;
  }

  /** Empties buckets that fell out of the window. */
  private slide(): void {
    const epoch = Math.floor(this.clock.now() / (this.options.windowMs / BUCKETS));
    const steps = Math.min(BUCKETS, epoch - this.bucketEpoch);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketEpoch + i) % BUCKETS] = 0;
    if (epoch > this.bucketEpoch) this.bucketEpoch = epoch;
  }
}
