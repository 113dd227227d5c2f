import type { UsageCap } from '../config';
import { bucketStart } from './rollup';

/** What one key (or a whole pool) used in one UTC day or month. */
interface PeriodUse {
  /** The period's start (epoch ms); a count from an earlier period is stale. */
  start: number;
  requests: number;
  tokens: number;
  costUsd: number;
}

/** One request's use, as the cap accounting counts it. */
export interface CapUse {
  pool: string;
  /** The key's fingerprint ('' when no key was tried). */
  key: string;
  at: number;
  /** 1 for a request; a rollup's count for a rollup (its `at`, the hour's or day's start, is inside one UTC day and month). */
  requests: number;
  tokens: number;
  /** The estimated cost; undefined when the model has no known price (it then counts nothing towards a cost cap). */
  costUsd: number | undefined;
}

/** A cap that is reached: until when, and the words the status shows. */
export interface CapReached {
  until: number;
  reason: string;
}

/** The UTC day or calendar month `at` falls in. */
export function periodOf(at: number, period: UsageCap['period']): { start: number; end: number } {
  if (period === 'day') {
    const start = bucketStart(at, 'day');
    return { start, end: start + 24 * 3_600_000 };
  }
  const date = new Date(at);
  return { start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

function describe(cap: UsageCap, limit: 'requests' | 'tokens' | 'costUsd', end: number): string {
  const amount = limit === 'costUsd' ? `$${cap.costUsd} (estimated cost)` : `${cap[limit]} ${limit}`;
  const when = cap.period === 'day' ? 'resets 00:00 UTC' : `resets ${new Date(end).toISOString().slice(0, 10)} 00:00 UTC`;
  return `${cap.period === 'day' ? 'daily' : 'monthly'} cap${cap.per === 'pool' ? ' of the pool' : ''} of ${amount} reached; ${when}`;
}

/**
 * The counts opt-in caps are checked against (docs/ARCHITECTURE.md §10): per key and per pool, for the current
 * UTC day and month, in memory. Fed each finished request, and at start the usage store's history; a period
 * that has turned counts from zero again.
 */
export class CapLedger {
  private readonly uses = new Map<string, PeriodUse>();

  add(use: CapUse): void {
    for (const period of ['day', 'month'] as const) {
      const { start } = periodOf(use.at, period);
      for (const id of [`key\u0000${use.pool}\u0000${use.key}\u0000${period}`, `pool\u0000${use.pool}\u0000\u0000${period}`]) {
        let entry = this.uses.get(id);
        if (entry && entry.start > start) continue; // history older than what is counted already
        if (!entry || entry.start < start) {
          entry = { start, requests: 0, tokens: 0, costUsd: 0 };
          this.uses.set(id, entry);
        }
        entry.requests += use.requests;
        entry.tokens += use.tokens;
        entry.costUsd += use.costUsd ?? 0;
      }
    }
  }

  /** Requests counted for the key (or its pool) in the cap's current period. */
  requestsIn(pool: string, key: string, cap: UsageCap, now: number): number {
    const entry = this.uses.get(cap.per === 'key' ? `key\u0000${pool}\u0000${key}\u0000${cap.period}` : `pool\u0000${pool}\u0000\u0000${cap.period}`);
    return entry?.start === periodOf(now, cap.period).start ? entry.requests : 0;
  }

  /** The first of `caps` the key (or its pool) has reached at `now`, if any. */
  reached(pool: string, key: string, caps: readonly UsageCap[], now: number): CapReached | undefined {
    for (const cap of caps) {
      const { start, end } = periodOf(now, cap.period);
      const entry = this.uses.get(cap.per === 'key' ? `key\u0000${pool}\u0000${key}\u0000${cap.period}` : `pool\u0000${pool}\u0000\u0000${cap.period}`);
      if (!entry || entry.start !== start) continue;
      for (const limit of ['requests', 'tokens', 'costUsd'] as const) {
        const max = cap[limit];
        if (max !== undefined && entry[limit] >= max) return { until: end, reason: describe(cap, limit, end) };
      }
    }
    return undefined;
  }
}

/** The key an admitted request holds a place on, until it finishes. */
interface Admitted {
  pool: string;
  key: string;
}

/**
 * Request caps counted when a request is admitted rather than when it ends (docs/ARCHITECTURE.md §10): a request
 * about to be sent on a key of a capped pool holds a place against the key's and the pool's request caps, so c
 * requests in flight at once cannot pass a cap of n. The place moves with the request to another key, goes when
 * the request never reached a provider, and turns into the ledger's count when the request ends. Token and cost
 * caps can only be known at the end, and stay counted there.
 */
export class RequestAdmission {
  private readonly held = new Map<number, Admitted>();
  /** Places held per `key\0pool\0fingerprint` and per `pool\0pool`. */
  private readonly counts = new Map<string, number>();

  constructor(private readonly ledger: () => CapLedger) {}

  /** Whether request `id` may be sent on `key`: every request cap has room for it beside the counted and held ones. */
  admit(id: number, pool: string, caps: readonly UsageCap[], key: string, now: number): boolean {
    this.release(id);
    const ledger = this.ledger();
    for (const cap of caps) {
      if (cap.requests === undefined) continue;
      const held = this.counts.get(cap.per === 'key' ? `key\u0000${pool}\u0000${key}` : `pool\u0000${pool}`) ?? 0;
      if (ledger.requestsIn(pool, key, cap, now) + held + 1 > cap.requests) return false;
    }
    this.held.set(id, { pool, key });
    this.bump(`key\u0000${pool}\u0000${key}`, 1);
    this.bump(`pool\u0000${pool}`, 1);
    return true;
  }

  /** Request `id` holds no place any more (it ended, moved on, or never reached a provider). */
  release(id: number): void {
    const admitted = this.held.get(id);
    if (!admitted) return;
    this.held.delete(id);
    this.bump(`key\u0000${admitted.pool}\u0000${admitted.key}`, -1);
    this.bump(`pool\u0000${admitted.pool}`, -1);
  }

  private bump(id: string, by: number): void {
    const count = (this.counts.get(id) ?? 0) + by;
    if (count > 0) this.counts.set(id, count);
    else this.counts.delete(id);
  }
}
