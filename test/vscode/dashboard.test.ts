// Guards the usage dashboard's glue (docs/ARCHITECTURE.md §10): a webview panel with a strict content security
// policy whose only script is our own bundle (with the page's nonce), fed by postMessage from the host's usage
// report in either role — real BridgeHost windows, real traffic through the fake provider, a real usage store.
import './vscodeHook';
import assert from 'node:assert/strict';
import type { BridgeStatus } from '../../src/core/status';
import { queryUsage } from '../../src/core/usage/usageQuery';
import type { UsageRecord } from '../../src/core/usage/usageRecord';
import type { DashboardData } from '../../src/vscode/dashboardData';
import { dashboardData } from '../../src/vscode/dashboardData';
import { UsageDashboard } from '../../src/vscode/dashboardPanel';
import { fake, Uri, type FakeWebviewPanel } from './fakeVscode';
import { chat, configFor, hostBench, TOKENS } from './hostFixtures';
import { waitFor } from './waitFor';

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
    assert.deepEqual([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1].startsWith(panel.webview.cspSource)), [true, true, true], 'no remote content: both stylesheets (the chart library and ours) and the script are our own files');
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
      assert.deepEqual(data.breakdowns.model.map((r) => [r.name, r.requests]), [['gpt-test', 2]]);
      assert.deepEqual(data.breakdowns.pool.map((r) => r.name), ['oa']);
      assert.equal(data.days.length, 1);
      assert.equal(data.days[0].requests, 2);
      const text = JSON.stringify(data);
      assert.ok(!text.includes('oa-key-'), 'no secret reaches the page');
      assert.match(data.breakdowns.key[0].name, /^oa \S*…/, 'keys by pool and masked form');
    }
    assert.deepEqual(b.breakdowns, a.breakdowns);

    // Live: a new request shows on the next refresh, without the page asking.
    assert.equal((await chat(bench.port)).status, 200);
    await waitFor(() => usagePosts(theirs).at(-1)?.totals.requests === 3, 10_000, 'the follower page sees the new request');

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
      { kind: 'request', at: now - 60_000, pool: 'an', key: 'fp1', keyMasked: 'sk-…k001', model: 'claude-test', servedModel: 'claude-test', protocol: 'anthropic', agent: 'claude-code', status: 200, outcome: 'ok', stream: true, attempts: 1, failovers: 0, latencyMs: 100, firstByteMs: 50, inputTokens: 100, outputTokens: 20, cacheReadTokens: 300, cacheWriteTokens: 0 },
    ];
    const status = {
      pools: [{ id: 'an', keys: [{ masked: 'sk-…k001', quota: [{ model: 'claude-test', seenAt: now - 1_000, requests: { limit: 50, remaining: 49, resetAt: now + 90_000 }, tokens: { remaining: 1000 } }] }] }],
    } as unknown as BridgeStatus;
    const data = dashboardData(queryUsage(records, {}, now), status, 'owner', now);
    assert.deepEqual(data.quotas, [
      { pool: 'an', key: 'sk-…k001', model: 'claude-test', window: 'requests', remaining: 49, limit: 50, resetInMs: 90_000 },
      { pool: 'an', key: 'sk-…k001', model: 'claude-test', window: 'tokens', remaining: 1000, limit: undefined, resetInMs: undefined },
    ]);
    assert.equal(data.cacheHitRate, 0.75);
    assert.deepEqual(data.breakdowns.agent.map((r) => [r.name, r.tokens]), [['claude-code', 420]]);
  });
});
