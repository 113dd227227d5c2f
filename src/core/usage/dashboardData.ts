import type { BridgeStatus } from '../status';
import type { SeriesLine, SeriesValues, UsageLine, UsageQuery, UsageReport, UsageSeries, UsageTotals } from './usageQuery';

/** One row of a breakdown table: a name and what the dashboard shows of it. */
export interface DashboardRow {
  name: string;
  requests: number;
  errors: number;
  failovers: number;
  tokens: number;
  costUsd: number | null;
}

/** One limit window of a key, with how long until it is whole again. */
export interface DashboardQuota {
  pool: string;
  key: string;
  model: string;
  window: 'requests' | 'tokens' | 'input tokens' | 'output tokens';
  remaining?: number;
  limit?: number;
  /** Until the window resets, in ms (the webview counts it down between refreshes). */
  resetInMs?: number;
}

/** The windows the dashboard offers, and the grain of each one's points. */
export const DASHBOARD_RANGES = {
  // Hourly points come from the raw records and the hourly rollups; the longer ranges are drawn per day.
  '24h': { sinceMs: 24 * 3_600_000, series: 'hour' },
  '7d': { sinceMs: 7 * 24 * 3_600_000, series: 'day' },
  '30d': { sinceMs: 30 * 24 * 3_600_000, series: 'day' },
  '90d': { sinceMs: 90 * 24 * 3_600_000, series: 'day' },
} as const satisfies Record<string, UsageQuery>;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

export function isDashboardRange(value: unknown): value is DashboardRange {
  return typeof value === 'string' && Object.hasOwn(DASHBOARD_RANGES, value);
}

/** The dimensions the charts stack their series by. */
export type DashboardDimension = 'model' | 'key' | 'pool' | 'agent';

/** One stacked series: a model, key, pool or agent, or `other` for the rest. */
interface DashboardStack {
  name: string;
  tokens: number[];
  requests: number[];
}

/** The series over time: totals per bucket, and the largest few per dimension with the rest as `other`. */
interface DashboardSeries extends SeriesValues {
  grain: 'hour' | 'day';
  /** Each bucket's start (epoch ms, UTC), oldest first. */
  at: number[];
  by: Record<DashboardDimension, DashboardStack[]>;
}

/** Series a chart stacks before the rest become `other`: more colours than this do not read apart. */
const TOP_SERIES = 6;

/** Everything the webview draws, as one message; nothing in it is a secret (keys appear masked). */
export interface DashboardData {
  at: number;
  role: string;
  range: DashboardRange;
  totals: { requests: number; errors: number; failovers: number; tokens: number; meanLatencyMs: number; costUsd: number | null };
  /** Cache reads over every input token (cache writes included); null without input tokens. */
  cacheHitRate: number | null;
  series: DashboardSeries;
  breakdowns: { model: DashboardRow[]; key: DashboardRow[]; pool: DashboardRow[]; agent: DashboardRow[] };
  quotas: DashboardQuota[];
}

function tokensOf(t: UsageTotals): number {
  return t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
}

function rowOf(line: UsageLine, name = line.name): DashboardRow {
  return { name, requests: line.requests, errors: line.errors, failovers: line.failovers, tokens: tokensOf(line), costUsd: line.costUsd };
}

const QUOTA_WINDOWS = [
  ['requests', 'requests'],
  ['tokens', 'tokens'],
  ['inputTokens', 'input tokens'],
  ['outputTokens', 'output tokens'],
] as const;

function quotasOf(status: BridgeStatus | undefined, now: number): DashboardQuota[] {
  const out: DashboardQuota[] = [];
  for (const pool of status?.pools ?? []) {
    for (const key of pool.keys) {
      for (const quota of key.quota ?? []) {
        for (const [field, window] of QUOTA_WINDOWS) {
          const w = quota[field];
          if (!w) continue;
          out.push({
            pool: pool.id,
            key: key.masked,
            model: quota.model,
            window,
            remaining: w.remaining,
            limit: w.limit,
            resetInMs: w.resetAt === undefined ? undefined : Math.max(0, w.resetAt - now),
          });
        }
      }
    }
  }
  return out;
}

/** A key by its pool and masked form, never its fingerprint alone: that is what the tree shows. */
function keyName(line: { name: string; pool?: string; keyMasked?: string }): string {
  return `${line.pool ?? '-'} ${line.keyMasked ?? line.name}`;
}

/** The largest `TOP_SERIES - 1` lines as they are and the rest summed as `other` (all of them when they fit). */
function stacksOf(lines: SeriesLine[], length: number, name: (line: SeriesLine) => string): DashboardStack[] {
  const fits = lines.length <= TOP_SERIES;
  const top = fits ? lines : lines.slice(0, TOP_SERIES - 1);
  const stacks = top.map((line) => ({ name: name(line), tokens: line.tokens, requests: line.requests }));
  if (!fits) {
    const other: DashboardStack = {
      name: `other (${lines.length - top.length})`,
      tokens: new Array<number>(length).fill(0),
      requests: new Array<number>(length).fill(0),
    };
    for (const line of lines.slice(top.length)) {
      for (let i = 0; i < length; i++) {
        other.tokens[i] += line.tokens[i];
        other.requests[i] += line.requests[i];
      }
    }
    stacks.push(other);
  }
  return stacks;
}

function seriesOf(series: UsageSeries | undefined): DashboardSeries {
  if (!series)
    return {
      grain: 'day',
      at: [],
      requests: [],
      errors: [],
      failovers: [],
      tokens: [],
      cacheReadTokens: [],
      costUsd: [],
      by: { model: [], key: [], pool: [], agent: [] },
    };
  const { total, by, at } = series;
  const plain = (line: SeriesLine): string => line.name;
  return {
    grain: series.grain,
    at,
    requests: total.requests,
    errors: total.errors,
    failovers: total.failovers,
    tokens: total.tokens,
    cacheReadTokens: total.cacheReadTokens,
    costUsd: total.costUsd,
    by: {
      model: stacksOf(by.model, at.length, plain),
      key: stacksOf(by.key, at.length, keyName),
      pool: stacksOf(by.pool, at.length, plain),
      agent: stacksOf(by.agent, at.length, plain),
    },
  };
}

/** What the dashboard shows, from a usage report with every breakdown and its series, and the bridge status (for remaining quota). */
export function dashboardData(report: UsageReport, status: BridgeStatus | undefined, role: string, now: number, range: DashboardRange = '7d'): DashboardData {
  const { totals, breakdowns } = report;
  const input = totals.inputTokens + totals.cacheReadTokens + totals.cacheWriteTokens;
  return {
    at: now,
    role,
    range,
    totals: {
      requests: totals.requests,
      errors: totals.errors,
      failovers: totals.failovers,
      tokens: tokensOf(totals),
      meanLatencyMs: totals.meanLatencyMs,
      costUsd: totals.costUsd,
    },
    cacheHitRate: input ? totals.cacheReadTokens / input : null,
    series: seriesOf(report.series),
    breakdowns: {
      model: (breakdowns.model ?? []).map((l) => rowOf(l)),
      key: (breakdowns.key ?? []).map((l) => rowOf(l, keyName(l))),
      pool: (breakdowns.pool ?? []).map((l) => rowOf(l)),
      agent: (breakdowns.agent ?? []).map((l) => rowOf(l)),
    },
    quotas: quotasOf(status, now),
  };
}
