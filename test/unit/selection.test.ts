// Guards key selection: sticky fill-first, round-robin without index drift (the bug a shrinking active set caused), weighted shares.
import assert from 'node:assert/strict';
import { KeyPool } from '../../src/core/keys/keyPool';
import type { PoolSpec } from '../../src/core/config';
import { ManualClock } from '../helpers/manualClock';

function pool(strategy: PoolSpec['strategy'], weights: number[] = [1, 1, 1]): KeyPool {
  return new KeyPool(
    {
      id: 'p',
      protocol: 'openai',
      baseUrl: 'http://127.0.0.1:1/v1',
      strategy,
      keys: weights.map((w, i) => ({ id: `k${i + 1}`, secret: `test-key-${i + 1}`, weight: w })),
    },
    () => undefined,
  );
}

describe('key selection', () => {
  it('fill-first sticks to the key that worked, and stays on its replacement after a failure', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    const first = p.pick(clock.now())!;
    assert.equal(first.id, 'k1');
    p.succeeded(first, clock.now());
    assert.equal(p.pick(clock.now())!.id, 'k1');
    first.markCooling(clock.now() + 1_000, '429', clock.now());
    const second = p.pick(clock.now())!;
    assert.equal(second.id, 'k2');
    p.succeeded(second, clock.now());
    clock.advance(2_000);
    assert.equal(p.pick(clock.now())!.id, 'k2', 'sticky: the recovered primary does not take over and break the prompt cache');
  });

  it('round-robin visits keys in order and does not skip when a key leaves or joins', () => {
    const clock = new ManualClock();
    const p = pool('round-robin', [1, 1, 1, 1]);
    const picks = (n: number) => Array.from({ length: n }, () => p.pick(clock.now())!.id);
    assert.deepEqual(picks(4), ['k1', 'k2', 'k3', 'k4']);
    p.key('k2')!.markCooling(clock.now() + 1_000, '429', clock.now());
    assert.deepEqual(picks(3), ['k1', 'k3', 'k4']);
    clock.advance(1_000);
    assert.deepEqual(picks(5), ['k1', 'k2', 'k3', 'k4', 'k1']);
  });

  it('weighted spreads picks in proportion to weights', () => {
    const clock = new ManualClock();
    const p = pool('weighted', [3, 1]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const id = p.pick(clock.now())!.id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    assert.deepEqual(counts, { k1: 300, k2: 100 });
  });

  it('prefers the affinity key while it is available, and excludes keys that failed this request', () => {
    const clock = new ManualClock();
    const p = pool('round-robin');
    assert.equal(p.pick(clock.now(), { prefer: 'k3' })!.id, 'k3');
    p.key('k3')!.markInvalid('401', clock.now() + 1, clock.now());
    assert.notEqual(p.pick(clock.now(), { prefer: 'k3' })!.id, 'k3');
    assert.equal(p.pick(clock.now(), { exclude: new Set([p.key('k1')!, p.key('k2')!]) }), undefined);
  });

  it('keeps health across a config update while id and secret are unchanged', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    p.key('k1')!.markCooling(clock.now() + 5_000, '429', clock.now());
    p.update({ id: 'p', protocol: 'openai', baseUrl: 'http://127.0.0.1:1/v1', strategy: 'fill-first', keys: [{ id: 'k1', secret: 'test-key-1' }, { id: 'k9', secret: 'test-key-9' }] });
    assert.equal(p.key('k1')!.stateAt(clock.now()), 'cooling');
    assert.equal(p.keys.length, 2);
    p.update({ id: 'p', protocol: 'openai', baseUrl: 'http://127.0.0.1:1/v1', strategy: 'fill-first', keys: [{ id: 'k1', secret: 'test-key-1-rotated' }] });
    assert.equal(p.key('k1')!.stateAt(clock.now()), 'ready', 'a new secret is a new key');
    assert.equal(p.availability(clock.now()).counts.ready, 1);
  });

  it('picks for a model: keys cooling for another model are available, and the avoided key comes last', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    p.key('k1')!.markCooling(clock.now() + 5_000, '429', clock.now(), 'model-a');
    assert.equal(p.pick(clock.now(), { scope: 'model-a' })!.id, 'k2');
    assert.equal(p.pick(clock.now(), { scope: 'model-b' })!.id, 'k1');
    assert.equal(p.availability(clock.now(), 'model-a').soonestRecovery, clock.now() + 5_000);
    assert.equal(p.availability(clock.now(), 'model-b').soonestRecovery, undefined);
    assert.equal(p.pick(clock.now(), { scope: 'model-b', avoid: new Set([p.key('k1')!]) })!.id, 'k2');
    const all = new Set(p.keys);
    assert.equal(p.pick(clock.now(), { scope: 'model-b', avoid: all })!.id, 'k1', 'avoiding every key still picks one');
  });

  it('benches a key whose connections keep failing while a sibling succeeds, and only then', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    const [k1, k2] = [p.key('k1')!, p.key('k2')!];
    p.connectionFailed(k1, clock.now(), 10_000);
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), false, 'no sibling succeeded: the provider is failing, not the key');
    p.succeeded(k2, clock.now());
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), true);
    assert.equal(p.pick(clock.now())!.id, 'k2');
    clock.advance(10_000);
    assert.equal(k1.isBenched(clock.now()), false);
    p.succeeded(k1, clock.now());
    assert.equal(k1.connectionFailures, 0);
  });
});
