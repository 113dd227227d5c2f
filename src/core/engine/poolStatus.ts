import type { BreakerState, CircuitBreaker } from '../failover/circuitBreaker';
import type { FirstEventDeadline, FirstEventHistory } from '../failover/firstEventDeadline';
import type { KeyPool } from '../keys/keyPool';
import type { BreakerStatus, FirstEventStatus, ModelAvailability, PoolStatus } from '../status';

/** What the engine keeps per target of one pool, by model. */
export interface PoolTargets {
  breakers: ReadonlyMap<string, CircuitBreaker> | undefined;
  firstEvents: ReadonlyMap<string, FirstEventHistory> | undefined;
}

/** A model asked of a pool this recently is "in use": its keys' health for it is shown and warned about. */
export const MODEL_IN_USE_MS = 10 * 60_000;

const BREAKER_ORDER: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** A pool as the status API, the tree and other windows see it: health and counters, never a secret. */
export function poolStatus(pool: KeyPool, targets: PoolTargets, now: number, deadlineOf: (model: string) => FirstEventDeadline): PoolStatus {
  const firstEvents = firstEventStatus(targets.firstEvents, deadlineOf);
  const models = modelAvailability(pool, now);
  return {
    id: pool.id,
    label: pool.label,
    protocol: pool.protocol,
    baseUrl: pool.baseUrl,
    strategy: pool.strategy,
    sharedLimits: pool.sharedLimits || undefined,
    ...breakerStatus(targets.breakers),
    ...(firstEvents.length && { firstEvents }),
    ...(models.length && { models }),
    keys: pool.keys.map((key) => {
      const state = key.stateAt(now);
      const cooling = key.scopedCoolings(now);
      const quota = key.quotaReports();
      return {
        id: key.id,
        label: key.label,
        masked: key.masked,
        fingerprint: key.fingerprint,
        state,
        until: key.coolingDeadline(now),
        reason: state === 'ready' ? undefined : key.reason,
        retestAt: state === 'invalid' || state === 'exhausted' ? key.retestAt : undefined,
        cooling: cooling.length ? cooling : undefined,
        benchedUntil: key.benchedUntilAt(now),
        quota: quota.length ? quota : undefined,
        stats: { ...key.stats, failures: { ...key.stats.failures } },
      };
    }),
  };
}

/** The pool's breakers that have seen traffic, and the worst state among them (the pool-level summary). */
function breakerStatus(breakers: ReadonlyMap<string, CircuitBreaker> | undefined): { breaker: BreakerState; breakers?: BreakerStatus[] } {
  const seen: BreakerStatus[] = [];
  let worst: BreakerState = 'closed';
  for (const [model, breaker] of breakers ?? []) {
    const snapshot = breaker.snapshot();
    if (BREAKER_ORDER[snapshot.state] > BREAKER_ORDER[worst]) worst = snapshot.state;
    if (snapshot.state !== 'closed' || snapshot.requests > 0) seen.push({ model, ...snapshot });
  }
  return { breaker: worst, breakers: seen.length ? seen : undefined };
}

/** The deadline in force for each model whose streams the pool served, with the history it was learned from. */
function firstEventStatus(
  histories: ReadonlyMap<string, FirstEventHistory> | undefined,
  deadlineOf: (model: string) => FirstEventDeadline,
): FirstEventStatus[] {
  const out: FirstEventStatus[] = [];
  for (const [model, history] of histories ?? []) {
    if (history.count === 0) continue;
    const { ms, source } = deadlineOf(model);
    const p95Ms = history.percentile();
    out.push({ model, samples: history.count, ...(p95Ms !== undefined && { p95Ms }), deadlineMs: ms, source });
  }
  return out;
}

/** For each model asked of the pool in the last `MODEL_IN_USE_MS`, the keys that can serve it and when the first comes back. */
function modelAvailability(pool: KeyPool, now: number): ModelAvailability[] {
  return pool.modelsAskedSince(now - MODEL_IN_USE_MS).map((model) => {
    const { counts, soonestRecovery } = pool.availability(now, model);
    const total = pool.keys.length - counts.retired;
    return { model, usable: counts.ready, total, ...(soonestRecovery !== undefined && { firstBackAt: soonestRecovery }) };
  });
}
