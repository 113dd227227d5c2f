// Guards against bursting through a pool whose keys share one limit (same organisation or IP): the first
// switch is immediate, but after a second 429 in the same request each further attempt waits with jitter.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';

describe('backoff on repeated rate limits within one request', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ keys: { oa: ['oa-key-1', 'oa-key-2', 'oa-key-3', 'oa-key-4'] }, tuning: { rateLimitBackoffMs: 100 } })));
  afterEach(async () => h.close());

  it('spaces the third and fourth attempts, not the second', async () => {
    for (const key of ['oa-key-1', 'oa-key-2', 'oa-key-3']) h.provider.fault(key, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    const t = h.provider.ledger.map((e) => e.startedAt);
    assert.equal(t.length, 4);
    assert.ok(t[1] - t[0] < 40, `second attempt immediate (${t[1] - t[0]} ms)`);
    assert.ok(t[2] - t[1] >= 45, `third attempt backed off (${t[2] - t[1]} ms)`);
    assert.ok(t[3] - t[2] >= 90, `fourth attempt backed off more (${t[3] - t[2]} ms)`);
  });
});
