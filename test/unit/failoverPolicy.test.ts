// Guards the attempt policy as pure decisions: transient faults are retried up to twice on other keys before the
// next target, rate limits switch at once and then back off, silence moves on, deadlines are short only where
// the route has somewhere else to go, and only provider faults count against a breaker.
import assert from 'node:assert/strict';
import { DEFAULT_TUNING } from '../../src/core/config';
import { afterFailure, attemptDeadlines, providerOutcome, whenNoKey, type PolicyFacts } from '../../src/core/failover/policy';

const facts = (over: Partial<PolicyFacts> = {}): PolicyFacts => ({
  tuning: { ...DEFAULT_TUNING, transientRetries: 2, transientBackoffMs: 100, rateLimitBackoffMs: 100 },
  hasNextTarget: true,
  transientRetries: 0,
  rateLimits: 0,
  random: 0.5,
  ...over,
});

describe('failover policy', () => {
  it('retries a transient fault twice on another key, backing off exponentially, then moves on', () => {
    const transient = { kind: 'transient' as const, reason: 'HTTP 503' };
    assert.deepEqual(afterFailure(transient, facts({ transientRetries: 0 })), { kind: 'retry', delayMs: 100, avoidKey: true });
    assert.deepEqual(afterFailure(transient, facts({ transientRetries: 1 })), { kind: 'retry', delayMs: 200, avoidKey: true });
    assert.deepEqual(afterFailure(transient, facts({ transientRetries: 2 })), { kind: 'next-target' });
    const low = afterFailure(transient, facts({ random: 0 }));
    const high = afterFailure(transient, facts({ random: 0.999 }));
    assert.ok(low.kind === 'retry' && high.kind === 'retry' && low.delayMs === 50 && high.delayMs === 150, 'jitter spans 0.5×–1.5×');
  });

  it('switches key at once on the first rate limit, then backs off before each further attempt', () => {
    const limit = { kind: 'rate_limit' as const, reason: 'HTTP 429' };
    assert.deepEqual(afterFailure(limit, facts({ rateLimits: 1 })), { kind: 'retry', delayMs: 0, avoidKey: false });
    assert.deepEqual(afterFailure(limit, facts({ rateLimits: 2 })), { kind: 'retry', delayMs: 100, avoidKey: false });
    assert.deepEqual(afterFailure(limit, facts({ rateLimits: 3 })), { kind: 'retry', delayMs: 200, avoidKey: false });
    const capped = afterFailure(limit, facts({ rateLimits: 30 }));
    assert.ok(capped.kind === 'retry' && capped.delayMs <= 2_000);
  });

  it('moves on after silence, answers caller faults as they are, and holds a context-length answer only while a larger target remains', () => {
    assert.deepEqual(afterFailure({ kind: 'timeout', reason: 'no first event' }, facts()), { kind: 'next-target' });
    assert.deepEqual(afterFailure({ kind: 'caller', reason: 'HTTP 400' }, facts()), { kind: 'answer' });
    assert.deepEqual(afterFailure({ kind: 'client', reason: 'refused' }, facts()), { kind: 'answer' });
    assert.deepEqual(afterFailure({ kind: 'context_length', reason: 'HTTP 400' }, facts({ hasNextTarget: true })), { kind: 'hold-and-next' });
    assert.deepEqual(afterFailure({ kind: 'context_length', reason: 'HTTP 400' }, facts({ hasNextTarget: false })), { kind: 'answer' });
  });

  it('waits for a cooling key only within the threshold and the budget', () => {
    assert.deepEqual(whenNoKey(1_500, 1_000, 10_000, 3_000), { kind: 'wait', ms: 505 });
    assert.deepEqual(whenNoKey(5_000, 1_000, 10_000, 3_000), { kind: 'next-target' }, 'past the threshold');
    assert.deepEqual(whenNoKey(1_500, 1_000, 1_200, 3_000), { kind: 'next-target' }, 'past the budget');
    assert.deepEqual(whenNoKey(undefined, 1_000, 10_000, 3_000), { kind: 'next-target' }, 'nothing is cooling');
  });

  it('uses short deadlines only where the route has somewhere else to go', () => {
    const d = { headersTimeoutMs: 10, firstEventTimeoutMs: 20, firstByteTimeoutMs: 300, idleTimeoutMs: 40, nonStreamTimeoutMs: 600 };
    assert.deepEqual(attemptDeadlines(d, true, true), { headersMs: 10, firstEventMs: 20, idleMs: 40 });
    assert.deepEqual(attemptDeadlines(d, true, false), { headersMs: 300, firstEventMs: 300, idleMs: 40 });
    assert.deepEqual(attemptDeadlines(d, false, true), { headersMs: 600, firstEventMs: 600, idleMs: 40 });
  });

  it('counts only provider faults against the breaker', () => {
    assert.equal(providerOutcome(undefined), 'success');
    assert.equal(providerOutcome({ kind: 'transient', reason: '' }), 'failure');
    assert.equal(providerOutcome({ kind: 'timeout', reason: '' }), 'failure');
    for (const kind of ['rate_limit', 'quota', 'auth', 'caller', 'client', 'context_length'] as const) {
      assert.equal(providerOutcome({ kind, reason: '' }), 'neutral', kind);
    }
  });

  it('retries a quota or auth failure at once without backoff: the failed key is already out of the running', () => {
    for (const kind of ['quota', 'auth'] as const) {
      assert.deepEqual(afterFailure({ kind, reason: 'HTTP 401' }, facts({ transientRetries: 1 })), { kind: 'retry', delayMs: 0, avoidKey: false }, kind);
    }
  });

  it('waits exactly up to the threshold, and only for a recovery before the budget ends', () => {
    assert.deepEqual(whenNoKey(4_000, 1_000, 10_000, 3_000), { kind: 'wait', ms: 3_005 }, 'at the threshold');
    assert.deepEqual(whenNoKey(4_001, 1_000, 10_000, 3_000), { kind: 'next-target' });
    assert.deepEqual(whenNoKey(4_000, 1_000, 4_000, 3_000), { kind: 'next-target' }, 'recovering as the budget ends is too late');
  });
});
