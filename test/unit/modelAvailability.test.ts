// Guards the per-model availability in a pool's status: a key cooling for one model reads ready key-wide, so only
// this summary tells the health display that the model in use has no usable key and when the first comes back.
// Only models asked of the pool lately count; retired keys are not counted, dead ones count as not usable; the
// list stays bounded whatever models clients name.
import assert from 'node:assert/strict';
import { MODEL_IN_USE_MS, poolStatus } from '../../src/core/engine/poolStatus';
import { KeyPool } from '../../src/core/keys/keyPool';
import type { PoolStatus } from '../../src/core/status';

const T0 = 1_800_000_000_000;

function threeKeys(): KeyPool {
  const keys = ['1111', '2222', '3333'].map((n, i) => ({ id: `k${i + 1}`, secret: `sk-test-key-models-${n}` }));
  return new KeyPool({ id: 'p', protocol: 'openai', baseUrl: 'https://p.example.com/v1', strategy: 'fill-first', keys }, () => undefined);
}

const statusOf = (pool: KeyPool, now: number): PoolStatus =>
  poolStatus(pool, { breakers: undefined, firstEvents: undefined }, now, () => ({ ms: 1_000, source: 'tuning' }));

describe('model availability in the pool status', () => {
  it('counts the keys that can serve each model in use, most recent first, and when the first cooling key is back', () => {
    const pool = threeKeys();
    const [k1, k2, k3] = pool.keys;
    pool.noteAsked('gpt-a', T0);
    pool.noteAsked('gpt-b', T0 + 1_000);
    k1.markCooling(T0 + 235_000, 'HTTP 429', T0, 'gpt-a');
    k2.markCooling(T0 + 120_000, 'HTTP 429', T0, 'gpt-a');
    k3.markInvalid('HTTP 401', T0 + 60_000, T0);
    k1.markCooling(T0 + 30_000, 'HTTP 429', T0, 'gpt-b');
    assert.deepEqual(statusOf(pool, T0 + 2_000).models, [
      { model: 'gpt-b', usable: 1, total: 3, firstBackAt: T0 + 30_000 },
      { model: 'gpt-a', usable: 0, total: 3, firstBackAt: T0 + 120_000 },
    ]);
    assert.deepEqual(
      statusOf(pool, T0 + 120_000).models?.find((m) => m.model === 'gpt-a'),
      { model: 'gpt-a', usable: 1, total: 3, firstBackAt: T0 + 235_000 },
      'the first key is back',
    );
  });

  it('forgets a model not asked for a while, and leaves retired keys out of the count', () => {
    const pool = threeKeys();
    pool.noteAsked('gpt-a', T0);
    pool.keys[2].retire(T0);
    assert.deepEqual(statusOf(pool, T0 + MODEL_IN_USE_MS).models, [{ model: 'gpt-a', usable: 2, total: 2 }]);
    assert.equal(statusOf(pool, T0 + MODEL_IN_USE_MS + 1).models, undefined, 'no longer in use');
    assert.equal(statusOf(threeKeys(), T0).models, undefined, 'a pool nobody asked has none');
  });

  it('keeps a bounded list whatever models clients name', () => {
    const pool = threeKeys();
    for (let i = 0; i < 100; i++) pool.noteAsked(`model-${i}`, T0 + i);
    const models = statusOf(pool, T0 + 100).models ?? [];
    assert.equal(models.length, 32);
    assert.equal(models[0].model, 'model-99');
    pool.noteAsked('model-70', T0 + 200);
    assert.equal(statusOf(pool, T0 + 200).models?.[0].model, 'model-70', 'asking again moves a model to the front');
  });
});
