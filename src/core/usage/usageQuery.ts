import { costOf, type Pricer } from './price';
import { addTo, bucketStart, emptySums, groupOf } from './rollup';
import type { UsageRow, UsageSums } from './usageRecord';

/** The dimensions a report breaks its totals down by. */
const USAGE_DIMENSIONS = ['key', 'model', 'pool', 'agent', 'protocol', 'day'] as const;
type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageQuery {
  /** How far back, in ms (default 7 days). */
  sinceMs?: number;
  /** One breakdown; all of them when unset. */
  by?: UsageDimension;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  failovers: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Mean latency in ms over the requests (0 when none). */
  meanLatencyMs: number;
  /** An estimate from the prices known (docs/ARCHITECTURE.md §10); null when no token of these had a price. */
  costUsd: number | null;
  /** Tokens of models without a known price, which `costUsd` leaves out. */
  unpricedTokens: number;
}

export interface UsageLine extends UsageTotals {
  /** The value of the dimension: a key fingerprint, model, pool, agent, protocol or UTC day (YYYY-MM-DD). */
  name: string;
  /** For `key`: its pool and masked form, when known. */
  pool?: string;
  keyMasked?: string;
}

export interface UsageReport {
  /** The window, epoch ms; rollups count whole when their hour or day starts in it. */
  from: number;
  to: number;
  totals: UsageTotals;
  /** Per dimension, the largest token users first. */
  breakdowns: Partial<Record<UsageDimension, UsageLine[]>>;
}

const DEFAULT_SINCE_MS = 7 * 24 * 3_600_000;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 24 * 3_600_000, w: 7 * 24 * 3_600_000 };

/** `30m`, `24h`, `7d`, `2w` in ms; undefined for anything else. */
export function parseSince(text: string): number | undefined {
  const match = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2]];
  return ms > 0 ? ms : undefined;
}

/** A query from `since` and `by` options (a query string, the CLI's flags); a string says what is wrong. */
export function usageQueryFrom(options: { get(name: string): string | null | undefined }): UsageQuery | string {
  const since = options.get('since');
  const by = options.get('by');
  const query: UsageQuery = {};
  if (since) {
    const ms = parseSince(since);
    if (ms === undefined) return `since must be a count and a unit, like 30m, 24h, 7d or 2w (got "${since.slice(0, 40)}")`;
    query.sinceMs = ms;
  }
  if (by) {
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(by)) return `by must be one of ${USAGE_DIMENSIONS.join(', ')} (got "${by.slice(0, 40)}")`;
    query.by = by as UsageDimension;
  }
  return query;
}

/** Running sums and the cost of the rows that had a price. */
interface Tally {
  sums: UsageSums;
  costUsd: number;
  priced: number;
  unpricedTokens: number;
}

function emptyTally(): Tally {
  return { sums: emptySums(), costUsd: 0, priced: 0, unpricedTokens: 0 };
}

/** Adds a row and its cost (undefined: no price known for its model). */
function tally(into: Tally, row: UsageRow, cost: number | undefined): void {
  addTo(into.sums, row);
  if (cost === undefined) into.unpricedTokens += tokensOf(row);
  else {
    into.costUsd += cost;
    into.priced++;
  }
}

function totalsOf({ sums, costUsd, priced, unpricedTokens }: Tally): UsageTotals {
  const { requests, errors, failovers, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, latencyMs } = sums;
  return {
    requests,
    errors,
    failovers,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    meanLatencyMs: requests ? Math.round(latencyMs / requests) : 0,
    // Rounded to a millionth of a dollar: the sum of many small floats should not print as 0.30000000000000004.
    costUsd: priced ? Math.round(costUsd * 1e6) / 1e6 : null,
    unpricedTokens,
  };
}

function nameOf(row: UsageRow, by: UsageDimension): string {
  if (by === 'day') return new Date(bucketStart(row.at, 'day')).toISOString().slice(0, 10);
  const group = groupOf(row);
  return group[by] || '-';
}

/**
 * Totals and breakdowns of the rows in the window ending `now`, priced now by `pricer` (so a price update
 * re-prices the history). Pure: the same rows, prices and time give the same report.
 */
export function queryUsage(rows: Iterable<UsageRow>, query: UsageQuery, now: number, pricer?: Pricer): UsageReport {
  const from = now - (query.sinceMs ?? DEFAULT_SINCE_MS);
  const dimensions = query.by ? [query.by] : USAGE_DIMENSIONS;
  const total = emptyTally();
  const groups = new Map<UsageDimension, Map<string, Tally & { pool?: string; keyMasked?: string }>>(dimensions.map((d) => [d, new Map()]));
  for (const row of rows) {
    if (row.at < from || row.at > now) continue;
    const prices = pricer?.pricesOf(row.pool, groupOf(row).model);
    const cost = prices && costOf(row, prices);
    tally(total, row, cost);
    for (const [dimension, lines] of groups) {
      const name = nameOf(row, dimension);
      let line = lines.get(name);
      if (!line) {
        line = { ...emptyTally(), ...(dimension === 'key' ? { pool: row.pool || undefined, keyMasked: row.keyMasked } : {}) };
        lines.set(name, line);
      }
      if (dimension === 'key') line.keyMasked ??= row.keyMasked;
      tally(line, row, cost);
    }
  }
  const breakdowns: UsageReport['breakdowns'] = {};
  for (const [dimension, lines] of groups) {
    const out = [...lines].map(([name, line]) => ({ name, ...(line.pool ? { pool: line.pool } : {}), ...(line.keyMasked ? { keyMasked: line.keyMasked } : {}), ...totalsOf(line) }));
    breakdowns[dimension] =
      dimension === 'day' ? out.sort((a, b) => a.name.localeCompare(b.name)) : out.sort((a, b) => tokensOf(b) - tokensOf(a) || b.requests - a.requests || a.name.localeCompare(b.name));
  }
  return { from, to: now, totals: totalsOf(total), breakdowns };
}

function tokensOf(t: Pick<UsageSums, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>): number {
  return t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
}
