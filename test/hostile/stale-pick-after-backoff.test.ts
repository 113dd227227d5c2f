// Guards against a stale key pick: after two rate limits in one request the bridge backs off before its next
// attempt (docs/ARCHITECTURE.md §4), and another request may mark the chosen key meanwhile (a 401, a quota error, a
// retirement). The attempt after the backoff must not go to that key anyway (found by the long soak).
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';

describe('a key marked during a rate-limit backoff', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ tuning: { rateLimitBackoffMs: 1_000, waitThresholdMs: 0 } })));
  afterEach(async () => h.close());

  it('is not used by the attempt that was waiting to use it', async () => {
    const limited = { kind: 'rateLimit', headers: { 'retry-after': '30' } } as const;
    h.provider.fault('oa-key-1', limited);
    h.provider.fault('oa-key-2', limited);
    h.provider.fault('oa-key-3', { kind: 'invalidKey' });
    // Two 429s, then key 3 is picked and the request backs off for 0.5 to 1.5 s before using it.
    const waiting = post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-request': 'waiting' });
    await h.provider.waitFor((e) => e.key === 'oa-key-2' && e.completed, 2_000);
    // Meanwhile another request finds key 3 revoked.
    const other = await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-request': 'other' });
    assert.equal(other.status, 429, 'nothing usable left for the other request');
    assert.equal(
      h.bridge
        .status()
        .pools.find((p) => p.id === 'oa')
        ?.keys.find((k) => k.id === 'k3')?.state,
      'invalid',
    );
    const res = await waiting;
    assert.equal(res.status, 429, 'the waiting request has nothing usable left either');
    const usedKey3 = h.provider.ledger.filter((e) => e.key === 'oa-key-3').map((e) => e.headers['x-request']);
    assert.deepEqual(usedKey3, ['other'], 'key 3 was not used again once marked invalid');
  });
});
