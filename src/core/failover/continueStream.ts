import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ContinuationSplicer } from '../continuation/continuationSplicer';
import { continuationRequest } from '../continuation/continuationRequest';
import type { StreamTranscript } from '../continuation/streamTranscript';
import type { Engine } from '../engine';
import { buildUpstreamHeaders, isEventStream } from '../upstream/headers';
import { SseScanner } from '../upstream/sse';
import { scanUsage } from '../upstream/streamFacts';
import { pumpBody } from '../upstream/relayPump';
import type { SseEvent } from '../upstream/sse';
import { readBounded, splitBaseUrl } from '../upstream/upstreamClient';
import { protocolAdapter } from '../protocols/registry';
import type { ResolvedRoute } from '../routing/router';
import { classifyResponse, classifyTransportError, parseErrorFacts } from './classify';
import type { ProxyRequest } from './proxyRequest';

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
  const endpoint = transcript.endpoint;
  for (let t = fromIndex + 1; t < route.targets.length; t++) {
    if (request.signal.aborted || res.destroyed) return { kind: 'client-gone' };
    const target = route.targets[t];
    const pool = engine.pools.get(target.pool);
    const model = target.model ?? request.model;
    const key = pool?.pick(engine.clock.now(), { scope: model });
    if (!pool || !key || !request.decodeJson) continue;
    const plan = continuationRequest(endpoint, request.decodeJson(), transcript, { model: target.model, prefill: endpoint === 'messages' });
    if (plan.kind === 'refused') return { kind: 'failed', reason: `not continued: ${plan.reason}` };

    const adapter = protocolAdapter(pool.protocol);
    const { origin, basePath } = splitBaseUrl(pool.baseUrl);
    const deadlines = engine.tuning;
    key.stats.requests++;
    key.stats.lastUsedAt = engine.clock.now();
    let response;
    try {
      response = await engine.upstream.send({
        origin,
        path: basePath + request.upstreamPath,
        method: 'POST',
        headers: buildUpstreamHeaders(request.headers, adapter.defaultHeaders(), pool.extraHeaders, adapter.authHeaders(key.secret)),
        body: Buffer.from(JSON.stringify(plan.body)),
        signal: request.signal,
        headersTimeoutMs: deadlines.headersTimeoutMs,
      });
    } catch (error) {
      reason = `continuation failed (${classifyTransportError(error).reason})`;
      continue;
    }
    const headers = response.headers as IncomingHttpHeaders;
    if (response.statusCode < 200 || response.statusCode >= 300 || !isEventStream(headers)) {
      const { text } = await readBounded(response.body, 64 * 1024).catch(() => ({ text: '' }));
      const verdict = classifyResponse(response.statusCode, parseErrorFacts(text));
      // A key failure met while continuing still marks the key.
      engine.judgeKey(pool, key, verdict, headers, { model, endpoint: request.endpoint });
      reason = `continuation failed (${verdict.reason})`;
      continue;
    }
    // One deadline for the whole continuation, first event and stalls alike: the client has been waiting already.
    const relayed = await spliceInto(res, response.body, transcript, deadlines.firstEventTimeoutMs);
    key.stats.inputTokens += relayed.usage.input;
    key.stats.outputTokens += relayed.usage.output;
    if (relayed.status === 'ended') {
      key.stats.successes++;
      return { kind: 'continued', pool: pool.id };
    }
    if (relayed.status === 'client-gone') return { kind: 'client-gone' };
    reason = `continuation failed (${relayed.reason})`;
  }
  return { kind: 'failed', reason };
}

interface SpliceEnd {
  status: 'ended' | 'failed' | 'client-gone';
  reason: string;
  usage: { input: number; output: number };
}

/**
 * Feeds one continuation stream through the splicer into the client's
 * stream, on the relays' pump (backpressure, stall deadline, client-gone).
 * Nothing is written before the continuation's first content.
 */
async function spliceInto(res: ServerResponse, body: Readable, transcript: StreamTranscript, idleMs: number): Promise<SpliceEnd> {
  const splicer = new ContinuationSplicer(transcript);
  const scanner = new SseScanner();
  const usage = { input: 0, output: 0 };
  const feed = (events: SseEvent[], stop?: (reason: string) => void): Buffer | undefined => {
    let out = '';
    for (const event of events) {
      if (event.data) scanUsage(event.data, usage);
      out += splicer.push(event);
      if (splicer.status === 'failed') stop?.(splicer.failure ?? 'the continuation failed');
      if (splicer.status === 'failed' || splicer.status === 'ended') break;
    }
    return out ? Buffer.from(out) : undefined;
  };
  const end = await pumpBody(body, res, idleMs, 'the continuation went silent', {
    onChunk: (chunk, stop) => feed(scanner.push(chunk), stop),
    onEnd: () => {
      const rest = feed(scanner.end());
      if (rest) res.write(rest);
      if (splicer.status === 'ended') res.end();
    },
    // The caller decides how the client's stream ends: another continuation, or the terminal error.
    onBroken: () => undefined,
  });
  if (end.kind === 'client-gone') return { status: 'client-gone', reason: 'client went away', usage };
  if (splicer.status === 'ended') return { status: 'ended', reason: 'continued', usage };
  const reason = end.kind === 'interrupted' ? end.reason : 'the continuation ended before its terminal event';
  return { status: 'failed', reason: splicer.failure ?? reason, usage };
}
