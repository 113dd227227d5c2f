// Guards cost estimates (docs/ARCHITECTURE.md §10): the bundled price data prices known models by provider (from
// the pool's base URL, else the model's name) with their cache prices; a pool's own prices win, patterns included;
// an unknown model is priced at nothing and its tokens are reported as unpriced; reports price rows at query time.
import assert from 'node:assert/strict';
import type { RequestSummary } from '../../src/core/status';
import { costOf, Pricer } from '../../src/core/usage/price';
import { bundledPriceCatalog } from '../../src/core/usage/priceCatalog';
import { compact, retentionPolicy } from '../../src/core/usage/rollup';
import { queryUsage } from '../../src/core/usage/usageQuery';
import { recordFromSummary, type UsageRow } from '../../src/core/usage/usageRecord';
import { must } from '../helpers/must';

const NOW = Date.parse('2026-03-02T12:00:00Z');

function row(model: string, counts: { input: number; output: number; cacheRead?: number }, pool = 'oa', at = NOW - 60_000): UsageRow {
  const tokens = { cacheRead: 0, cacheWrite: 0, ...counts };
  const summary: RequestSummary = {
    id: 1,
    method: 'POST',
    path: '/openai/v1/chat/completions',
    protocol: 'openai',
    model,
    stream: false,
    status: 200,
    outcome: 'ok',
    pool,
    key: 'test…ey-1',
    fingerprint: 'abcdef123456',
    attempts: 1,
    ms: 10,
    tokens,
  };
  return recordFromSummary(summary, at);
}

describe('usage prices', () => {
  it('finds bundled prices by provider host and by model name, cache prices included', () => {
    const openai = bundledPriceCatalog.lookup('https://api.openai.com/v1', 'gpt-4.1-mini');
    assert.deepEqual(openai, { input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite: undefined });
    // A dated snapshot is the same model.
    assert.deepEqual(bundledPriceCatalog.lookup('https://api.openai.com/v1', 'gpt-4.1-mini-2025-04-14'), openai);
    // A host the data does not know (a local proxy): the model's name finds the provider.
    assert.deepEqual(bundledPriceCatalog.lookup('http://127.0.0.1:4000/v1', 'gpt-4.1-mini'), openai);
    const claude = bundledPriceCatalog.lookup('https://api.anthropic.com', 'claude-sonnet-4-5');
    assert.deepEqual(claude, { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }, 'the base tier of a tiered price');
    assert.ok(bundledPriceCatalog.lookup('https://api.deepseek.com', 'deepseek-chat'), 'DeepSeek is priced');
    assert.equal(bundledPriceCatalog.lookup('https://api.openai.com/v1', 'no-such-model-xyz'), undefined);
    assert.equal(bundledPriceCatalog.lookup('http://127.0.0.1:4000', 'gpt-test'), undefined);
  });

  it('costs the four token kinds at their prices, cache kinds at the input price when unset', () => {
    const tokens = { inputTokens: 1_000_000, outputTokens: 500_000, cacheReadTokens: 2_000_000, cacheWriteTokens: 100_000 };
    assert.equal(costOf(tokens, { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }), 3 + 7.5 + 0.6 + 0.375);
    assert.equal(costOf(tokens, { input: 1, output: 2 }), 1 + 1 + 2 + 0.1);
  });

  it("takes the pool's own prices over the bundled ones: an exact model over a pattern, a longer pattern over a shorter", () => {
    const pricer = new Pricer(bundledPriceCatalog, [
      {
        id: 'oa',
        baseUrl: 'https://api.openai.com/v1',
        prices: { 'gpt-4.1-mini': { input: 0.2, output: 0.8 }, 'gpt-*': { input: 9, output: 9 }, 'gpt-4*': { input: 5, output: 5 } },
      },
      { id: 'local', baseUrl: 'http://127.0.0.1:4000/v1', prices: { 'my-model': { input: 1, output: 2, cacheRead: 0.5 } } },
    ]);
    assert.deepEqual(pricer.pricesOf('oa', 'gpt-4.1-mini'), { input: 0.2, output: 0.8 });
    assert.deepEqual(pricer.pricesOf('oa', 'GPT-4o'), { input: 5, output: 5 });
    assert.deepEqual(pricer.pricesOf('oa', 'gpt-3.5-turbo'), { input: 9, output: 9 });
    assert.deepEqual(pricer.pricesOf('local', 'my-model'), { input: 1, output: 2, cacheRead: 0.5 });
    // Another pool's override does not leak; the bundled data prices the model there.
    assert.deepEqual(pricer.pricesOf('local', 'gpt-4.1-mini'), { input: 0.4, output: 1.6, cacheRead: 0.1, cacheWrite: undefined });
    assert.equal(pricer.pricesOf('local', 'unknown-model'), undefined);
    assert.equal(pricer.pricesOf('gone-pool', 'my-model'), undefined, 'a removed pool: the bundled data alone');
  });

  it('prices reports at query time: known models cost, unknown ones are null and counted as unpriced', () => {
    const rows = [
      row('gpt-4.1-mini', { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000 }),
      row('gpt-4.1-mini', { input: 1_000_000, output: 0 }),
      row('made-up-model', { input: 300, output: 30 }),
    ];
    const query = { by: 'model' as const, sinceMs: 86_400_000 };
    const pricer = new Pricer(bundledPriceCatalog, [{ id: 'oa', baseUrl: 'https://api.openai.com/v1' }]);
    const report = queryUsage(rows, query, NOW, pricer);
    assert.equal(report.totals.costUsd, 0.4 + 1.6 + 0.1 + 0.4);
    assert.equal(report.totals.unpricedTokens, 330);
    const lines = Object.fromEntries(must(report.breakdowns.model).map((l) => [l.name, l]));
    assert.equal(lines['gpt-4.1-mini'].costUsd, 2.5);
    assert.equal(lines['gpt-4.1-mini'].unpricedTokens, 0);
    assert.equal(lines['made-up-model'].costUsd, null);
    assert.equal(lines['made-up-model'].unpricedTokens, 330);

    // A changed override re-prices the history, rolled-up rows included.
    const rolled = compact(rows, NOW + 3 * 86_400_000, retentionPolicy(90));
    assert.ok(
      rolled.every((r) => r.kind !== 'request'),
      'the rows are rollups now',
    );
    const negotiated = new Pricer(bundledPriceCatalog, [
      { id: 'oa', baseUrl: 'https://api.openai.com/v1', prices: { 'gpt-4.1-*': { input: 0.1, output: 0.1 } } },
    ]);
    const later = queryUsage(rolled, { sinceMs: 7 * 86_400_000 }, NOW + 3 * 86_400_000, negotiated);
    assert.equal(later.totals.costUsd, 0.4);
    // Without prices at all, nothing is priced.
    assert.equal(queryUsage(rows, query, NOW).totals.costUsd, null);
  });
});
