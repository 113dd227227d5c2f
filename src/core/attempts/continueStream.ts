import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ContinuationSplicer } from '../continuation/continuationSplicer';
import { continuationRequest } from '../continuation/continuationRequest';
import type { PrefillStyle } from '../configSchema';
import type { StreamTranscript } from '../continuation/streamTranscript';
import type { Engine } from '../engine/engine';
import { isEventStream } from '../upstream/headers';
import { sendWithKey } from '../upstream/sendWithKey';
import { SseScanner } from '../protocols/sse';
import { protocolAdapter } from '../protocols/table';
import { ANY_USAGE, emptyUsage } from '../protocols/tokenUsage';
import { pumpBody } from '../upstream/relayPump';
import type { SseEvent } from '../protocols/sse';
import { readBounded } from '../upstream/upstreamClient';
import type { ResolvedRoute } from '../routing/router';
import { classifyResponse, classifyTransportError, parseErrorFacts } from '../failover/classify';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import { resolveDeadlines } from '../config';
import { redactSecrets } from '../secrets';
import type { ProviderOutcome } from '../failover/circuitBreaker';
import { attemptDeadlines, providerOutcome, type AttemptDeadlines } from '../failover/policy';
import type { ProxyRequest } from './proxyRequest';
import { withoutCarriedReasoning } from '../translation/thinking';
import { MAX_WIRE_DEPTH, nestedTooDeep } from '../translation/wire';

export type ContinuationOutcome = { kind: 'continued'; pool: string } | { kind: 'failed'; reason: string } | { kind: 'client-gone' };

/**
 * Opt-in continuation after a cut (a route's `continueOnCut`): asks the
 * route's later targets, one key each, for the rest of a text-only answer
 * and splices it into the client's open stream. Nothing is written until the
 * continuation's first real content, so a target that fails first costs
 * nothing; a continuation cut in turn is continued by the next target, since
 * the transcript keeps describing what the client has.
 */
export async function continueCutStream(
  engine: Engine,
  request: ProxyRequest,
  route: ResolvedRoute,
  fromIndex: number,
  transcript: StreamTranscript,
  res: ServerResponse,
): Promise<ContinuationOutcome> {
  let reason = 'no target left to continue the answer';
  for (let t = fromIndex + 1; t < route.targets.length; t++) {
    if (request.signal.aborted || res.destroyed) return { kind: 'client-gone' };
    const target = route.targets[t];
    const pool = engine.pools.get(target.pool);
    const model = target.model ?? request.model;
    // A continuation splices the target's own events into the client's stream: only a pool of the client's protocol can.
    if (pool?.protocol !== request.protocol) continue;
    const key = pool.pick(engine.clock.now(), { scope: model });
    if (!key || !request.decodeJson) continue;
    const decoded = request.decodeJson();
    // The continuation is the client's request rewritten: one too deep to walk cannot be.
    if (nestedTooDeep(decoded)) return { kind: 'failed', reason: `not continued: the request is nested deeper than ${MAX_WIRE_DEPTH} levels` };
    // Reasoning carried for a Chat provider goes no more to this target than it did to the first attempt.
    const client = withoutCarriedReasoning(decoded) ?? decoded;
    const ask = (prefill: PrefillStyle) => continuationRequest(transcript.endpoint, client, transcript, { model: target.model, prefill });
    const plan = ask(pool.prefill ?? protocolAdapter(pool.protocol).defaultPrefill);
    if (plan.kind === 'refused') return { kind: 'failed', reason: `not continued: ${plan.reason}` };
    const hasNext = engine.hasLaterTarget(route, t);
    const deadlines = attemptDeadlines(resolveDeadlines(engine.tuning, pool.deadlines, route.deadlines), true, hasNext);
    // The target's breaker sees the continuation like any attempt; an open one is skipped (the stream has waited enough).
    const tried = await engine.breaker(pool.id, model).guard(
      async () => {
        const first = await continueOn(engine, request, pool, key, model, plan, deadlines, transcript, res);
        // Some models of a provider that takes prefills refuse them (Claude 4.6 and later answer 400): ask once more
        // without one, on the same key; the splice then drops whatever repeats the delivered text.
        if (first.kind !== 'refused-prefill') return first;
        const plain = ask('none');
        if (plain.kind === 'refused') return { kind: 'failed' as const, reason: `not continued: ${plain.reason}`, outcome: 'neutral' as const };
        return continueOn(engine, request, pool, key, model, plain, deadlines, transcript, res);
      },
      (r) => r.outcome,
    );
    if (!tried) continue;
    if (tried.kind === 'continued' || tried.kind === 'client-gone') return tried;
    reason = tried.reason;
  }
  return { kind: 'failed', reason };
}

/** refused-prefill: the target answered a prefilled request with a request error (retried without the prefill). */
type Tried = (ContinuationOutcome | { kind: 'refused-prefill'; reason: string }) & { outcome: ProviderOutcome };

/** One continuation request on one key, spliced into the client's stream when it answers. */
async function continueOn(
  engine: Engine,
  request: ProxyRequest,
  pool: KeyPool,
  key: KeyRecord,
  model: string | undefined,
  ask: { body: Record<string, unknown>; prefilled: boolean },
  deadlines: AttemptDeadlines,
  transcript: StreamTranscript,
  res: ServerResponse,
): Promise<Tried> {
  const started = engine.clock.now();
  key.stats.requests++;
  key.stats.lastUsedAt = started;
  let response;
  try {
    response = await sendWithKey(engine.upstream, pool, key, {
      path: request.upstreamPath,
      method: 'POST',
      clientHeaders: request.headers,
      body: Buffer.from(JSON.stringify(ask.body)),
      signal: request.signal,
      headersTimeoutMs: deadlines.headersMs,
    });
  } catch (error) {
    const verdict = classifyTransportError(error);
    return { kind: 'failed', reason: `continuation failed (${verdict.reason})`, outcome: providerOutcome(verdict) };
  }
  const headers = response.headers as IncomingHttpHeaders;
  if (response.statusCode < 200 || response.statusCode >= 300 || !isEventStream(headers)) {
    const { text } = await readBounded(response.body, 64 * 1024, Math.min(deadlines.idleMs, 10_000)).catch(() => ({ text: '' }));
    const verdict = classifyResponse(response.statusCode, parseErrorFacts(text));
    const reason = `continuation failed (${redactSecrets(verdict.reason, [key.secret])})`;
    if (ask.prefilled && verdict.kind === 'caller') return { kind: 'refused-prefill', reason, outcome: 'neutral' };
    // A key failure met while continuing still marks the key.
    engine.judgeKey(pool, key, verdict, headers, { model, endpoint: request.endpoint });
    return { kind: 'failed', reason, outcome: providerOutcome(verdict) };
  }
  const splicer = new ContinuationSplicer(transcript, ask.prefilled);
  const relayed = await spliceInto(res, response.body, splicer, deadlines.firstEventMs - (engine.clock.now() - started), deadlines.idleMs);
  key.stats.inputTokens += relayed.usage.input;
  key.stats.outputTokens += relayed.usage.output;
  if (relayed.status === 'client-gone') return { kind: 'client-gone', outcome: 'neutral' };
  // A continuation that could not be joined answered; that is no fault of the target's, for its breaker.
  if (relayed.status === 'failed')
    return { kind: 'failed', reason: `continuation failed (${relayed.reason})`, outcome: relayed.wrote || splicer.refusedJoin ? 'neutral' : 'failure' };
  key.stats.successes++;
  pool.succeeded(key, engine.clock.now());
  return { kind: 'continued', pool: pool.id, outcome: 'success' };
}

interface SpliceEnd {
  status: 'ended' | 'failed' | 'client-gone';
  reason: string;
  /** Whether any of the continuation reached the client. */
  wrote: boolean;
  usage: { input: number; output: number };
}

/**
 * Feeds one continuation stream through the splicer into the client's
 * stream, on the relays' pump (backpressure, stall deadline, client-gone).
 * Nothing is written before the continuation's first content, which must come
 * within `firstEventMs`; the client's stream ends as soon as the splice has
 * written the final event.
 */
async function spliceInto(res: ServerResponse, body: Readable, splicer: ContinuationSplicer, firstEventMs: number, idleMs: number): Promise<SpliceEnd> {
  const scanner = new SseScanner();
  const usage = emptyUsage();
  const firstEvent = setTimeout(
    () => body.destroy(Object.assign(new Error('no first event in time'), { code: 'FIRST_EVENT_TIMEOUT' })),
    Math.max(1, firstEventMs),
  );
  const feed = (events: SseEvent[], stop?: (reason: string) => void): Buffer | undefined => {
    let out = '';
    for (const event of events) {
      if (event.data) ANY_USAGE.scan(event.data, usage);
      out += splicer.push(event);
      if (splicer.status !== 'waiting') clearTimeout(firstEvent);
      if (splicer.status === 'failed') stop?.(splicer.failure ?? 'the continuation failed');
      if (splicer.status === 'failed' || splicer.status === 'ended') break;
    }
    const bytes = out ? Buffer.from(out) : undefined;
    if (splicer.status !== 'ended') return bytes;
    if (!res.writableEnded) res.end(bytes);
    return undefined;
  };
  const end = await pumpBody(body, res, idleMs, 'the continuation went silent', {
    onChunk: (chunk, stop) => (res.writableEnded ? undefined : feed(scanner.push(chunk), stop)),
    onEnd: () => {
      if (res.writableEnded) return;
      const rest = feed(scanner.end());
      if (rest) res.write(rest);
    },
    // The caller decides how the client's stream ends: another continuation, or the terminal error.
    onBroken: () => undefined,
    describeError: (error) => classifyTransportError(error).reason,
  });
  clearTimeout(firstEvent);
  const wrote = splicer.status !== 'waiting' && splicer.status !== 'failed';
  if (splicer.status === 'ended') return { status: 'ended', reason: 'continued', wrote, usage };
  if (end.kind === 'client-gone') return { status: 'client-gone', reason: 'client went away', wrote, usage };
  const reason = end.kind === 'interrupted' ? end.reason : 'the continuation ended before its terminal event';
  return { status: 'failed', reason: splicer.failure ?? reason, wrote, usage };
}
