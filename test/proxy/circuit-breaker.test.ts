// Guards the per-target circuit breaker: after consecutive transient failures the target is skipped
// (no request reaches it) for a short open period, then a single probe finds out whether it recovered.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';

const pools = (p: FakeProvider) => [
  { id: 'flaky', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'flaky-key-1' }] },
  { id: 'steady', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'steady-key-1' }] },
];
const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'flaky' }, { pool: 'steady' }] }];

describe('circuit breaker', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools, routes, tuning: { breakerThreshold: 2, breakerOpenMs: 300 } })));
  afterEach(async () => h.close());

  it('skips an open target, probes it once after the open period, and closes on success', async () => {
    h.provider.always('flaky-key-1', { kind: 'serverError', status: 503 });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['flaky-key-1', 'flaky-key-1', 'steady-key-1'], 'retry once, then the next target');
    assert.equal(h.bridge.status().pools[0].breaker, 'open');

    h.provider.reset();
    for (let i = 0; i < 3; i++) assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['steady-key-1', 'steady-key-1', 'steady-key-1'], 'an open target gets no traffic');

    await new Promise((r) => setTimeout(r, 320));
    h.provider.reset();
    h.provider.always('flaky-key-1', undefined);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['flaky-key-1'], 'the probe goes to the recovered target');
    assert.equal(h.bridge.status().pools[0].breaker, 'closed');
  });
});
