import type { MemoryBudget, MemoryLease } from '../memoryBudget';

const MiB = 1024 * 1024;

/**
 * What one answer holds in memory beyond the event in flight (a translated Responses stream's output, a
 * continuable stream's text): capped per answer (`tuning.maxAnswerBytes`) and reserved from the memory budget
 * request bodies share, so many large answers at once cannot hold more than that budget either. The lease is
 * taken on first use and given back by `release`, which the attempt calls however the answer ended.
 */
export class AnswerHold {
  private lease: MemoryLease | undefined;
  private held = 0;

  constructor(
    private readonly limit: number,
    private readonly budget: MemoryBudget,
    /** Bytes of the budget each held byte costs: copies the holder makes of it before letting go (its last event). */
    private readonly copies = 1,
  ) {}

  /**
   * Grows the hold to `total` bytes. When that is over the cap or the budget, takes nothing and returns the limit
   * it would pass, in words that follow "grew past" or "more than".
   */
  growTo(total: number): string | undefined {
    if (total <= this.held) return undefined;
    if (total > this.limit) return `the ${sizeText(this.limit)} the bridge holds of one answer (tuning.maxAnswerBytes)`;
    this.lease ??= this.budget.reserve(0);
    if (!this.lease?.grow((total - this.held) * this.copies)) return 'the memory budget left by the other large answers and request bodies held at once';
    this.held = total;
    return undefined;
  }

  /** Gives the reservation back; safe to call twice. */
  release(): void {
    this.lease?.release();
    this.held = 0;
  }
}

function sizeText(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}
