import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import type { BridgeErrorType, ProtocolAdapter } from '../protocols/protocol';
import { sendError } from '../protocols/errorAnswer';
import { rateLimitHeaders } from '../upstream/headers';
import type { Verdict } from '../failover/classify';
import type { ProxyRequest } from './proxyRequest';

/** What one failed attempt left behind, for the final answer. */
export interface FailedAttempt {
  pool: KeyPool;
  key?: KeyRecord;
  verdict: Verdict;
  status?: number;
  headers?: IncomingHttpHeaders;
  raw?: Buffer;
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
): { status: number; message: string } {
  const now = engine.clock.now();
  const scoped = targets.flatMap((t) => {
    const pool = engine.pools.get(t.pool);
    return pool ? [{ pool, model: t.model }] : [];
  });
  const pools = scoped.map((t) => t.pool);
  const send = (status: number, type: BridgeErrorType, message: string, headers: OutgoingHttpHeaders = {}, code?: string) => {
    sendError(res, adapter, status, type, message, headers, code);
    return { status, message };
  };

  if (pools.length === 0) {
    return send(503, 'api_error', `KeyBridge: no ${request.protocol} pool is configured. Add a pool and a key (KeyBridge view, or the "pools" of your config file).`, { 'x-should-retry': 'false' }, 'keybridge_no_pool');
  }

  let soonest: number | undefined;
  for (const { pool, model } of scoped) {
    // For this request's model: a key cooling for another model is no reason to wait.
    const recovery = pool.availability(now, model).soonestRecovery;
    if (recovery !== undefined && (soonest === undefined || recovery < soonest)) soonest = recovery;
  }
  if (soonest !== undefined) {
    const seconds = Math.max(1, Math.ceil((soonest - now) / 1000));
    const lastLimit = [...failures].reverse().find((f) => f.verdict.kind === 'rate_limit' && f.headers);
    const headers: OutgoingHttpHeaders = {
      ...(lastLimit?.headers ? rateLimitHeaders(lastLimit.headers) : {}),
      'retry-after': String(seconds),
      'retry-after-ms': String(Math.max(0, soonest - now)),
    };
    const names = pools.map((p) => `"${p.id}"`).join(', ');
    const models = [...new Set(scoped.map((t) => t.model).filter((m): m is string => m !== undefined))];
    const forModels = models.length ? ` for ${models.join(', ')}` : '';
    return send(429, 'rate_limit_error', `KeyBridge: every usable key of ${names} is rate-limited${forModels}; the first recovers in ${seconds} s.`, headers, 'rate_limit_exceeded');
  }

  const last = failures.at(-1);
  if (last && (last.verdict.kind === 'transient' || last.verdict.kind === 'timeout')) {
    const status = last.verdict.kind === 'timeout' ? 504 : 502;
    const type: BridgeErrorType = last.verdict.kind === 'timeout' ? 'timeout_error' : 'overloaded_error';
    return send(status, type, `KeyBridge: provider unavailable for pool "${last.pool.id}": ${last.verdict.reason}.`);
  }

  const unusable = pools.filter((p) => p.availability(now).counts.ready === 0);
  if (unusable.length === pools.length) {
    const detail = unusable
      .map((p) => {
        const counts = p.availability(now).counts;
        const parts = (['invalid', 'exhausted', 'retired'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
        return `"${p.id}" (${p.keys.length === 0 ? 'no keys' : parts.join(', ')})`;
      })
      .join(', ');
    return send(
      503,
      'api_error',
      `KeyBridge: no usable key in ${detail}. Add a key, or test and restore keys in the KeyBridge view (headless: check the environment variables your config names).`,
      { 'x-should-retry': 'false' },
      'keybridge_no_usable_key',
    );
  }

  const reason = last ? last.verdict.reason : 'request budget spent';
  return send(503, 'api_error', `KeyBridge: gave up after ${failures.length} attempts: ${reason}.`);
}
