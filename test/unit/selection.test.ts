// Guards key selection: sticky fill-first, round-robin without index drift (the bug a shrinking active set caused), weighted shares.
import assert from 'node:assert/strict';
import { KeyPool } from '../../src/core/keys/keyPool';
import { RoundRobinSelector, WeightedSelector } from '../../src/core/keys/selection';
import type { PoolSpec } from '../../src/core/config';
import { ManualClock } from '../helpers/manualClock';
import { must } from '../helpers/must';

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
    const first = must(p.pick(clock.now()));
    assert.equal(first.id, 'k1');
    p.succeeded(first, clock.now());
    assert.equal(must(p.pick(clock.now())).id, 'k1');
    first.markCooling(clock.now() + 1_000, '429', clock.now());
    const second = must(p.pick(clock.now()));
    assert.equal(second.id, 'k2');
    p.succeeded(second, clock.now());
    clock.advance(2_000);
    assert.equal(must(p.pick(clock.now())).id, 'k2', 'sticky: the recovered primary does not take over and break the prompt cache');
  });

  it('round-robin visits keys in order and does not skip when a key leaves or joins', () => {
    const clock = new ManualClock();
    const p = pool('round-robin', [1, 1, 1, 1]);
    const picks = (n: number) => Array.from({ length: n }, () => must(p.pick(clock.now())).id);
    assert.deepEqual(picks(4), ['k1', 'k2', 'k3', 'k4']);
    must(p.key('k2')).markCooling(clock.now() + 1_000, '429', clock.now());
    assert.deepEqual(picks(3), ['k1', 'k3', 'k4']);
    clock.advance(1_000);
    assert.deepEqual(picks(5), ['k1', 'k2', 'k3', 'k4', 'k1']);
  });

  it('weighted spreads picks in proportion to weights', () => {
    const clock = new ManualClock();
    const p = pool('weighted', [3, 1]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const id = must(p.pick(clock.now())).id;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    assert.deepEqual(counts, { k1: 300, k2: 100 });
    const spread = pool('weighted', [3, 1]);
    assert.deepEqual(
      Array.from({ length: 8 }, () => must(spread.pick(clock.now())).id),
      ['k1', 'k1', 'k2', 'k1', 'k1', 'k1', 'k2', 'k1'],
      'the light key comes between the heavy picks, not after them',
    );
  });

  it('prefers the affinity key while it is available, and excludes keys that failed this request', () => {
    const clock = new ManualClock();
    const p = pool('round-robin');
    assert.equal(must(p.pick(clock.now(), { prefer: 'k3' })).id, 'k3');
    must(p.key('k3')).markInvalid('401', clock.now() + 1, clock.now());
    assert.notEqual(must(p.pick(clock.now(), { prefer: 'k3' })).id, 'k3');
    assert.equal(p.pick(clock.now(), { exclude: new Set([must(p.key('k1')), must(p.key('k2'))]) }), undefined);
  });

  it('keeps health across a config update while id and secret are unchanged', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    must(p.key('k1')).markCooling(clock.now() + 5_000, '429', clock.now());
    p.update({
      id: 'p',
      protocol: 'openai',
      baseUrl: 'http://127.0.0.1:1/v1',
      strategy: 'fill-first',
      keys: [
        { id: 'k1', secret: 'test-key-1' },
        { id: 'k9', secret: 'test-key-9' },
      ],
    });
    assert.equal(must(p.key('k1')).stateAt(clock.now()), 'cooling');
    assert.equal(p.keys.length, 2);
    p.update({ id: 'p', protocol: 'openai', baseUrl: 'http://127.0.0.1:1/v1', strategy: 'fill-first', keys: [{ id: 'k1', secret: 'test-key-1-rotated' }] });
    assert.equal(must(p.key('k1')).stateAt(clock.now()), 'ready', 'a new secret is a new key');
    assert.equal(p.availability(clock.now()).counts.ready, 1);
  });

  it('picks for a model: keys cooling for another model are available, and the avoided key comes last', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    must(p.key('k1')).markCooling(clock.now() + 5_000, '429', clock.now(), 'model-a');
    assert.equal(must(p.pick(clock.now(), { scope: 'model-a' })).id, 'k2');
    assert.equal(must(p.pick(clock.now(), { scope: 'model-b' })).id, 'k1');
    assert.equal(p.availability(clock.now(), 'model-a').soonestRecovery, clock.now() + 5_000);
    assert.equal(p.availability(clock.now(), 'model-b').soonestRecovery, undefined);
    assert.equal(must(p.pick(clock.now(), { scope: 'model-b', avoid: new Set([must(p.key('k1'))]) })).id, 'k2');
    const all = new Set(p.keys);
    assert.equal(must(p.pick(clock.now(), { scope: 'model-b', avoid: all })).id, 'k1', 'avoiding every key still picks one');
  });

  it('benches a key whose connections keep failing while a sibling succeeds, and only then', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    const [k1, k2] = [must(p.key('k1')), must(p.key('k2'))];
    p.connectionFailed(k1, clock.now(), 10_000);
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), false, 'no sibling succeeded: the provider is failing, not the key');
    p.succeeded(k2, clock.now());
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), true);
    assert.equal(must(p.pick(clock.now())).id, 'k2');
    assert.equal(must(p.pick(clock.now(), { avoid: new Set([k2]) })).id, 'k3');
    const k3 = must(p.key('k3'));
    p.connectionFailed(k3, clock.now(), 10_000);
    p.connectionFailed(k3, clock.now(), 10_000);
    assert.equal(must(p.pick(clock.now(), { avoid: new Set([k2]) })).id, 'k1', 'every other key benched: a benched key before the one this request avoids');
    assert.equal(must(p.pick(clock.now(), { avoid: new Set([k1, k2, k3]) })).id, 'k2', 'avoiding every key still picks one: the one that worked');
    clock.advance(10_000);
    assert.equal(k1.isBenched(clock.now()), false);
    p.succeeded(k1, clock.now());
    assert.equal(k1.connectionFailures, 0);
  });

  it('round-robin takes turns whatever the weights; weighted breaks a tie for the key listed first', () => {
    const clock = new ManualClock();
    const rr = pool('round-robin', [3, 1]);
    assert.deepEqual(
      Array.from({ length: 4 }, () => must(rr.pick(clock.now())).id),
      ['k1', 'k2', 'k1', 'k2'],
    );
    const weighted = pool('weighted', [1, 1]);
    assert.deepEqual(
      Array.from({ length: 4 }, () => must(weighted.pick(clock.now())).id),
      ['k1', 'k2', 'k1', 'k2'],
    );
  });

  it('a selector asked with nothing available picks nothing and keeps its place', () => {
    const p = pool('round-robin');
    const [k1, k2, k3] = p.keys;
    const rr = new RoundRobinSelector();
    assert.equal(rr.pick([k1, k2, k3], p.keys), k1);
    assert.equal(rr.pick([], p.keys), undefined);
    assert.equal(rr.pick([k1, k2, k3], p.keys), k2, 'the turn after k1');
    assert.equal(new WeightedSelector().pick([]), undefined);
  });

  it('changes the strategy on a config update, and keeps the sticky key when the strategy stays', () => {
    const clock = new ManualClock();
    const spec = (strategy: PoolSpec['strategy']): PoolSpec => ({
      id: 'p',
      protocol: 'openai',
      baseUrl: 'http://127.0.0.1:1/v1',
      strategy,
      keys: [1, 2, 3].map((i) => ({ id: `k${i}`, secret: `test-key-${i}`, weight: 1 })),
    });
    const p = new KeyPool(spec('fill-first'), () => undefined);
    p.succeeded(must(p.key('k2')), clock.now());
    p.update(spec('fill-first'));
    assert.equal(must(p.pick(clock.now())).id, 'k2', 'the same strategy keeps its selector and its sticky key');
    p.update(spec('round-robin'));
    assert.deepEqual(
      Array.from({ length: 3 }, () => must(p.pick(clock.now())).id),
      ['k1', 'k2', 'k3'],
    );
    assert.equal(p.strategy, 'round-robin');
  });

  it('a changed weight is a new key record', () => {
    const p = pool('weighted', [1, 1]);
    p.update({ id: 'p', protocol: 'openai', baseUrl: 'http://127.0.0.1:1/v1', strategy: 'weighted', keys: [{ id: 'k1', secret: 'test-key-1', weight: 3 }] });
    assert.equal(must(p.key('k1')).weight, 3);
  });

  it('exposes its spec: label (else id), base URL, extra headers, deadlines', () => {
    const spec: PoolSpec = {
      id: 'p',
      label: 'Work',
      protocol: 'anthropic',
      baseUrl: 'http://127.0.0.1:1',
      strategy: 'fill-first',
      headers: { 'x-team': 'a' },
      deadlines: { idleTimeoutMs: 5_000 },
      keys: [{ id: 'k1', secret: 'test-key-1' }],
    };
    const p = new KeyPool(spec, () => undefined);
    assert.deepEqual(
      [p.id, p.label, p.protocol, p.baseUrl, p.extraHeaders, p.deadlines],
      ['p', 'Work', 'anthropic', 'http://127.0.0.1:1', { 'x-team': 'a' }, { idleTimeoutMs: 5_000 }],
    );
    assert.equal(pool('fill-first').label, 'p');
  });

  it('may serve while some key is ready or only cooling, not when every key is dead', () => {
    const clock = new ManualClock();
    const p = pool('fill-first', [1, 1]);
    const [k1, k2] = p.keys;
    k1.markInvalid('HTTP 401', clock.now() + 60_000, clock.now());
    assert.equal(p.mayServe(clock.now()), true, 'k2 is ready');
    k2.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now());
    assert.equal(p.mayServe(clock.now()), true, 'k2 recovers soon');
    k2.markExhausted('quota', clock.now() + 60_000, clock.now());
    assert.equal(p.mayServe(clock.now()), false);
  });

  it('reports the soonest recovery among cooling keys, whatever their order', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    const [k1, k2] = p.keys;
    k1.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now());
    k2.markCooling(clock.now() + 9_000, 'HTTP 429', clock.now());
    assert.deepEqual(p.availability(clock.now()), {
      counts: { ready: 1, cooling: 2, exhausted: 0, invalid: 0, retired: 0 },
      soonestRecovery: clock.now() + 5_000,
    });
  });

  it('benches a key only from its second failure in a row, and only for a sibling success since the run began', () => {
    const clock = new ManualClock();
    const p = pool('fill-first');
    const [k1, k2] = p.keys;
    p.succeeded(k2, clock.now());
    clock.advance(1_000);
    p.connectionFailed(k1, clock.now(), 10_000);
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), false, 'the sibling succeeded before this run of failures');
    p.succeeded(k1, clock.now());
    p.connectionFailed(k1, clock.now(), 10_000);
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), false, 'its own success does not count');
    p.succeeded(k1, clock.now());
    p.succeeded(k2, clock.now());
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), false, 'one failure is not a pattern');
    p.connectionFailed(k1, clock.now(), 10_000);
    assert.equal(k1.isBenched(clock.now()), true);
  });
});
