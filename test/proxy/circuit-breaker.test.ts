// Guards the per-target circuit breaker (pool + upstream model): once the failure rate over its window is
// reached, the target is skipped (no request reaches it) while the route has somewhere else to go, then probes
// find out whether it recovered. With nowhere else to go, an open breaker lets requests through instead of
// answering 502 for everyone; another model on the same pool has a breaker of its own.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { SkippingClock } from '../helpers/skippingClock';

const pools = (p: FakeProvider) => [
  { id: 'flaky', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'flaky-key-1' }] },
  { id: 'steady', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'steady-key-1' }] },
];
const routes = [
  { protocol: 'openai' as const, match: 'gpt-test', targets: [{ pool: 'flaky' }, { pool: 'steady' }] },
  { protocol: 'openai' as const, match: 'solo-*', targets: [{ pool: 'flaky' }] },
];
const tuning = { breakerMinRequests: 3, breakerFailureRate: 0.5, breakerOpenMs: 30_000, transientRetries: 2 };

describe('circuit breaker', () => {
  let h: Harness;
  let clock: SkippingClock;
  beforeEach(async () => {
    clock = new SkippingClock();
    h = await startHarness({ pools, routes, tuning, clock });
  });
  afterEach(async () => h.close());

  it('skips an open target, probes it after the open period, and closes on success', async () => {
    h.provider.always('flaky-key-1', { kind: 'serverError', status: 503 });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['flaky-key-1', 'flaky-key-1', 'flaky-key-1', 'steady-key-1'], 'two retries, then the next target');
    const flaky = h.bridge.status().pools[0];
    assert.equal(flaky.breaker, 'open');
    assert.deepEqual(
      flaky.breakers?.map((b) => [b.model, b.state, b.failures]),
      [['gpt-test', 'open', 3]],
    );

    h.provider.reset();
    for (let i = 0; i < 3; i++) assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['steady-key-1', 'steady-key-1', 'steady-key-1'], 'an open target gets no traffic while the route has another');

    clock.skip(30_000);
    h.provider.reset();
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['flaky-key-1'], 'the probe goes to the recovered target');
    assert.equal(h.bridge.status().pools[0].breaker, 'closed');
  });

  it('lets requests through an open breaker when the route has nowhere else to go', async () => {
    h.provider.always('flaky-key-1', { kind: 'serverError', status: 503 });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'solo-1' }))).status, 502);
    assert.equal(h.bridge.status().pools[0].breakers?.find((b) => b.model === 'solo-1')?.state, 'open');
    h.provider.reset();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'solo-1' }));
    assert.equal(res.status, 200, 'a partly failing provider is not turned into a fully failing one');
  });

  it('keeps one breaker per model: a failing model does not shut the pool for another', async () => {
    h.provider.alwaysWhen('flaky-key-1', { model: 'gpt-test' }, { kind: 'serverError', status: 503 });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.equal(h.bridge.status().pools[0].breakers?.find((b) => b.model === 'gpt-test')?.state, 'open');
    const before = h.provider.ledger.length;
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'solo-2' }))).status, 200);
    assert.deepEqual(keysSeen(h.provider).slice(before), ['flaky-key-1'], 'solo-2 goes to the pool at once');
  });

  it('does not count caller faults against the provider', async () => {
    for (let i = 0; i < 5; i++)
      h.provider.fault('flaky-key-1', { kind: 'status', status: 400, body: { error: { type: 'invalid_request_error', message: 'bad' } } });
    for (let i = 0; i < 5; i++) assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 400);
    assert.equal(h.bridge.status().pools[0].breaker, 'closed');
  });
});
