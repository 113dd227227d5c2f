// Guards rate-limit scope: providers limit per model, so a 429 on model A cools the key for A only. A route
// A → B on the same pool is served by B, and requests for any other model go to the key as if nothing happened
// (before, one persistent 429 on A blocked every key for every model for ~30 s).
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';
import { at, strAt } from '../helpers/json';

const pools = (p: FakeProvider) => [
  {
    id: 'oa',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    keys: ['oa-key-1', 'oa-key-2', 'oa-key-3'].map((secret, i) => ({ id: `k${i + 1}`, secret })),
  },
];
const routes = [
  { protocol: 'openai' as const, match: 'model-a', targets: [{ pool: 'oa' }, { pool: 'oa', model: 'model-b' }] },
  { protocol: 'openai' as const, match: 'model-x', targets: [{ pool: 'oa' }] },
];

describe('rate-limit scope', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools, routes, defaults: { openai: 'oa' } })));
  afterEach(async () => h.close());

  it('serves a persistently limited model from its fallback model on the same keys, and leaves other models alone', async () => {
    // Every key answers 429 for model-a, with no Retry-After: the default cooldown (60 s here) applies.
    h.provider.alwaysWhen('*', { model: 'model-a' }, { kind: 'rateLimit' });
    for (let i = 0; i < 5; i++) {
      const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'model-a' }));
      assert.equal(res.status, 200, res.text);
      assert.equal(at(res.json(), 'model'), 'model-b', 'served by the fallback model');
    }
    const toA = h.provider.ledger.filter((e) => e.model === 'model-a');
    assert.equal(toA.length, 3, 'each key is asked for model-a once, then left to cool for it');
    assert.deepEqual(
      h.provider.ledger.filter((e) => e.model === 'model-b').map((e) => e.key),
      ['oa-key-1', 'oa-key-1', 'oa-key-1', 'oa-key-1', 'oa-key-1'],
      'the fallback model runs on the primary key: the 429 was for model-a only',
    );

    const before = h.provider.ledger.length;
    const other = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'model-c' }));
    assert.equal(other.status, 200);
    assert.deepEqual(
      h.provider.ledger.slice(before).map((e) => [e.key, e.model]),
      [['oa-key-1', 'model-c']],
      'another model goes straight to the first key',
    );

    const key = h.bridge.status().pools[0].keys[0];
    assert.equal(key.state, 'ready', 'a key cooling for one model reads as usable');
    assert.deepEqual(
      key.cooling?.map((c) => c.scope),
      ['model-a'],
    );
    assert.ok(
      h.logs.some((l) => /ready → cooling for model-a/.test(l)),
      'the log names the model',
    );
  });

  it('answers Retry-After for the soonest recovery of the requested model, not of another one', async () => {
    h.provider.alwaysWhen('*', { model: 'model-x' }, { kind: 'rateLimit', headers: { 'retry-after': '20' } });
    h.provider.fault('oa-key-1', { kind: 'rateLimit', headers: { 'retry-after': '2' } });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'model-y' }))).status, 200, 'k1 cools 2 s for model-y, k2 serves');
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'model-x' }));
    assert.equal(res.status, 429);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(retryAfter >= 19 && retryAfter <= 20, `Retry-After ${retryAfter}: model-x recovers in 20 s; model-y's 2 s is no reason to come back`);
    assert.match(strAt(res.json(), 'error', 'message'), /rate-limited for model-x/);
  });
});
