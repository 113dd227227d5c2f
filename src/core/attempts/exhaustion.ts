import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Engine } from '../engine/engine';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import type { BridgeErrorType, ProtocolAdapter } from '../protocols/protocol';
import { sendError } from '../protocols/errorAnswer';
import { rateLimitHeaders } from '../upstream/headers';
import type { Verdict } from '../failover/classify';
import type { ProxyRequest } from './proxyRequest';
import type { TargetTranslation } from '../translation/targetTranslation';

/** What one failed attempt left behind, for the final answer. */
export interface FailedAttempt {
  pool: KeyPool;
  key?: KeyRecord;
  verdict: Verdict;
  status?: number;
  headers?: IncomingHttpHeaders;
  raw?: Buffer;
  /** The target's translation: its error answer is written in the client's protocol. */
  translation?: TargetTranslation;
}

/** An error answer, before it is written in the client's protocol. */
interface Answer {
  status: number;
  type: BridgeErrorType;
  message: string;
  headers?: OutgoingHttpHeaders;
  code?: string;
}

interface ScopedPool {
  pool: KeyPool;
  /** The model the target is asked for: the rate-limit scope. */
  model: string | undefined;
}

/**
 * The answer when a route has nothing left (docs/ARCHITECTURE.md §2, step 6): a 429 with the
 * soonest recovery when keys are only resting, a message naming the pool and
 * the fix when no key is usable, a gateway error when providers are down.
 */
export function answerExhausted(
  engine: Engine,
  request: ProxyRequest,
  adapter: ProtocolAdapter,
  /** The route's targets, each with the model it is asked for (the rate-limit scope). */
  targets: readonly { pool: string; model: string | undefined }[],
  failures: readonly FailedAttempt[],
  res: ServerResponse,
  /** Pools whose ready keys were all held back by request caps full with requests in flight. */
  capsFull?: ReadonlySet<string>,
): { status: number; message: string } {
  const scoped = targets.flatMap((t) => {
    const pool = engine.pools.get(t.pool);
    return pool ? [{ pool, model: t.model }] : [];
  });
  const answer = chooseAnswer(engine.clock.now(), request, scoped, failures, capsFull);
  sendError(res, adapter, answer.status, answer.type, answer.message, answer.headers, answer.code);
  return { status: answer.status, message: answer.message };
}

function chooseAnswer(
  now: number,
  request: ProxyRequest,
  scoped: readonly ScopedPool[],
  failures: readonly FailedAttempt[],
  capsFull: ReadonlySet<string> | undefined,
): Answer {
  if (scoped.length === 0) {
    const message = `KeyBridge: no ${request.protocol} pool is configured. Add a pool and a key (KeyBridge view, or the "pools" of your config file).`;
    return { status: 503, type: 'api_error', message, headers: { 'x-should-retry': 'false' }, code: 'keybridge_no_pool' };
  }
  const soonest = soonestRecovery(now, scoped);
  if (soonest !== undefined) return rateLimited(now, soonest, scoped, failures);

  if (capsFull && !failures.length) return capsFullAnswer(capsFull);
  const last = failures.at(-1);
  if (last && (last.verdict.kind === 'transient' || last.verdict.kind === 'timeout')) {
    const timeout = last.verdict.kind === 'timeout';
    const message = `KeyBridge: provider unavailable for pool "${last.pool.id}": ${last.verdict.reason}.`;
    return { status: timeout ? 504 : 502, type: timeout ? 'timeout_error' : 'overloaded_error', message };
  }

  const pools = scoped.map((t) => t.pool);
  if (pools.every((p) => p.availability(now).counts.ready === 0)) return noUsableKey(now, pools);

  const reason = last ? last.verdict.reason : 'request budget spent';
  return { status: 503, type: 'api_error', message: `KeyBridge: gave up after ${failures.length} attempts: ${reason}.` };
}

/** The soonest a key of the route recovers for this request's model: a key cooling for another model is no reason to wait. */
function soonestRecovery(now: number, scoped: readonly ScopedPool[]): number | undefined {
  let soonest: number | undefined;
  for (const { pool, model } of scoped) {
    const recovery = pool.availability(now, model).soonestRecovery;
    if (recovery !== undefined && (soonest === undefined || recovery < soonest)) soonest = recovery;
  }
  return soonest;
}

/** Every usable key is resting: 429 with the soonest recovery, and the provider's own rate-limit headers. */
function rateLimited(now: number, soonest: number, scoped: readonly ScopedPool[], failures: readonly FailedAttempt[]): Answer {
  const seconds = Math.max(1, Math.ceil((soonest - now) / 1000));
  const lastLimit = [...failures].reverse().find((f) => f.verdict.kind === 'rate_limit' && f.headers);
  const headers: OutgoingHttpHeaders = {
    ...(lastLimit?.headers ? rateLimitHeaders(lastLimit.headers) : {}),
    'retry-after': String(seconds),
    'retry-after-ms': String(Math.max(0, soonest - now)),
  };
  const names = scoped.map((t) => `"${t.pool.id}"`).join(', ');
  const models = [...new Set(scoped.map((t) => t.model).filter((m): m is string => m !== undefined))];
  const forModels = models.length ? ` for ${models.join(', ')}` : '';
  const message = `KeyBridge: every usable key of ${names} is rate-limited${forModels}; the first recovers in ${seconds} s.`;
  return { status: 429, type: 'rate_limit_error', message, headers, code: 'rate_limit_exceeded' };
}

/**
 * Every ready key is held back by a request cap whose last places are taken by requests still in flight: 429 with
 * a short Retry-After, by when those have ended and the key is either free or resting with its cap's reason.
 */
function capsFullAnswer(pools: ReadonlySet<string>): Answer {
  const names = [...pools].map((id) => `"${id}"`).join(', ');
  const message = `KeyBridge: the request caps of ${names} are reached with the requests in flight; retry shortly.`;
  return { status: 429, type: 'rate_limit_error', message, headers: { 'retry-after': '1' }, code: 'rate_limit_exceeded' };
}

/** No key can serve and none will recover by itself: name each pool's keys by state, and the fix. */
function noUsableKey(now: number, pools: readonly KeyPool[]): Answer {
  const detail = pools
    .map((p) => {
      const counts = p.availability(now).counts;
      const parts = (['invalid', 'exhausted', 'retired'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
      return `"${p.id}" (${p.keys.length === 0 ? 'no keys' : parts.join(', ')})`;
    })
    .join(', ');
  const message = `KeyBridge: no usable key in ${detail}. Add a key, or test and restore keys in the KeyBridge view (headless: check the environment variables your config names).`;
  return { status: 503, type: 'api_error', message, headers: { 'x-should-retry': 'false' }, code: 'keybridge_no_usable_key' };
}
