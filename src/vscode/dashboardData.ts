import type { BridgeStatus } from '../core/status';
import type { UsageLine, UsageReport, UsageTotals } from '../core/usage/usageQuery';

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

/** Everything the webview draws, as one message; nothing in it is a secret (keys appear masked). */
export interface DashboardData {
  at: number;
  role: string;
  totals: { requests: number; errors: number; failovers: number; tokens: number; meanLatencyMs: number; costUsd: number | null };
  /** Cache reads over every input token (cache writes included); null without input tokens. */
  cacheHitRate: number | null;
  /** Per UTC day, oldest first: what the charts draw. */
  days: (DashboardRow & { cacheReadTokens: number })[];
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
          out.push({ pool: pool.id, key: key.masked, model: quota.model, window, remaining: w.remaining, limit: w.limit, resetInMs: w.resetAt === undefined ? undefined : Math.max(0, w.resetAt - now) });
        }
      }
    }
  }
  return out;
}

/** What the dashboard shows, from a usage report with every breakdown and the bridge status (for remaining quota). */
export function dashboardData(report: UsageReport, status: BridgeStatus | undefined, role: string, now: number): DashboardData {
  const { totals, breakdowns } = report;
  const input = totals.inputTokens + totals.cacheReadTokens + totals.cacheWriteTokens;
  return {
    at: now,
    role,
    totals: { requests: totals.requests, errors: totals.errors, failovers: totals.failovers, tokens: tokensOf(totals), meanLatencyMs: totals.meanLatencyMs, costUsd: totals.costUsd },
    cacheHitRate: input ? totals.cacheReadTokens / input : null,
    days: (breakdowns.day ?? []).map((line) => ({ ...rowOf(line), cacheReadTokens: line.cacheReadTokens })),
    breakdowns: {
      model: (breakdowns.model ?? []).map((l) => rowOf(l)),
      // A key by its masked form and pool, never its fingerprint alone: that is what the tree shows.
      key: (breakdowns.key ?? []).map((l) => rowOf(l, `${l.pool ?? '-'} ${l.keyMasked ?? l.name}`)),
      pool: (breakdowns.pool ?? []).map((l) => rowOf(l)),
      agent: (breakdowns.agent ?? []).map((l) => rowOf(l)),
    },
    quotas: quotasOf(status, now),
  };
}
