import type { Deadlines, Tuning } from '../config';
import type { Verdict } from './classify';
import type { ProviderOutcome } from './circuitBreaker';

/**
 * What the attempt loop does next, decided from the verdict, the route and
 * the budget alone. Pure functions: the loop supplies the facts, these say
 * what to do, and tests run them with no server and no clock.
 */

/** What the loop knows at a decision. */
export interface PolicyFacts {
  tuning: Pick<Tuning, 'transientRetries' | 'transientBackoffMs' | 'rateLimitBackoffMs' | 'waitThresholdMs'>;
  /** A later target in the route could still serve the request. */
  hasNextTarget: boolean;
  /** Transient retries already spent on the current target. */
  transientRetries: number;
  /** The target's retry budget (./retryBudget.ts); a retry takes one from it. */
  retryBudget: { tryWithdraw(): boolean };
  /** Rate limits met so far in this request, this one included. */
  rateLimits: number;
  /** 0 ≤ random < 1, for jitter. */
  random: number;
}

export type Step =
  /** Try the same target again after `delayMs`. `avoidKey`: prefer another key (the fault may be tied to this one). */
  | { kind: 'retry'; delayMs: number; avoidKey: boolean }
  | { kind: 'next-target' }
  /** The provider's own answer is the right one: relay it as it is. */
  | { kind: 'answer' }
  /** Keep the provider's answer for the end and try the next target first (a larger model may take the request). */
  | { kind: 'hold-and-next' };

const MAX_RATE_LIMIT_BACKOFF_MS = 2_000;
/** A provider failing at random recovers between two attempts or not at all: waiting longer only spends the budget. */
const MAX_TRANSIENT_BACKOFF_MS = 2_000;

function jitter(ms: number, random: number): number {
  return Math.round(ms * (0.5 + random));
}

/** After a failed attempt. Key-specific verdicts have already marked the key (it is not picked again). */
export function afterFailure(verdict: Verdict, facts: PolicyFacts): Step {
  switch (verdict.kind) {
    case 'rate_limit':
      // The first switch is immediate: another account is not limited. A second 429 in one request means the limit is
      // probably shared (one organisation, one IP), so each further attempt backs off instead of bursting through the pool.
      // The limited key itself is out of the running: it is cooling for this model.
      if (facts.rateLimits < 2) return { kind: 'retry', delayMs: 0, avoidKey: false };
      return {
        kind: 'retry',
        delayMs: jitter(Math.min(facts.tuning.rateLimitBackoffMs * 2 ** (facts.rateLimits - 2), MAX_RATE_LIMIT_BACKOFF_MS), facts.random),
        avoidKey: false,
      };
    case 'quota':
    case 'auth':
      return { kind: 'retry', delayMs: 0, avoidKey: false };
    case 'transient':
      // With a later target, a few retries here, then the next target is the better bet than a failing one.
      if (facts.hasNextTarget && facts.transientRetries >= facts.tuning.transientRetries) return { kind: 'next-target' };
      // On the last target a partly failing provider is retried until the request is served, as long as the
      // target's retries stay under a share of its requests: an outage is not multiplied into a retry storm.
      if (!facts.retryBudget.tryWithdraw()) return { kind: 'next-target' };
      // Each retry prefers a different key, so a fault tied to one key's connection or account costs one attempt.
      return {
        kind: 'retry',
        delayMs: jitter(Math.min(facts.tuning.transientBackoffMs * 2 ** facts.transientRetries, MAX_TRANSIENT_BACKOFF_MS), facts.random),
        avoidKey: true,
      };
    case 'timeout':
      // A silent provider costs the whole deadline again on each retry: move on.
      return { kind: 'next-target' };
    case 'context_length':
      return facts.hasNextTarget ? { kind: 'hold-and-next' } : { kind: 'answer' };
    case 'caller':
    case 'client':
      return { kind: 'answer' };
  }
}

export type NoKeyStep = { kind: 'wait'; ms: number } | { kind: 'next-target' };

/**
 * Every key of the target is resting for this model. The target is the
 * user's first choice: wait when a key recovers within the threshold and the
 * budget allows, otherwise move on.
 */
export function whenNoKey(soonestRecovery: number | undefined, now: number, budgetEnd: number, waitThresholdMs: number): NoKeyStep {
  if (soonestRecovery !== undefined && soonestRecovery - now <= waitThresholdMs && soonestRecovery < budgetEnd) {
    // A few ms past the deadline, so the key reads ready when the loop looks again.
    return { kind: 'wait', ms: soonestRecovery - now + 5 };
  }
  return { kind: 'next-target' };
}

/** The deadlines one attempt runs under. */
export interface AttemptDeadlines {
  /** To the response headers. */
  headersMs: number;
  /** Streams: from the request to the first content event. */
  firstEventMs: number;
  /** Silence between two chunks once the answer flows. */
  idleMs: number;
}

/**
 * Short deadlines while the route has somewhere else to go; on the last
 * target, wait up to the long one (there is nothing better to move to).
 * Non-streamed answers get their headers when the answer is complete, so only
 * their total deadline applies.
 */
export function attemptDeadlines(deadlines: Deadlines, stream: boolean, hasNextTarget: boolean): AttemptDeadlines {
  if (!stream) return { headersMs: deadlines.nonStreamTimeoutMs, firstEventMs: deadlines.nonStreamTimeoutMs, idleMs: deadlines.idleTimeoutMs };
  if (!hasNextTarget) return { headersMs: deadlines.firstByteTimeoutMs, firstEventMs: deadlines.firstByteTimeoutMs, idleMs: deadlines.idleTimeoutMs };
  return {
    headersMs: Math.min(deadlines.headersTimeoutMs, deadlines.firstEventTimeoutMs),
    firstEventMs: deadlines.firstEventTimeoutMs,
    idleMs: deadlines.idleTimeoutMs,
  };
}

/** What an attempt's verdict tells the target's breaker. Key-specific and caller faults say nothing about the provider. */
export function providerOutcome(verdict: Verdict | undefined): ProviderOutcome {
  if (!verdict) return 'success';
  return verdict.kind === 'transient' || verdict.kind === 'timeout' ? 'failure' : 'neutral';
}
