// Guards against a race that throws rate-limited and revoked keys straight back into rotation: a request
// sent before a key was marked (cooling, invalid) succeeds after the mark, and its late success must not
// undo the newer verdict. Otherwise every in-flight request on a key clears its cooldown, and the next
// requests hit the provider's limit again (found by the chaos soak: 205 of 256 cooldowns ended early).
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';

describe('a stale success does not undo a newer key mark', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ keys: { oa: ['oa-key-1', 'oa-key-2'] } })));
  afterEach(async () => h.close());

  for (const [name, fault, state] of [
    ['a 429 cooldown', { kind: 'rateLimit', headers: { 'retry-after': '30' } }, 'cooling'],
    ['a 401', { kind: 'invalidKey' }, 'invalid'],
  ] as const) {
    it(`keeps ${name} when an older request on the key succeeds afterwards`, async () => {
      h.provider.fault('oa-key-1', { kind: 'slowFirstByte', ms: 600 }, fault);
      const older = post(`${h.openaiBase}/chat/completions`, chatBody());
      await h.provider.waitFor((e) => e.key === 'oa-key-1', 2_000);
      const marking = await post(`${h.openaiBase}/chat/completions`, chatBody());
      assert.equal(marking.status, 200, 'the second request failed over to key 2');
      assert.equal((await older).status, 200, 'the older request succeeded on key 1 after the mark');
      const key = h.bridge
        .status()
        .pools.find((p) => p.id === 'oa')
        ?.keys.find((k) => k.id === 'k1');
      // A 429 cools the key for the model it was answered for; the key itself stays ready for other models.
      assert.equal(state === 'cooling' ? key?.cooling?.[0]?.scope && 'cooling' : key?.state, state);
      await post(`${h.openaiBase}/chat/completions`, chatBody());
      assert.deepEqual(
        h.provider.ledger.map((e) => e.key),
        ['oa-key-1', 'oa-key-1', 'oa-key-2', 'oa-key-2'],
        'the next request stays off key 1',
      );
    });
  }
});
