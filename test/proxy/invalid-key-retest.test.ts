// Guards invalid keys: a 401 takes the key out of rotation, but an automatic re-test with backoff brings it
// back, so an upstream outage that answers 401 for a while does not kill keys for good.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';
import { SkippingClock } from '../helpers/skippingClock';

describe('invalid keys and their re-test', () => {
  let h: Harness;
  let clock: SkippingClock;
  beforeEach(async () => {
    clock = new SkippingClock();
    h = await startHarness({ tuning: { invalidRetestMs: 5_000, retestMaxMs: 40_000 }, clock });
  });
  afterEach(async () => h.close());

  const key1 = () => must(h.bridge.status().pools.find((p) => p.id === 'oa')).keys[0];

  it('marks a 401 key invalid and serves the request with another key', async () => {
    h.provider.fault('oa-key-1', { kind: 'invalidKey' });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.equal(key1().state, 'invalid');
    assert.match(must(key1().reason), /HTTP 401/);
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.deepEqual(keysSeen(h.provider, 'chat'), ['oa-key-1', 'oa-key-2', 'oa-key-2']);
  });

  it('re-tests with doubling backoff and restores the key once the provider accepts it', async () => {
    h.provider.always('oa-key-1', { kind: 'invalidKey' });
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    const firstRetest = must(key1().retestAt);
    assert.ok(firstRetest - clock.now() <= 5_000, `first re-test in ${firstRetest - clock.now()} ms`);
    await h.bridge.engine.runDueRetests();
    assert.equal(h.provider.ledger.filter((e) => e.endpoint === 'models').length, 0, 'nothing is re-tested before it is due');
    clock.skip(5_000);
    await h.bridge.engine.runDueRetests();
    assert.equal(key1().state, 'invalid', 'still refused');
    const changes = h.logs.filter((line) => line.includes('key oa/k1'));
    assert.match(changes[0], /ready → invalid: HTTP 401/);
    assert.match(changes.at(-1) ?? '', /\(oa-…ey-1\) still invalid: HTTP 401/, 'a failed re-test is no move from invalid to invalid');
    const secondRetest = must(key1().retestAt);
    assert.ok(secondRetest - clock.now() > 9_000, `backoff doubled: next re-test in ${secondRetest - clock.now()} ms`);
    assert.ok(secondRetest > firstRetest);
    h.provider.always('oa-key-1', undefined);
    clock.skip(secondRetest - clock.now());
    await h.bridge.engine.runDueRetests();
    assert.equal(key1().state, 'ready');
    const tests = h.provider.ledger.filter((e) => e.endpoint === 'models');
    assert.equal(tests.length, 2, 'each re-test is one cheap models request');
    assert.ok(tests.every((e) => e.key === 'oa-key-1'));
  });

  it('a manual test of a key updates its state and reports latency', async () => {
    h.provider.fault('oa-key-2', { kind: 'invalidKey' });
    const bad = await h.bridge.testKey('oa', 'k2');
    assert.equal(bad.ok, false);
    assert.equal(bad.state, 'invalid');
    const good = await h.bridge.testKey('oa', 'k2');
    assert.equal(good.ok, true);
    assert.equal(good.state, 'ready');
    assert.ok(good.latencyMs >= 0);
  });

  it('tests with the pool’s own test path where the model list takes no key (OpenRouter)', async () => {
    const pools = h.bridge.status().pools;
    h.bridge.apply({
      pools: [
        {
          id: 'oa',
          protocol: 'openai',
          baseUrl: pools[0].baseUrl,
          strategy: 'fill-first',
          testPath: '/models/key-check',
          keys: [{ id: 'k1', secret: 'oa-key-1' }],
        },
      ],
      routes: [],
    });
    const result = await h.bridge.testKey('oa', 'k1');
    assert.equal(result.ok, true);
    assert.equal(h.provider.ledger[0].path, '/v1/models/key-check');
    assert.equal(h.provider.ledger[0].key, 'oa-key-1');
  });
});
