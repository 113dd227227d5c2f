import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import type { ProtocolAdapter } from '../protocols/protocol';
import { protocolAdapter } from '../protocols/registry';
import { redactSecrets } from '../secrets';
import type { KeyRef } from '../routing/affinity';
import type { RequestSummary } from '../status';
import { BODY_STALLED, relayBody } from '../upstream/bodyRelay';
import { BodyScrubber } from '../upstream/bodyScrubber';
import { buildClientHeaders, buildUpstreamHeaders, isEventStream } from '../upstream/headers';
import { SseRelay } from '../upstream/sseRelay';
import { scanUsage } from '../upstream/streamFacts';
import { readBounded, splitBaseUrl } from '../upstream/upstreamClient';
import { classifyResponse, classifyTransportError, parseErrorFacts, type Verdict } from './classify';
import { answerExhausted, type FailedAttempt } from './exhaustion';
import { bodyForModel, type ProxyRequest } from './proxyRequest';

/** Error bodies are read to be classified; a provider sending more than this is not sending an error we can use. */
const MAX_ERROR_BODY = 1024 * 1024;
const MAX_RATE_LIMIT_BACKOFF_MS = 2_000;

type AttemptResult =
  | { kind: 'done'; status: number; outcome: RequestSummary['outcome']; error?: string }
  | { kind: 'failed'; failure: FailedAttempt }
  | { kind: 'aborted' };

function jitter(ms: number): number {
  return Math.round(ms * (0.5 + Math.random()));
}

const RESPONSE_ID = /"id"\s*:\s*"(resp_[^"]+)"/;

/**
 * Serves one client request along its route (DESIGN §4): rotate keys within
 * a target, fail over along the chain, and answer in the client's protocol
 * when nothing is left. Writes the response; returns the log summary.
 */
export async function proxyWithFailover(engine: Engine, request: ProxyRequest, res: ServerResponse): Promise<RequestSummary> {
  const { clock } = engine;
  const tuning = engine.tuning;
  const adapter = protocolAdapter(request.protocol);
  const targets = engine.router.resolve(request.protocol, request.model);
  const summary: RequestSummary = {
    id: request.id,
    method: request.method,
    path: request.path,
    protocol: request.protocol,
    model: request.model,
    stream: request.stream,
    status: 0,
    outcome: 'error',
    attempts: 0,
    ms: 0,
  };
  const finish = (status: number, outcome: RequestSummary['outcome'], error?: string): RequestSummary => {
    summary.status = status;
    summary.outcome = outcome;
    summary.error = error;
    summary.ms = clock.now() - request.startedAt;
    return summary;
  };

  const deadline = request.startedAt + tuning.budgetMs;
  const tried = new Set<KeyRecord>();
  const failures: FailedAttempt[] = [];
  let rateLimited = 0;
  let backoffDue = false;
  let heldVerbatim: FailedAttempt | undefined;
  const affinity = preferredKey(engine, request);

  const pause = async (ms: number): Promise<boolean> => {
    const capped = Math.min(ms, deadline - clock.now());
    if (capped <= 0) return false;
    try {
      await clock.sleep(capped, request.signal);
      return true;
    } catch {
      return false;
    }
  };

  targets: for (let t = 0; t < targets.length; t++) {
    const target = targets[t];
    const pool = engine.pools.get(target.pool);
    if (!pool) continue;
    const breaker = engine.breaker(pool.id);
    const body = bodyForModel(request, target.model);
    let transientRetried = false;

    for (;;) {
      if (request.signal.aborted) return finish(499, 'aborted', 'client went away');
      if (summary.attempts >= tuning.maxAttempts || clock.now() >= deadline) break targets;
      // The first switch after a rate limit is immediate; a second 429 in the same request means the limit is
      // likely shared (one organisation, one IP), so each further attempt waits first. The key is picked after
      // the wait, so a key another request marked meanwhile is not used.
      if (backoffDue) {
        backoffDue = false;
        if (!(await pause(jitter(Math.min(tuning.rateLimitBackoffMs * 2 ** (rateLimited - 2), MAX_RATE_LIMIT_BACKOFF_MS))))) continue;
      }
      const now = clock.now();
      const key = pool.pick(now, tried, affinity?.pool === pool.id ? affinity.key : undefined);
      if (!key) {
        // Every key of this target is resting. The primary is the user's first choice: wait when recovery is close.
        const { soonestRecovery } = pool.availability(now);
        if (soonestRecovery !== undefined && soonestRecovery - now <= tuning.waitThresholdMs && soonestRecovery < deadline) {
          if (!(await pause(soonestRecovery - now + 5))) continue;
          for (const k of pool.keys) tried.delete(k);
          continue;
        }
        continue targets;
      }
      if (!breaker.tryAcquire()) {
        failures.push({ pool, verdict: { kind: 'transient', reason: 'circuit open after repeated provider failures' } });
        continue targets;
      }
      summary.attempts++;
      summary.pool = pool.id;
      summary.key = key.masked;
      summary.fingerprint = key.fingerprint;
      const result = await attempt(engine, request, adapter, pool, key, body, res);

      if (result.kind === 'aborted') {
        breaker.release();
        return finish(499, 'aborted', 'client went away');
      }
      if (result.kind === 'done') {
        return finish(result.status, result.outcome, result.error);
      }
      const failure = result.failure;
      failures.push(failure);
      const verdict = failure.verdict;
      switch (verdict.kind) {
        case 'rate_limit':
        case 'quota':
        case 'auth':
          breaker.release();
          engine.markKey(key, verdict, failure.headers);
          tried.add(key);
          if (verdict.kind === 'rate_limit' && ++rateLimited >= 2) backoffDue = true;
          continue;
        case 'transient':
          breaker.recordFailure();
          key.recordFailure('transient', verdict.reason);
          if (!transientRetried) {
            transientRetried = true;
            if (await pause(jitter(tuning.transientBackoffMs))) continue;
          }
          continue targets;
        case 'timeout':
          // A silent provider costs the whole timeout again on each retry: move on.
          breaker.recordFailure();
          key.recordFailure('timeout', verdict.reason);
          continue targets;
        case 'context_length':
          breaker.release();
          key.recordFailure('caller', verdict.reason);
          if (t < targets.length - 1) {
            heldVerbatim ??= failure;
            continue targets;
          }
          sendVerbatim(res, failure);
          return finish(failure.status ?? 400, 'error', verdict.reason);
        case 'caller':
          breaker.release();
          key.recordFailure('caller', verdict.reason);
          sendVerbatim(res, failure);
          return finish(failure.status ?? 400, 'error', verdict.reason);
      }
    }
  }

  if (request.signal.aborted) return finish(499, 'aborted', 'client went away');
  if (heldVerbatim) {
    sendVerbatim(res, heldVerbatim);
    return finish(heldVerbatim.status ?? 400, 'error', heldVerbatim.verdict.reason);
  }
  const answer = answerExhausted(engine, request, adapter, targets, failures, res);
  return finish(answer.status, 'error', answer.message);
}

function preferredKey(engine: Engine, request: ProxyRequest): KeyRef | undefined {
  if (request.previousResponseId) {
    const ref = engine.affinity.get(`resp:${request.previousResponseId}`);
    if (ref) return ref;
  }
  return request.sessionId ? engine.affinity.get(request.sessionId) : undefined;
}

function sendVerbatim(res: ServerResponse, failure: FailedAttempt): void {
  // Some providers quote the key they were sent in an error; clients never get to hold a pool key.
  const secret = failure.key?.secret;
  const headers = buildClientHeaders(failure.headers ?? {}, secret);
  let raw = failure.raw ?? Buffer.alloc(0);
  if (secret) {
    // An error body is read whole anyway: it gets the full search. Latin1 keeps every byte; the ASCII mask fits in it.
    const text = raw.toString('latin1');
    const clean = redactSecrets(text, [secret], 'header');
    if (clean !== text) raw = Buffer.from(clean, 'latin1');
  }
  headers['content-length'] = raw.length;
  res.writeHead(failure.status ?? 502, headers);
  res.end(raw);
}

/** One upstream try with one key. Relays and returns `done` on success, or what went wrong. */
async function attempt(
  engine: Engine,
  request: ProxyRequest,
  adapter: ProtocolAdapter,
  pool: KeyPool,
  key: KeyRecord,
  body: Buffer | undefined,
  res: ServerResponse,
): Promise<AttemptResult> {
  const { clock, tuning } = engine;
  const started = clock.now();
  key.stats.requests++;
  key.stats.lastUsedAt = started;
  const { origin, basePath } = splitBaseUrl(pool.baseUrl);
  const failed = (verdict: Verdict, status?: number, headers?: IncomingHttpHeaders, raw?: Buffer): AttemptResult =>
    // A reason may quote the key (some providers put it in the error code); it reaches the client's answer and the log.
    request.signal.aborted ? { kind: 'aborted' } : { kind: 'failed', failure: { pool, key, verdict: { ...verdict, reason: redactSecrets(verdict.reason, [key.secret]) }, status, headers, raw } };

  let response;
  try {
    response = await engine.upstream.send({
      origin,
      path: basePath + request.upstreamPath,
      method: request.method,
      headers: buildUpstreamHeaders(request.headers, adapter.defaultHeaders(), pool.extraHeaders, adapter.authHeaders(key.secret)),
      body,
      signal: request.signal,
      headersTimeoutMs: tuning.firstByteTimeoutMs,
    });
  } catch (error) {
    return failed(classifyTransportError(error));
  }

  const status = response.statusCode;
  const headers = response.headers as IncomingHttpHeaders;
  if (status < 200 || status >= 300) {
    try {
      const { raw, text, truncated } = await readBounded(response.body, MAX_ERROR_BODY);
      if (truncated) return failed({ kind: 'transient', reason: `HTTP ${status} with an oversized error body` }, status, headers);
      return failed(classifyResponse(status, parseErrorFacts(text)), status, headers, raw);
    } catch (error) {
      return failed(classifyTransportError(error), status, headers);
    }
  }

  const committed = (latencyMs: number, responseId: string | undefined): void => {
    engine.breaker(pool.id).recordSuccess();
    pool.succeeded(key);
    // No markReady: the key was ready when this attempt picked it, so any other state now is a newer verdict
    // (a concurrent 429, 401 or quota error) that this older success must not undo.
    key.stats.successes++;
    key.stats.lastLatencyMs = latencyMs;
    const ref = { pool: pool.id, key: key.id };
    if (request.sessionId) engine.affinity.remember(request.sessionId, ref);
    if (responseId) engine.affinity.remember(`resp:${responseId}`, ref);
  };
  const countUsage = (input: number, output: number): void => {
    key.stats.inputTokens += input;
    key.stats.outputTokens += output;
  };

  if (isEventStream(headers)) {
    const relay = new SseRelay(response.body, adapter, request.endpoint);
    const remaining = tuning.firstByteTimeoutMs - (clock.now() - started);
    const gate = await relay.gate(remaining, () => clock.now());
    if (gate.kind === 'fail') return failed(gate.verdict, status, headers);
    // Only Responses ids are ever looked up (previous_response_id); Anthropic message ids would just crowd them out of the table.
    committed(gate.firstEventAt - started, request.endpoint === 'responses' ? relay.facts.responseId : undefined);
    const end = await relay.pipeTo(res, status, buildClientHeaders(headers, key.secret), tuning.idleTimeoutMs);
    countUsage(relay.usage.input, relay.usage.output);
    // A quota or auth error inside a committed stream cannot be failed over, but the key must still be marked.
    if (relay.inBandError && ['quota', 'rate_limit', 'auth'].includes(relay.inBandError.kind)) engine.markKey(key, relay.inBandError, undefined);
    if (end.kind === 'client-gone') return { kind: 'done', status, outcome: 'aborted', error: 'client went away' };
    if (end.kind === 'interrupted') {
      key.recordFailure('stream', end.reason);
      return { kind: 'done', status, outcome: 'interrupted', error: end.reason };
    }
    return { kind: 'done', status, outcome: relay.inBandError ? 'error' : 'ok', error: relay.inBandError?.reason };
  }

  const headersAt = clock.now();
  const relayed = await relayBody(res, status, buildClientHeaders(headers, key.secret), response.body, tuning.idleTimeoutMs, new BodyScrubber(key.secret, Number(headers['content-length'])));
  if (!relayed.committed) {
    // Nothing reached the client: a body that stalls or breaks before its first byte is failed over like a silent provider.
    const stalled = relayed.end.kind === 'interrupted' && relayed.end.reason === BODY_STALLED;
    return failed(stalled ? { kind: 'timeout', reason: 'no answer body in time' } : { kind: 'transient', reason: 'answer body broke before its first byte' }, status, headers);
  }
  committed(headersAt - started, undefined);
  if (relayed.tail) {
    const usage = { input: 0, output: 0 };
    scanUsage(relayed.tail.toString('utf8'), usage);
    countUsage(usage.input, usage.output);
  }
  if (request.endpoint === 'responses' && relayed.head) {
    const match = RESPONSE_ID.exec(relayed.head.subarray(0, 512).toString('latin1'));
    // A copy, not a slice of the 512-character text: the affinity table keeps up to 20,000 of these ids.
    const id = match ? Buffer.from(match[1], 'latin1').toString('latin1') : undefined;
    if (id) engine.affinity.remember(`resp:${id}`, { pool: pool.id, key: key.id });
  }
  if (relayed.end.kind === 'client-gone') return { kind: 'done', status, outcome: 'aborted', error: 'client went away' };
  if (relayed.end.kind === 'interrupted') {
    key.recordFailure('stream', relayed.end.reason);
    return { kind: 'done', status, outcome: 'interrupted', error: relayed.end.reason };
  }
  return { kind: 'done', status, outcome: 'ok' };
}
