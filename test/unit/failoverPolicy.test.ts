// Guards the attempt policy as pure decisions: transient faults are retried up to twice on other keys before the
// next target, on the last target as long as the retry budget allows, rate limits switch at once and then back off, silence moves on, deadlines are short only where
// the route has somewhere else to go, and only provider faults count against a breaker.
import assert from 'node:assert/strict';
import { DEFAULT_TUNING } from '../../src/core/config';
import { afterFailure, attemptDeadlines, providerOutcome, whenNoKey, type PolicyFacts } from '../../src/core/failover/policy';

/** A retry budget holding `n` retries, counting what it was asked. */
function budget(n = Infinity): PolicyFacts['retryBudget'] & { asked: number } {
  return {
    asked: 0,
    tryWithdraw() {
      this.asked++;
      if (n <= 0) return false;
      n--;
      return true;
    },
  };
}

const facts = (over: Partial<PolicyFacts> = {}): PolicyFacts => ({
  tuning: { ...DEFAULT_TUNING, transientRetries: 2, transientBackoffMs: 100, rateLimitBackoffMs: 100 },
  hasNextTarget: true,
  transientRetries: 0,
  retryBudget: budget(),
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

  it('on the last target, retries a transient fault as long as the retry budget allows, backing off up to 2 s', () => {
    const transient = { kind: 'transient' as const, reason: 'HTTP 529' };
    const last = (over: Partial<PolicyFacts>) => facts({ hasNextTarget: false, ...over });
    assert.deepEqual(
      afterFailure(transient, last({ transientRetries: 2 })),
      { kind: 'retry', delayMs: 400, avoidKey: true },
      'past transientRetries: the budget decides',
    );
    assert.deepEqual(afterFailure(transient, last({ transientRetries: 4 })), { kind: 'retry', delayMs: 1_600, avoidKey: true });
    assert.deepEqual(afterFailure(transient, last({ transientRetries: 5 })), { kind: 'retry', delayMs: 2_000, avoidKey: true }, '3.2 s capped');
    assert.deepEqual(
      afterFailure(transient, last({ transientRetries: 40, random: 0.999 })),
      { kind: 'retry', delayMs: 2_998, avoidKey: true },
      'the cap is jittered too',
    );
    const empty = budget(0);
    assert.deepEqual(afterFailure(transient, last({ retryBudget: empty })), { kind: 'next-target' }, 'no retry left in the budget: give up here');
    assert.equal(empty.asked, 1);
    const one = budget(1);
    assert.equal(afterFailure(transient, last({ retryBudget: one })).kind, 'retry');
    assert.equal(afterFailure(transient, last({ retryBudget: one, transientRetries: 1 })).kind, 'next-target', 'each retry takes one');
  });

  it('with a later target, retries within transientRetries and the budget, and asks the budget only for a retry it would make', () => {
    const transient = { kind: 'transient' as const, reason: 'HTTP 503' };
    const spent = budget();
    assert.deepEqual(afterFailure(transient, facts({ transientRetries: 2, retryBudget: spent })), { kind: 'next-target' });
    assert.equal(spent.asked, 0, 'moving on takes nothing from the budget');
    assert.deepEqual(afterFailure(transient, facts({ retryBudget: budget(0) })), { kind: 'next-target' }, 'an empty budget moves on at once');
    const other = budget();
    afterFailure({ kind: 'rate_limit', reason: 'HTTP 429' }, facts({ rateLimits: 1, retryBudget: other }));
    afterFailure({ kind: 'quota', reason: 'HTTP 402' }, facts({ retryBudget: other }));
    afterFailure({ kind: 'timeout', reason: 'no first event' }, facts({ retryBudget: other }));
    assert.equal(other.asked, 0, 'key rotations and timeouts are not transient retries');
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
