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
  /** Also the series over time, one point per UTC hour or day, in total and per model, key, pool and agent. */
  series?: SeriesGrain;
}

const SERIES_GRAINS = ['hour', 'day'] as const;
type SeriesGrain = (typeof SERIES_GRAINS)[number];
/** The dimensions a report has series over time for. */
const SERIES_DIMENSIONS = ['model', 'key', 'pool', 'agent'] as const;
type SeriesDimension = (typeof SERIES_DIMENSIONS)[number];

/** One value per bucket of the series, oldest first. */
export interface SeriesValues {
  requests: number[];
  errors: number[];
  failovers: number[];
  /** All four kinds of tokens. */
  tokens: number[];
  cacheReadTokens: number[];
  /** The estimate for the bucket; null where none of its rows had a price. */
  costUsd: (number | null)[];
}

export interface SeriesLine extends SeriesValues {
  /** As in the breakdowns: a key fingerprint (with `pool` and `keyMasked`), model, pool or agent. */
  name: string;
  pool?: string;
  keyMasked?: string;
}

export interface UsageSeries {
  grain: SeriesGrain;
  /** Each bucket's start (epoch ms, UTC), oldest first: every hour or day of the window, empty ones included. */
  at: number[];
  total: SeriesValues;
  /** Per dimension, the largest token users first (the order of the breakdowns). */
  by: Record<SeriesDimension, SeriesLine[]>;
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
  /** When the query asked for them. */
  series?: UsageSeries;
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

/** A query from `since`, `by` and `series` options (a query string, the CLI's flags); a string says what is wrong. */
export function usageQueryFrom(options: { get(name: string): string | null | undefined }): UsageQuery | string {
  const since = options.get('since');
  const by = options.get('by');
  const series = options.get('series');
  if (series) {
    if (!(SERIES_GRAINS as readonly string[]).includes(series)) return `series must be hour or day (got "${series.slice(0, 40)}")`;
  }
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
  if (series) query.series = series as SeriesGrain;
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

/** `YYYY-MM-DD` of a UTC day's start, made once per day of a report rather than once per row. */
function dayName(at: number, days: Map<number, string>): string {
  const start = bucketStart(at, 'day');
  let name = days.get(start);
  if (name === undefined) {
    name = new Date(start).toISOString().slice(0, 10);
    days.set(start, name);
  }
  return name;
}

/**
 * Totals and breakdowns of the rows in the window ending `now`, priced now by `pricer` (so a price update
 * re-prices the history). Pure: the same rows, prices and time give the same report.
 */
export function queryUsage(rows: Iterable<UsageRow>, query: UsageQuery, now: number, pricer?: Pricer): UsageReport {
  const from = now - (query.sinceMs ?? DEFAULT_SINCE_MS);
  const dimensions: readonly UsageDimension[] = query.by ? [query.by] : USAGE_DIMENSIONS;
  const frame = query.series && new SeriesFrame(query.series, from, now);
  // The series per model, key, pool and agent ride on the breakdown's lines: one lookup per row and dimension.
  const tallied = frame ? [...new Set<UsageDimension>([...dimensions, ...SERIES_DIMENSIONS])] : dimensions;
  const total = emptyTally();
  const totalValues = frame && emptyValues(frame.length);
  const groups = new Map<UsageDimension, Map<string, Line>>(tallied.map((d) => [d, new Map()]));
  const days = new Map<number, string>();
  for (const row of rows) {
    if (row.at < from || row.at > now) continue;
    const group = groupOf(row);
    const prices = pricer?.pricesOf(row.pool, group.model);
    const cost = prices && costOf(row, prices);
    tally(total, row, cost);
    const bucket = frame ? frame.index(row.at) : 0;
    if (totalValues) addAt(totalValues, bucket, row, cost);
    for (const [dimension, lines] of groups) {
      const name = dimension === 'day' ? dayName(row.at, days) : group[dimension] || '-';
      let line = lines.get(name);
      if (!line) {
        line = { ...emptyTally(), ...(dimension === 'key' ? { pool: row.pool || undefined, keyMasked: row.keyMasked } : {}) };
        if (frame && dimension !== 'protocol' && dimension !== 'day') line.values = emptyValues(frame.length);
        lines.set(name, line);
      }
      if (dimension === 'key') line.keyMasked ??= row.keyMasked;
      tally(line, row, cost);
      if (line.values) addAt(line.values, bucket, row, cost);
    }
  }
  const breakdowns: UsageReport['breakdowns'] = {};
  for (const dimension of dimensions) {
    const lines = [...(groups.get(dimension) ?? [])];
    const out = lines.map(([name, line]) => ({
      name,
      ...(line.pool ? { pool: line.pool } : {}),
      ...(line.keyMasked ? { keyMasked: line.keyMasked } : {}),
      ...totalsOf(line),
    }));
    breakdowns[dimension] = dimension === 'day' ? out.sort((a, b) => a.name.localeCompare(b.name)) : out.sort(largestFirst);
  }
  const report: UsageReport = { from, to: now, totals: totalsOf(total), breakdowns };
  if (frame && totalValues) {
    const by = {} as UsageSeries['by'];
    for (const dimension of SERIES_DIMENSIONS) {
      const lines = [...(groups.get(dimension) ?? [])].map(([name, line]) => ({ name, line, ...line.sums }));
      by[dimension] = lines.sort(largestFirst).map(({ name, line }) => ({
        name,
        ...(line.pool ? { pool: line.pool } : {}),
        ...(line.keyMasked ? { keyMasked: line.keyMasked } : {}),
        ...roundedValues(line.values ?? emptyValues(frame.length)),
      }));
    }
    report.series = { grain: frame.grain, at: frame.starts(), total: roundedValues(totalValues), by };
  }
  return report;
}

/** A line of a breakdown: its sums, and its series when the report has them. */
interface Line extends Tally {
  pool?: string;
  keyMasked?: string;
  values?: SeriesValues;
}

/** The largest token users first, then the busiest, then by name. */
function largestFirst(a: { name: string; requests: number } & TokenSums, b: { name: string; requests: number } & TokenSums): number {
  return tokensOf(b) - tokensOf(a) || b.requests - a.requests || a.name.localeCompare(b.name);
}

type TokenSums = Pick<UsageSums, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>;

function emptyValues(length: number): SeriesValues {
  const zeros = (): number[] => new Array<number>(length).fill(0);
  return {
    requests: zeros(),
    errors: zeros(),
    failovers: zeros(),
    tokens: zeros(),
    cacheReadTokens: zeros(),
    costUsd: new Array<number | null>(length).fill(null),
  };
}

function addAt(values: SeriesValues, i: number, row: UsageRow, cost: number | undefined): void {
  if (row.kind === 'request') {
    values.requests[i]++;
    if (row.outcome !== 'ok') values.errors[i]++;
  } else {
    values.requests[i] += row.requests;
    values.errors[i] += row.errors;
  }
  values.failovers[i] += row.failovers;
  values.tokens[i] += tokensOf(row);
  values.cacheReadTokens[i] += row.cacheReadTokens;
  if (cost !== undefined) values.costUsd[i] = (values.costUsd[i] ?? 0) + cost;
}

/**
 * The buckets of the series over time: one per UTC hour or day from the window's first to `now`'s. A row lands in
 * the bucket its `at` falls in (a rollup's is its hour's or day's start), so a daily rollup is one hourly point.
 */
class SeriesFrame {
  private readonly first: number;
  private readonly size: number;
  readonly length: number;

  constructor(
    readonly grain: SeriesGrain,
    from: number,
    now: number,
  ) {
    this.first = bucketStart(from, grain);
    this.size = grain === 'hour' ? 3_600_000 : 24 * 3_600_000;
    this.length = Math.floor((bucketStart(now, grain) - this.first) / this.size) + 1;
  }

  index(at: number): number {
    return Math.floor((at - this.first) / this.size);
  }

  starts(): number[] {
    return Array.from({ length: this.length }, (_, i) => this.first + i * this.size);
  }
}

function roundedValues(values: SeriesValues): SeriesValues {
  return { ...values, costUsd: values.costUsd.map(roundUsd) };
}

function roundUsd(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e6) / 1e6;
}

function tokensOf(t: Pick<UsageSums, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>): number {
  return t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
}
