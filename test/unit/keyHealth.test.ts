// Guards the key state machine of docs/ARCHITECTURE.md §3: lazy cooldown end, later deadline wins, dead keys stay dead.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import assert from 'node:assert/strict';
import { KeyRecord, type KeyHealthChange, type PersistedKeyHealth } from '../../src/core/keys/keyHealth';
import { ManualClock } from '../helpers/manualClock';
import { must } from '../helpers/must';

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
    assert.deepEqual(saved, {
      state: 'invalid',
      until: undefined,
      reason: 'HTTP 401',
      retestAt: clock.now() + 60_000,
      retestFailures: undefined,
      cooling: undefined,
    });
    assert.ok(!JSON.stringify(key).includes('sk-test-key'), 'serialising a key record must not reveal the secret');
    assert.equal(key.masked, 'sk-…abcd');
    const fresh = record();
    fresh.restorePersisted(must(saved), clock.now());
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
    assert.deepEqual(
      changes.map((c) => [c.previous, c.scope]),
      [['ready', 'model-a']],
    );
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
    const saved = must(key.persisted(clock.now()));
    assert.equal(saved.state, 'ready');
    const fresh = record();
    fresh.restorePersisted(JSON.parse(JSON.stringify(saved)) as typeof saved, clock.now());
    assert.equal(fresh.stateAt(clock.now(), 'model-a'), 'cooling');
    assert.equal(fresh.stateAt(clock.now(), 'model-b'), 'ready');
    const old = record();
    old.restorePersisted({ state: 'cooling', until: clock.now() + 1_000, reason: 'HTTP 429' }, clock.now());
    assert.equal(old.stateAt(clock.now(), 'model-b'), 'cooling', 'a pre-scope cooldown is key-wide');
    clock.advance(1_000);
    assert.equal(old.stateAt(clock.now()), 'ready');
  });

  it("a passing test clears a key-wide cooldown but keeps the provider's per-model ones", () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 20_000, 'HTTP 429', clock.now());
    key.markCooling(clock.now() + 20_000, 'HTTP 429', clock.now(), 'model-a');
    key.markReady(clock.now());
    assert.equal(key.stateAt(clock.now()), 'ready');
    assert.equal(key.stateAt(clock.now(), 'model-a'), 'cooling');
  });

  it('a 401 or a quota error leaves a retired key retired', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.retire(clock.now());
    key.markInvalid('HTTP 401', clock.now() + 60_000, clock.now());
    key.markExhausted('HTTP 429 insufficient_quota', clock.now() + 60_000, clock.now());
    assert.equal(key.stateAt(clock.now()), 'retired');
    assert.equal(key.reason, 'retired by user');
    assert.equal(changes.length, 1, 'only the retirement changed anything');
  });

  it('retiring forgets a pending re-test; restoring only revives a retired key and starts it clean', () => {
    const clock = new ManualClock();
    const key = record();
    key.markInvalid('HTTP 401', clock.now() + 60_000, clock.now());
    key.restore(clock.now());
    assert.equal(key.stateAt(clock.now()), 'invalid', 'restore is for retired keys; an invalid one waits for a passing test');
    key.retire(clock.now());
    assert.equal(key.retestAt, undefined);
    assert.equal(key.reason, 'retired by user');
    key.restore(clock.now());
    assert.equal(key.stateAt(clock.now()), 'ready');
    assert.equal(key.reason, undefined);
    assert.equal(key.retestFailures, 0);
  });

  it('a 429 on a dead key changes nothing: no cooldown, no event, its reason stands', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now());
    key.markInvalid('HTTP 401', clock.now() + 60_000, clock.now());
    key.markCooling(clock.now() + 9_000, 'HTTP 429', clock.now());
    key.markCooling(clock.now() + 9_000, 'HTTP 429', clock.now(), 'model-a');
    assert.equal(changes.length, 2, 'the cooldown and the 401; the later 429s nothing');
    assert.equal(key.reason, 'HTTP 401');
    assert.equal(key.coolingDeadline(clock.now()), undefined, 'an invalid key is not about to recover');
    assert.deepEqual(key.scopedCoolings(clock.now()), []);
  });

  it('a repeated mark is no change; a new reason or a later deadline is one', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    const until = clock.now() + 10_000;
    key.markCooling(until, 'HTTP 429', clock.now());
    key.markCooling(until, 'HTTP 429', clock.now());
    assert.equal(changes.length, 1);
    key.markCooling(until, 'HTTP 429 again', clock.now());
    assert.equal(changes.length, 2);
    assert.equal(key.reason, 'HTTP 429 again');
    key.markCooling(until + 5_000, 'HTTP 429 again', clock.now());
    assert.equal(changes.length, 3);
    assert.equal(key.coolingDeadline(clock.now()), until + 5_000, 'the same reason with a later deadline extends it');
    assert.deepEqual(
      changes.map((c) => c.scope),
      [undefined, undefined, undefined],
      'key-wide changes name no scope',
    );
  });

  it('a cooldown for one model does not touch the key-wide reason', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 10_000, 'HTTP 429 for model-a', clock.now(), 'model-a');
    assert.equal(key.reason, undefined);
  });

  it('lists the running per-model cooldowns soonest first, without the key-wide one', () => {
    const clock = new ManualClock();
    const key = record();
    key.markCooling(clock.now() + 9_000, 'b', clock.now(), 'model-b');
    key.markCooling(clock.now() + 3_000, 'a', clock.now(), 'model-a');
    key.markCooling(clock.now() + 1_000, 'wide', clock.now());
    key.markCooling(clock.now() + 6_000, 'c', clock.now(), 'model-c');
    assert.deepEqual(
      key.scopedCoolings(clock.now()).map((c) => c.scope),
      ['model-a', 'model-c', 'model-b'],
    );
  });

  it('keeps at most 64 cooldowns: ended ones go first, then the soonest-ending model, never the key-wide one', () => {
    const clock = new ManualClock();
    const key = record();
    const start = clock.now();
    key.markCooling(start + 1_000, 'wide', start);
    // Marked latest-ending first, so the soonest-ending one is the last marked.
    for (let i = 0; i < 63; i++) key.markCooling(start + 70_000 - i * 1_000, 'HTTP 429', start, `model-${i}`);
    key.markCooling(start + 90_000, 'HTTP 429', start, 'model-new');
    const scopes = key.scopedCoolings(start).map((c) => c.scope);
    assert.equal(scopes.length, 63);
    assert.ok(!scopes.includes('model-62'), 'the soonest-ending model cooldown made room');
    assert.ok(scopes.includes('model-0') && scopes.includes('model-new'));
    assert.equal(key.coolingDeadline(start), start + 1_000, 'the key-wide cooldown stays though it ends sooner');
    key.markCooling(start + 95_000, 'HTTP 429', start, 'model-new');
    assert.ok(
      key.scopedCoolings(start).some((c) => c.scope === 'model-61'),
      'a scope already held needs no room',
    );

    clock.advance(1_000);
    key.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now(), 'model-late');
    const after = key.scopedCoolings(clock.now()).map((c) => c.scope);
    assert.ok(after.includes('model-late') && after.includes('model-61'), 'the key-wide cooldown that just ended made room; no running one went');
  });

  it('counts failures by class and keeps the last error without the key', () => {
    const secret = 'sk-' + 'test-key-0000000001abcd';
    const key = new KeyRecord({ id: 'k1', secret }, () => undefined);
    key.recordFailure('rate_limit', 'HTTP 429');
    key.recordFailure('rate_limit', `HTTP 429 for ${secret}`);
    key.recordFailure('auth', 'HTTP 401');
    assert.deepEqual(key.stats.failures, { rate_limit: 2, auth: 1 });
    key.recordFailure('quota', `Incorrect API key provided: ${secret}`);
    assert.ok(key.stats.lastError?.startsWith('Incorrect API key provided: ') && !key.stats.lastError.includes(secret), key.stats.lastError);
    key.markInvalid(`invalid key ${secret}`, 1, 0);
    assert.ok(key.reason?.startsWith('invalid key ') && !key.reason.includes(secret));
  });

  it('takes its label from the spec, else its id', () => {
    assert.equal(new KeyRecord({ id: 'k1', label: 'work account', secret: 'test-key-1' }, () => undefined).label, 'work account');
    assert.equal(new KeyRecord({ id: 'k2', secret: 'test-key-2' }, () => undefined).label, 'k2');
  });

  it('returns when the current run of connection failures began', () => {
    const key = record();
    assert.equal(key.connectionFailed(1_000), 1_000);
    assert.equal(key.connectionFailed(2_000), 1_000);
    key.connectionSucceeded(3_000);
    assert.equal(key.connectionFailed(4_000), 4_000);
  });

  it('fires a change when the reason or re-test time changes though the state does not, and not otherwise', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.markInvalid('HTTP 401', 5_000, clock.now());
    key.markInvalid('HTTP 401', 5_000, clock.now());
    assert.equal(changes.length, 1, 'the same verdict again is no change');
    key.markInvalid('HTTP 403 key disabled', 5_000, clock.now());
    assert.equal(changes.length, 2);
    key.markInvalid('HTTP 403 key disabled', 9_000, clock.now());
    assert.equal(changes.length, 3);
    key.markExhausted('HTTP 403 key disabled', 9_000, clock.now());
    assert.deepEqual(
      changes.map((c) => c.previous),
      ['ready', 'invalid', 'invalid', 'invalid'],
    );
  });

  it('persists a key-wide cooldown with its deadline and reason; a per-model one without a key-wide reason', () => {
    const clock = new ManualClock();
    const wide = record();
    wide.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now());
    assert.deepEqual(wide.persisted(clock.now()), {
      state: 'cooling',
      until: clock.now() + 5_000,
      reason: 'HTTP 429',
      retestAt: undefined,
      retestFailures: undefined,
      cooling: undefined,
    });
    const scoped = record();
    scoped.markCooling(clock.now() + 5_000, 'HTTP 429', clock.now(), 'model-a');
    assert.deepEqual(scoped.persisted(clock.now()), {
      state: 'ready',
      until: undefined,
      reason: undefined,
      retestAt: undefined,
      retestFailures: undefined,
      cooling: [{ scope: 'model-a', until: clock.now() + 5_000, reason: 'HTTP 429' }],
    });
  });

  it('restores saved health as written, says when a saved reason quoted the key, and skips what it cannot read', () => {
    const clock = new ManualClock();
    const now = clock.now();
    const secret = 'sk-' + 'test-key-0000000001abcd';
    const key = record();
    assert.equal(key.restorePersisted({ state: 'invalid', reason: 'HTTP 401', retestAt: now + 60_000, retestFailures: 3 }, now), false, 'nothing to scrub');
    assert.equal(key.reason, 'HTTP 401');
    assert.equal(key.retestAt, now + 60_000);
    assert.equal(key.retestFailures, 3);
    assert.equal(key.restorePersisted({ state: 'exhausted', reason: `quota for ${secret}` }, now), true, 'a quoted key is scrubbed and saved again');
    assert.ok(key.reason.startsWith('quota for ') && !key.reason.includes(secret), key.reason);
    assert.equal(
      key.restorePersisted({ state: 'ready', reason: 'stale', cooling: [{ scope: 'm', until: now + 1_000, reason: `limit ${secret}` }] }, now),
      true,
    );
    assert.equal(key.reason, undefined, 'a ready key has no reason');

    const garbage = [
      null,
      { scope: 5, until: now + 1_000 },
      { scope: 'until-as-text', until: String(now + 1_000) },
      { scope: 'ended', until: now - 1 },
      { scope: 'running', until: now + 1_000, reason: 'HTTP 429' },
      { scope: 'no-reason', until: now + 2_000 },
    ] as unknown as PersistedKeyHealth['cooling'];
    key.restorePersisted({ state: 'ready', cooling: garbage }, now);
    assert.deepEqual(key.scopedCoolings(now), [
      { scope: 'running', until: now + 1_000, reason: 'HTTP 429' },
      { scope: 'no-reason', until: now + 2_000, reason: 'rate limit' },
    ]);
  });

  it('restores a key-wide cooldown only from a cooling state, and at most 64 cooldowns', () => {
    const clock = new ManualClock();
    const now = clock.now();
    const key = record();
    key.restorePersisted({ state: 'ready', until: now + 5_000 }, now);
    assert.equal(key.stateAt(now), 'ready', 'a deadline without the cooling state is not a cooldown');
    const many = Array.from({ length: 70 }, (_, i) => ({ scope: `model-${i}`, until: now + 1_000 + i }));
    key.restorePersisted({ state: 'ready', cooling: many }, now);
    assert.equal(key.scopedCoolings(now).length, 64);
  });

  it('after a restart, the same 429 again is still no change', () => {
    const clock = new ManualClock();
    const now = clock.now();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.restorePersisted({ state: 'cooling', until: now + 5_000, reason: 'HTTP 429' }, now);
    key.markCooling(now + 5_000, 'HTTP 429', now);
    const bare = record(changes);
    bare.restorePersisted({ state: 'cooling', until: now + 5_000 }, now);
    bare.markCooling(now + 5_000, 'rate limit', now);
    assert.equal(changes.length, 0);
  });

  it('once a key-wide cooldown has ended, a passing test changes nothing and the saved state names no reason', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.markCooling(clock.now() + 1_000, 'HTTP 429', clock.now());
    key.markCooling(clock.now() + 9_000, 'HTTP 429', clock.now(), 'model-a');
    clock.advance(1_000);
    key.markReady(clock.now());
    assert.equal(changes.length, 2, 'the two cooldowns; the test found the key ready');
    assert.equal(key.persisted(clock.now())?.reason, undefined, 'a ready key saves no reason');
  });

  it('a passing test ends a restored key-wide cooldown with a change event, though no reason was saved', () => {
    const clock = new ManualClock();
    const changes: KeyHealthChange[] = [];
    const key = record(changes);
    key.restorePersisted({ state: 'cooling', until: clock.now() + 5_000 }, clock.now());
    key.markReady(clock.now());
    assert.equal(key.stateAt(clock.now()), 'ready');
    assert.deepEqual(
      changes.map((c) => c.previous),
      ['cooling'],
    );
  });
});
