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
  /** Always null for now: prices are not known yet (issue 21, item 3). */
  costUsd: null;
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

function totalsOf(sums: UsageSums): UsageTotals {
  const { requests, errors, failovers, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, latencyMs } = sums;
  return { requests, errors, failovers, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, meanLatencyMs: requests ? Math.round(latencyMs / requests) : 0, costUsd: null };
}

function nameOf(row: UsageRow, by: UsageDimension): string {
  if (by === 'day') return new Date(bucketStart(row.at, 'day')).toISOString().slice(0, 10);
  const group = groupOf(row);
  return group[by] || '-';
}

/** Totals and breakdowns of the rows in the window ending `now`. Pure: the same rows and time give the same report. */
export function queryUsage(rows: Iterable<UsageRow>, query: UsageQuery, now: number): UsageReport {
  const from = now - (query.sinceMs ?? DEFAULT_SINCE_MS);
  const dimensions = query.by ? [query.by] : USAGE_DIMENSIONS;
  const total = emptySums();
  const groups = new Map<UsageDimension, Map<string, { sums: UsageSums; pool?: string; keyMasked?: string }>>(dimensions.map((d) => [d, new Map()]));
  for (const row of rows) {
    if (row.at < from || row.at > now) continue;
    addTo(total, row);
    for (const [dimension, lines] of groups) {
      const name = nameOf(row, dimension);
      let line = lines.get(name);
      if (!line) {
        line = { sums: emptySums(), ...(dimension === 'key' ? { pool: row.pool || undefined, keyMasked: row.keyMasked } : {}) };
        lines.set(name, line);
      }
      if (dimension === 'key') line.keyMasked ??= row.keyMasked;
      addTo(line.sums, row);
    }
  }
  const breakdowns: UsageReport['breakdowns'] = {};
  for (const [dimension, lines] of groups) {
    const out = [...lines].map(([name, { sums, pool, keyMasked }]) => ({ name, ...(pool ? { pool } : {}), ...(keyMasked ? { keyMasked } : {}), ...totalsOf(sums) }));
    breakdowns[dimension] =
      dimension === 'day' ? out.sort((a, b) => a.name.localeCompare(b.name)) : out.sort((a, b) => tokensOf(b) - tokensOf(a) || b.requests - a.requests || a.name.localeCompare(b.name));
  }
  return { from, to: now, totals: totalsOf(total), breakdowns };
}

function tokensOf(t: UsageTotals): number {
  return t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
}
