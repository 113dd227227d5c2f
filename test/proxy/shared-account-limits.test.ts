// Guards pools whose keys share one account: a 429 is the account's limit for that model, so cycling through
// the other keys only burns requests. The (pool, model) scope cools for every key; a short Retry-After is
// waited for, a long one moves down the route. Without the flag, the first switch stays immediate.
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';

const keys = ['acct-key-1', 'acct-key-2', 'acct-key-3'].map((secret, i) => ({ id: `k${i + 1}`, secret }));
const pools = (shared: boolean) => (p: FakeProvider) => [
  { id: 'acct', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, sharedLimits: shared, keys },
  { id: 'other', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'other-key-1' }] },
];
const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'acct' }, { pool: 'other' }] }];

describe('keys that share one account', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("waits for a short Retry-After instead of cycling the account's other keys", async () => {
    h = await startHarness({ pools: pools(true), routes, tuning: { waitThresholdMs: 1_000 } });
    h.provider.fault('acct-key-1', { kind: 'rateLimit', headers: { 'retry-after-ms': '300' } });
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['acct-key-1', 'acct-key-1'], 'no request to the other keys of the limited account');
    assert.ok(Date.now() - started >= 290, 'the request waited for the account to recover');
    const coolingKeys = h.bridge.status().pools[0].keys.filter((k) => k.cooling?.length);
    assert.equal(coolingKeys.length, 0, 'the cooldown is over');
  });

  it("moves down the route at once when the account's Retry-After is long", async () => {
    h = await startHarness({ pools: pools(true), routes, tuning: { waitThresholdMs: 1_000 } });
    h.provider.fault('acct-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['acct-key-1', 'other-key-1']);
    const scopes = h.bridge.status().pools[0].keys.map((k) => k.cooling?.[0]?.scope);
    assert.deepEqual(scopes, ['gpt-test', 'gpt-test', 'gpt-test'], 'the whole account cools for the model');
  });

  it('without the flag, switches to the next key at once', async () => {
    h = await startHarness({ pools: pools(false), routes, tuning: { waitThresholdMs: 1_000 } });
    h.provider.fault('acct-key-1', { kind: 'rateLimit', headers: { 'retry-after-ms': '900' } });
    const started = Date.now();
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['acct-key-1', 'acct-key-2']);
    assert.ok(Date.now() - started < 600, `no wait for the 900 ms cooldown (${Date.now() - started} ms)`);
  });
});
