// Guards the key state machine of docs/ARCHITECTURE.md §3: lazy cooldown end, later deadline wins, dead keys stay dead.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import assert from 'node:assert/strict';
import { KeyRecord, type KeyHealthChange } from '../../src/core/keys/keyHealth';
import { ManualClock } from '../helpers/manualClock';

function record(changes: KeyHealthChange[] = []): KeyRecord {
  return new KeyRecord({ id: 'k1', secret: 'sk-' + 'test-key-0000000001abcd' }, (c) => changes.push(c));
}

describe('key health', () => {
  it('cools, then reads ready once the deadline passes, with no timer', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now());
    assert.equal(key.stateAt(clock.now()), 'cooling');
    assert.equal(key.coolingDeadline(clock.now()), clock.now() + 5_000);
    clock.advance(4_999);
    assert.equal(key.isAvailable(clock.now()), false);
    clock.advance(1);
    assert.equal(key.stateAt(clock.now()), 'ready');
  });

  it('keeps the later deadline when concurrent rate limits mark it', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 10_000, 'first', clock.now());
    key.markCooling(clock.now() + 2_000, 'second', clock.now());
    assert.equal(key.coolingDeadline(clock.now()), clock.now() + 10_000);
    key.markCooling(clock.now() + 20_000, 'third', clock.now());
    assert.equal(key.coolingDeadline(clock.now()), clock.now() + 20_000);
  });

  it('does not let a rate limit revive an invalid, exhausted or retired key', () => {
    const clock = new ManualClock();
    const key = record();
    key.markInvalid('HTTP 401', clock.now() + 60_000, clock.now());
    key.markCooling(clock.now() + 1_000, 'HTTP 429', clock.now());
    assert.equal(key.stateAt(clock.now()), 'invalid');
    key.retire(clock.now());
    key.markExhausted('quota', clock.now() + 1, clock.now());
    assert.equal(key.stateAt(clock.now()), 'retired');
    key.markReady(clock.now());
    assert.equal(key.stateAt(clock.now()), 'retired', 'only the user restores a retired key');
    key.restore(clock.now());
    assert.equal(key.stateAt(clock.now()), 'ready');
  });

  it('fires one change event per transition, naming the previous state', () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const key = new KeyRecord({ id: 'k1', secret: 'test-key-1' }, (c) => seen.push(`${c.previous}->${c.key.stateAt(clock.now())}`));
    key.markExhausted('insufficient_quota', clock.now() + 1_000, clock.now());
    key.markReady(clock.now());
    key.markReady(clock.now());
    assert.deepEqual(seen, ['ready->exhausted', 'exhausted->ready']);
  });

  it('persists health by fingerprint, never the secret', () => {
    const clock = new ManualClock();
    const key = record();
    key.markInvalid('HTTP 401', clock.now() + 60_000, clock.now());
    const saved = key.persisted(clock.now());
    assert.deepEqual(saved, { state: 'invalid', until: undefined, reason: 'HTTP 401', retestAt: clock.now() + 60_000, retestFailures: undefined, cooling: undefined });
    assert.ok(!JSON.stringify(key).includes('sk-test-key'), 'serialising a key record must not reveal the secret');
    assert.equal(key.masked, 'sk-…abcd');
    const fresh = record();
    fresh.restorePersisted(saved!, clock.now());
    assert.equal(fresh.stateAt(clock.now()), 'invalid');
  });

  it('cools for one model only: the key stays ready for the others and key-wide', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.markCooling(clock.now() + 30_000, 'HTTP 429', clock.now(), 'model-a');
    assert.equal(key.stateAt(clock.now(), 'model-a'), 'cooling');
    assert.equal(key.stateAt(clock.now(), 'model-b'), 'ready');
    assert.equal(key.stateAt(clock.now()), 'ready', 'key-wide the key still reads usable');
    assert.equal(key.coolingDeadline(clock.now(), 'model-a'), clock.now() + 30_000);
    assert.equal(key.coolingDeadline(clock.now(), 'model-b'), undefined);
    assert.deepEqual(key.scopedCoolings(clock.now()), [{ scope: 'model-a', until: clock.now() + 30_000, reason: 'HTTP 429' }]);
    assert.deepEqual(changes.map((c) => [c.previous, c.scope]), [['ready', 'model-a']]);
    clock.advance(30_000);
    assert.equal(key.stateAt(clock.now(), 'model-a'), 'ready');
    assert.deepEqual(key.scopedCoolings(clock.now()), []);
  });

  it('a key-wide cooldown covers every model; a dead key is dead for every model', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now());
    assert.equal(key.stateAt(clock.now(), 'model-a'), 'cooling');
    key.markCooling(clock.now() + 9_000, 'HTTP 429', clock.now(), 'model-a');
    assert.equal(key.coolingDeadline(clock.now(), 'model-a'), clock.now() + 9_000, 'the later of the two');
    key.markExhausted('quota', clock.now() + 60_000, clock.now());
    assert.equal(key.stateAt(clock.now(), 'model-b'), 'exhausted');
    assert.deepEqual(key.scopedCoolings(clock.now()), []);
  });

  it('persists and restores scoped cooldowns; reads the key-wide form older files hold', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 20_000, 'HTTP 429', clock.now(), 'model-a');
    const saved = key.persisted(clock.now())!;
    assert.equal(saved.state, 'ready');
    const fresh = record();
    fresh.restorePersisted(JSON.parse(JSON.stringify(saved)), clock.now());
    assert.equal(fresh.stateAt(clock.now(), 'model-a'), 'cooling');
    assert.equal(fresh.stateAt(clock.now(), 'model-b'), 'ready');
    const old = record();
    old.restorePersisted({ state: 'cooling', until: clock.now() + 1_000, reason: 'HTTP 429' }, clock.now());
    assert.equal(old.stateAt(clock.now(), 'model-b'), 'cooling', 'a pre-scope cooldown is key-wide');
    clock.advance(1_000);
    assert.equal(old.stateAt(clock.now()), 'ready');
  });

  it('a passing test clears a key-wide cooldown but keeps the provider\'s per-model ones', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 20_000, 'HTTP 429', clock.now());
    key.markCooling(clock.now() + 20_000, 'HTTP 429', clock.now(), 'model-a');
    key.markReady(clock.now());
    assert.equal(key.stateAt(clock.now()), 'ready');
    assert.equal(key.stateAt(clock.now(), 'model-a'), 'cooling');
  });
});
