// The dashboard's opening with a long history (issue 21: "the dashboard opens with 90 days of history for 50 keys
// and 20 models in well under a second"). Run in a fresh process of its own by `npm run bench` (or alone:
// `node out/bench-bin/dashboardLoad.js [--json]`): writes a usage file as the recorder would have after 90 days —
// raw records for the last 48 h (at most 2,000), hourly rollups for 14 days, daily ones before — then times what
// the owner's window does from reading the file to the message the dashboard posts: read and parse, compact (the
// store's open), the 90-day report with every breakdown and the daily series, and the page's data as JSON.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PoolSpec } from '../src/core/config';
import { Pricer } from '../src/core/usage/price';
import { bundledPriceCatalog } from '../src/core/usage/priceCatalog';
import { compact, retentionPolicy } from '../src/core/usage/rollup';
import { readUsageFile, rewriteUsageFile } from '../src/core/usage/usageFile';
import { queryUsage } from '../src/core/usage/usageQuery';
import type { UsageRecord, UsageRollup, UsageRow } from '../src/core/usage/usageRecord';
import { seeded } from '../test/helpers/seeded';
import { DASHBOARD_RANGES, dashboardData } from '../src/core/usage/dashboardData';
import type { DashboardLoadResult } from './results';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const KEYS = 50;
const POOLS = 5;
const MODELS = 20;
const AGENTS = ['claude-code', 'codex', 'opencode', 'openai-sdk'];
/** Names the bundled price data knows, so the report prices every row as it would for a user: 4 per pool. */
const MODEL_NAMES = [
  ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o'],
  ['gpt-4o-mini', 'o3', 'o4-mini', 'o3-mini'],
  ['gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4-turbo'],
  ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-3-5-haiku-latest', 'claude-sonnet-4-0'],
  ['claude-3-7-sonnet-latest', 'claude-opus-4-0', 'claude-haiku-4-5', 'claude-3-haiku-20240307'],
];
/** Pools 0–2 are OpenAI's, 3–4 Anthropic's. */
const protocolOf = (k: number): 'openai' | 'anthropic' => (k % POOLS >= 3 ? 'anthropic' : 'openai');

/**
 * 50 keys in 5 pools of 10, 20 models (4 per pool), 4 agents. In a working hour about 70 % of the keys serve,
 * each one to three (model, agent) pairs with a few to a few dozen requests; nights and weekends are quieter.
 * What the recorder keeps of that: the rows are its rollups, not a simulation of each request.
 */
export function usageHistory(now: number): UsageRow[] {
  const random = seeded(21);
  const rows: UsageRow[] = [];
  const keyOf = (k: number): { pool: string; key: string; keyMasked: string } => ({
    pool: `pool-${k % POOLS}`,
    key: `fp${String(k).padStart(10, '0')}`,
    keyMasked: `sk-…${String(k).padStart(4, '0')}`,
  });
  const modelOf = (k: number, m: number): string => MODEL_NAMES[k % POOLS][m];
  const sums = (requests: number): Omit<UsageRollup, 'kind' | 'at' | 'pool' | 'key' | 'keyMasked' | 'model' | 'agent' | 'protocol'> => {
    const input = requests * Math.round(2_000 + random() * 20_000);
    return {
      requests,
      errors: random() < 0.1 ? 1 : 0,
      failovers: random() < 0.05 ? 1 : 0,
      latencyMs: requests * Math.round(800 + random() * 4_000),
      inputTokens: input,
      outputTokens: Math.round(input * (0.05 + random() * 0.1)),
      cacheReadTokens: Math.round(input * random() * 2),
      cacheWriteTokens: Math.round(input * random() * 0.2),
    };
  };
  const busy = (at: number): number => {
    const hour = new Date(at).getUTCHours();
    const day = new Date(at).getUTCDay();
    return (day === 0 || day === 6 ? 0.3 : 1) * (hour >= 7 && hour < 19 ? 1 : 0.25);
  };
  const hourlyFrom = now - 14 * DAY;
  const rawFrom = now - 48 * HOUR;
  // Days before the hourly window: one rollup per (key, model, agent) used that day.
  for (let day = Math.floor((now - 90 * DAY) / DAY) * DAY; day < Math.floor(hourlyFrom / DAY) * DAY; day += DAY) {
    for (let k = 0; k < KEYS; k++) {
      for (let m = 0; m < MODELS / POOLS; m++) {
        for (const agent of AGENTS) {
          if (random() > 0.55 * busy(day + 12 * HOUR)) continue;
          rows.push({ kind: 'day', at: day, ...keyOf(k), model: modelOf(k, m), agent, protocol: protocolOf(k), ...sums(5 + Math.floor(random() * 120)) });
        }
      }
    }
  }
  // Hours of the last 14 days, before the raw window.
  const raw: UsageRecord[] = [];
  for (let hour = Math.floor(hourlyFrom / HOUR) * HOUR; hour <= now; hour += HOUR) {
    for (let k = 0; k < KEYS; k++) {
      if (random() > 0.7 * busy(hour)) continue;
      const pairs = 1 + Math.floor(random() * 3);
      for (let p = 0; p < pairs; p++) {
        const agent = AGENTS[Math.floor(random() * AGENTS.length)];
        const model = modelOf(k, Math.floor(random() * (MODELS / POOLS)));
        const protocol = protocolOf(k);
        const requests = 1 + Math.floor(random() * 30);
        if (hour < rawFrom) {
          rows.push({ kind: 'hour', at: hour, ...keyOf(k), model, agent, protocol, ...sums(requests) });
          continue;
        }
        for (let r = 0; r < requests; r++) {
          const s = sums(1);
          const at = hour + Math.floor(random() * HOUR);
          if (at > now) continue;
          raw.push({
            kind: 'request',
            at,
            ...keyOf(k),
            model,
            servedModel: model,
            protocol,
            agent,
            status: s.errors ? 429 : 200,
            outcome: s.errors ? 'error' : 'ok',
            stream: true,
            attempts: 1 + s.failovers,
            failovers: s.failovers,
            latencyMs: s.latencyMs,
            firstByteMs: 300,
            inputTokens: s.inputTokens,
            outputTokens: s.outputTokens,
            cacheReadTokens: s.cacheReadTokens,
            cacheWriteTokens: s.cacheWriteTokens,
          });
        }
      }
    }
  }
  // The recorder keeps the last 2,000 records raw and rolls the rest into hours: compact does exactly that.
  return compact([...rows, ...raw], now, retentionPolicy());
}

function mib(bytes: number): number {
  return bytes / 2 ** 20;
}

const gc = (globalThis as { gc?: () => void }).gc;

export async function measureDashboardLoad(): Promise<DashboardLoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'keybridge-bench-usage-'));
  try {
    const now = Date.now();
    const file = join(dir, 'usage.jsonl');
    await rewriteUsageFile(file, usageHistory(now));
    const pools: PoolSpec[] = Array.from({ length: POOLS }, (_, p) =>
      protocolOf(p) === 'openai'
        ? { id: `pool-${p}`, protocol: 'openai', baseUrl: 'https://api.openai.com/v1', strategy: 'fill-first', keys: [] }
        : { id: `pool-${p}`, protocol: 'anthropic', baseUrl: 'https://api.anthropic.com', strategy: 'fill-first', keys: [] },
    );
    gc?.();
    const before = process.memoryUsage();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const contents = await readUsageFile(file);
    const t1 = performance.now();
    const rows = compact(contents.rows, now, retentionPolicy());
    const t2 = performance.now();
    // The owner's report: every breakdown and the daily series of the longest range the dashboard offers.
    const report = queryUsage(rows, DASHBOARD_RANGES['90d'], now, new Pricer(bundledPriceCatalog, pools));
    const t3 = performance.now();
    const message = JSON.stringify({ type: 'usage', data: dashboardData(report, undefined, 'owner', now, '90d') });
    const t4 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const peak = process.memoryUsage();
    gc?.();
    const held = process.memoryUsage();
    const kinds = { request: 0, hour: 0, day: 0 };
    for (const row of rows) kinds[row.kind]++;
    return {
      keys: KEYS,
      models: MODELS,
      days: 90,
      rows: { raw: kinds.request, hourly: kinds.hour, daily: kinds.day },
      fileMiB: mib(statSync(file).size),
      readMs: t1 - t0,
      openMs: t2 - t1,
      queryMs: t3 - t2,
      shapeMs: t4 - t3,
      totalMs: t4 - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      messageKiB: Buffer.byteLength(message) / 1024,
      peakRssMiB: mib(peak.rss),
      heapGrowthMiB: mib(peak.heapUsed - before.heapUsed),
      heapHeldMiB: mib(held.heapUsed - before.heapUsed),
      requests: report.totals.requests,
      costUsd: report.totals.costUsd,
      unpricedTokens: report.totals.unpricedTokens,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void measureDashboardLoad().then((result) => {
    if (process.send) process.send(result);
    else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  });
}
