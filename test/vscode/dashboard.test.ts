// Guards the usage dashboard's glue (docs/ARCHITECTURE.md §10): a webview panel with a strict content security
// policy whose only script is our own bundle (with the page's nonce), fed by postMessage from the host's usage
// report in either role — real BridgeHost windows, real traffic through the fake provider, a real usage store.
import './vscodeHook';
import assert from 'node:assert/strict';
import type { BridgeStatus } from '../../src/core/status';
import { queryUsage } from '../../src/core/usage/usageQuery';
import type { UsageRecord } from '../../src/core/usage/usageRecord';
import type { DashboardData } from '../../src/core/usage/dashboardData';
import { dashboardData } from '../../src/core/usage/dashboardData';
import { UsageDashboard } from '../../src/vscode/dashboard/dashboardPanel';
import { fake, Uri, type FakeWebviewPanel } from './fakeVscode';
import { chat, configFor, hostBench, TOKENS } from './hostFixtures';
import { waitFor } from './waitFor';
import { must } from '../helpers/must';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function usagePosts(panel: FakeWebviewPanel): DashboardData[] {
  return (panel.webview.posted as { type: string; data?: DashboardData }[]).filter((m) => m.type === 'usage').map((m) => m.data as DashboardData);
}

describe('Usage dashboard', function () {
  this.timeout(20_000);
  const bench = hostBench();
  const dashboards: UsageDashboard[] = [];
  beforeEach(() => fake.reset());
  afterEach(() => dashboards.splice(0).forEach((d) => d.dispose()));

  function open(host: ConstructorParameters<typeof UsageDashboard>[0]): { dashboard: UsageDashboard; panel: FakeWebviewPanel } {
    const dashboard = new UsageDashboard(host, Uri.file('/extension') as never, silent);
    dashboards.push(dashboard);
    dashboard.show();
    return { dashboard, panel: fake.webviewPanels.at(-1) as FakeWebviewPanel };
  }

  it('opens a panel whose page loads only our own script, with the nonce, under a strict policy', async () => {
    const host = bench.openWindow();
    await host.configure({ config: configFor(bench.provider), tokens: TOKENS });
    const { dashboard, panel } = open(host);
    const html = panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /^default-src 'none'; /);
    const nonce = /'nonce-([A-Za-z0-9+/=]{16,})'/.exec(csp)?.[1];
    assert.ok(nonce, `a nonce in the policy: ${csp}`);
    assert.match(csp, new RegExp(`script-src ${panel.webview.cspSource} 'nonce-`));
    assert.ok(!/script-src[^;]*'unsafe-inline'/.test(csp), 'no inline script');
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.deepEqual(scripts, [` nonce="${nonce}" src="https://fake.vscode-cdn.net/extension/dist/dashboard.js"`]);
    assert.deepEqual(
      [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1].startsWith(panel.webview.cspSource)),
      [true, true, true],
      'no remote content: both stylesheets (the chart library and ours) and the script are our own files',
    );
    assert.equal((panel.options as { enableScripts?: boolean }).enableScripts, true);

    // Opening it again brings the same panel forward, with a fresh nonce only for a new panel.
    dashboard.show();
    assert.equal(fake.webviewPanels.length, 1);
    assert.equal(panel.revealed, 1);
    panel.dispose();
    dashboard.show();
    assert.equal(fake.webviewPanels.length, 2);
    assert.notEqual(/'nonce-([^']+)'/.exec(fake.webviewPanels[1].webview.html)?.[1], nonce);
  });

  it('posts the owner report to the owner and to a follower window, and follows new traffic while visible', async () => {
    const owner = bench.openWindow();
    await owner.configure({ config: configFor(bench.provider), tokens: TOKENS });
    const follower = bench.openWindow();
    await follower.configure({ config: configFor(bench.provider), tokens: TOKENS });
    assert.equal(follower.role, 'follower');
    for (let i = 0; i < 2; i++) assert.equal((await chat(bench.port)).status, 200);

    const mine = open(owner).panel;
    const theirs = open(follower).panel;
    assert.equal(usagePosts(mine).length, 0, 'nothing is posted before the page listens');
    mine.receive({ type: 'ready' });
    theirs.receive({ type: 'ready' });
    await waitFor(() => usagePosts(mine).length > 0 && usagePosts(theirs).length > 0, 5_000, 'both pages get a report');

    const [a, b] = [usagePosts(mine)[0], usagePosts(theirs)[0]];
    assert.equal(a.role, 'owner');
    assert.equal(b.role, 'follower');
    for (const data of [a, b]) {
      assert.equal(data.totals.requests, 2);
      assert.ok(data.totals.tokens > 0);
      assert.equal(data.totals.costUsd, null, 'no prices yet');
      assert.deepEqual(
        data.breakdowns.model.map((r) => [r.name, r.requests]),
        [['gpt-test', 2]],
      );
      assert.deepEqual(
        data.breakdowns.pool.map((r) => r.name),
        ['oa'],
      );
      assert.equal(data.range, '7d', 'a week until the page asks for another range');
      assert.equal(data.series.grain, 'day');
      assert.equal(data.series.at.length, 8, 'every UTC day of the week, today included');
      assert.equal(data.series.requests.at(-1), 2);
      assert.deepEqual(
        data.series.by.model.map((s) => [s.name, s.requests.at(-1)]),
        [['gpt-test', 2]],
      );
      assert.match(data.series.by.key[0].name, /^oa \S*…/, 'series by key are named by pool and masked form too');
      const text = JSON.stringify(data);
      assert.ok(!text.includes('oa-key-'), 'no secret reaches the page');
      assert.match(data.breakdowns.key[0].name, /^oa \S*…/, 'keys by pool and masked form');
    }
    assert.deepEqual(b.breakdowns, a.breakdowns);

    // Live: a new request shows on the next refresh, without the page asking.
    assert.equal((await chat(bench.port)).status, 200);
    await waitFor(() => usagePosts(theirs).at(-1)?.totals.requests === 3, 10_000, 'the follower page sees the new request');

    // The page picks the last 24 hours: the next report has hourly points, in either window.
    theirs.receive({ type: 'range', range: '24h' });
    await waitFor(() => usagePosts(theirs).at(-1)?.range === '24h', 10_000, 'a report for the range picked');
    const hourly = must(usagePosts(theirs).at(-1)).series;
    assert.equal(hourly.grain, 'hour');
    assert.equal(hourly.at.length, 25);
    assert.equal(
      hourly.requests.reduce((a, b) => a + b, 0),
      3,
    );
    theirs.receive({ type: 'range', range: 'forever' });
    assert.equal(usagePosts(theirs).at(-1)?.range, '24h', 'a range the dashboard does not offer changes nothing');

    // Visible but idle: with no new request the report is not made again every 3 s (the next tick would have).
    const idleAt = usagePosts(theirs).length;
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(usagePosts(theirs).length, idleAt, 'no new report without a new request');

    // Hidden, it stops asking; shown again, it resumes.
    mine.setVisible(false);
    const hiddenAt = mine.webview.posted.length;
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(mine.webview.posted.length, hiddenAt, 'no refresh while hidden');
    mine.setVisible(true);
    await waitFor(() => mine.webview.posted.length > hiddenAt, 8_000, 'refreshes again when visible');
  });

  it('says why when there is no report (no bridge in any window)', async () => {
    const host = bench.openWindow();
    await host.configure({ config: configFor(bench.provider) }); // no tokens yet: idle
    const { panel } = open(host);
    panel.receive({ type: 'ready' });
    await waitFor(() => panel.webview.posted.length > 0, 5_000, 'an answer');
    assert.deepEqual(panel.webview.posted[0], { type: 'error', message: 'KeyBridge is still starting (waiting for secret storage).' });
  });

  it('shapes remaining quota per key with its reset countdown, and the cache-hit rate', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    const records: UsageRecord[] = [
      {
        kind: 'request',
        at: now - 60_000,
        pool: 'an',
        key: 'fp1',
        keyMasked: 'sk-…k001',
        model: 'claude-test',
        servedModel: 'claude-test',
        protocol: 'anthropic',
        agent: 'claude-code',
        status: 200,
        outcome: 'ok',
        stream: true,
        attempts: 1,
        failovers: 0,
        latencyMs: 100,
        firstByteMs: 50,
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 300,
        cacheWriteTokens: 0,
      },
    ];
    const status = {
      pools: [
        {
          id: 'an',
          keys: [
            {
              masked: 'sk-…k001',
              quota: [
                { model: 'claude-test', seenAt: now - 1_000, requests: { limit: 50, remaining: 49, resetAt: now + 90_000 }, tokens: { remaining: 1000 } },
              ],
            },
          ],
        },
      ],
    } as unknown as BridgeStatus;
    const data = dashboardData(queryUsage(records, {}, now), status, 'owner', now);
    assert.deepEqual(data.quotas, [
      { pool: 'an', key: 'sk-…k001', model: 'claude-test', window: 'requests', remaining: 49, limit: 50, resetInMs: 90_000 },
      { pool: 'an', key: 'sk-…k001', model: 'claude-test', window: 'tokens', remaining: 1000, limit: undefined, resetInMs: undefined },
    ]);
    assert.equal(data.cacheHitRate, 0.75);
    assert.deepEqual(
      data.breakdowns.agent.map((r) => [r.name, r.tokens]),
      [['claude-code', 420]],
    );
  });

  it('stacks the largest five models, keys, pools or agents over time and sums the rest as other', () => {
    const now = Date.parse('2026-01-10T12:30:00Z');
    const records: UsageRecord[] = Array.from({ length: 8 }, (_, m) => ({
      kind: 'request' as const,
      at: now - (m % 2) * 3_600_000,
      pool: 'oa',
      key: `fp${m}`,
      keyMasked: `sk-…k00${m}`,
      model: `model-${m}`,
      protocol: 'openai' as const,
      agent: 'codex',
      status: 200,
      outcome: 'ok' as const,
      stream: false,
      attempts: 1,
      failovers: 0,
      latencyMs: 10,
      inputTokens: 1000 - m * 100,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    }));
    const data = dashboardData(queryUsage(records, { sinceMs: 24 * 3_600_000, series: 'hour' }, now), undefined, 'owner', now, '24h');
    const models = data.series.by.model;
    assert.deepEqual(
      models.map((s) => s.name),
      ['model-0', 'model-1', 'model-2', 'model-3', 'model-4', 'other (3)'],
    );
    assert.deepEqual(models[5].tokens.slice(-2), [500 + 300, 400], 'model-5 and model-7 an hour ago, model-6 this hour');
    assert.deepEqual(data.series.by.key.map((s) => s.name).slice(0, 2), ['oa sk-…k000', 'oa sk-…k001']);
    assert.deepEqual(
      data.series.by.agent.map((s) => s.name),
      ['codex'],
      'one agent: no other',
    );
    for (const i of [data.series.at.length - 2, data.series.at.length - 1]) {
      assert.equal(
        models.reduce((a, s) => a + s.tokens[i], 0),
        data.series.tokens[i],
        'the stack adds up to the total',
      );
    }
    assert.ok(!JSON.stringify(data).includes('"fp'), 'no fingerprint reaches the page');
  });
});
