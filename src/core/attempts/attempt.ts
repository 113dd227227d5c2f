import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Engine } from '../engine/engine';
import { KEY_WIDE, type KeyRecord } from '../keys/keyHealth';
import { quotaFromHeaders } from '../keys/quota';
import type { KeyPool } from '../keys/keyPool';
import { isContinuableEndpoint, StreamTranscript } from '../continuation/streamTranscript';
import type { ProtocolAdapter } from '../protocols/protocol';
import { foreignHeaderPrefixes, protocolAdapter, wireFormatOf } from '../protocols/table';
import type { TargetTranslation } from '../translation/targetTranslation';
import type { Wire } from '../translation/wire';
import type { ResolvedRoute } from '../routing/router';
import type { RequestSummary } from '../status';
import { redactSecrets } from '../secrets';
import { BodyRelay } from '../upstream/bodyRelay';
import { BodyScrubber } from '../upstream/bodyScrubber';
import { buildClientHeaders, isEventStream } from '../upstream/headers';
import { sendWithKey } from '../upstream/sendWithKey';
import type { RelayResult } from '../upstream/relayPump';
import type { UsageSeen } from '../protocols/tokenUsage';
import { SseRelay } from '../upstream/sseRelay';
import { TranslatedBody } from '../upstream/translatedBody';
import { TranslatedSseRelay } from '../upstream/translatedSseRelay';
import { pieceRedactor } from '../upstream/pieceRedaction';
import { AnswerHold } from '../upstream/answerHold';
import { readBounded, type UpstreamResponse } from '../upstream/upstreamClient';
import type { CircuitBreaker } from '../failover/circuitBreaker';
import type { FirstEventHistory } from '../failover/firstEventDeadline';
import type { RetryBudget } from '../failover/retryBudget';
import { continueCutStream } from './continueStream';
import { classifyResponse, classifyTransportError, parseErrorFacts, type Verdict } from '../failover/classify';
import type { FailedAttempt } from './exhaustion';
import type { AttemptDeadlines } from '../failover/policy';
import type { ProxyRequest } from './proxyRequest';

/** Budget bytes a translated answer takes per byte it holds: its last events repeat the output, as strings and bytes (bench/answerMemory.ts). */
const FINAL_EVENT_COPIES = 4;
/** Error bodies are read to be classified; a provider sending more than this is not sending an error we can use. */
const MAX_ERROR_BODY = 1024 * 1024;
/** An error body comes right after its headers; one that does not is not worth waiting minutes for. */
const ERROR_BODY_TIMEOUT_MS = 10_000;

/** One target of the route, as the attempts on it see it. */
export interface TargetPlan {
  index: number;
  pool: KeyPool;
  /** The model the target is asked for: the rate-limit scope and the breaker's. */
  model: string | undefined;
  breaker: CircuitBreaker;
  /** The target's transient retries stay under a share of its requests. */
  budget: RetryBudget;
  /** The target's recent times to first content event, which its learned first-event deadline comes from. */
  firstEvents: FirstEventHistory;
  /** The stream runs under a first-event deadline learned from that history (not a configured one). */
  firstEventLearned: boolean;
  /** The body sent to this target: the client's, renamed, translated, or stripped of thinking history after a refusal. */
  body: Buffer | undefined;
  /** Path below the pool's base URL: the client's, or the translated API's. */
  path: string;
  /** Set when the pool speaks another protocol: the exchange is translated both ways (docs/ARCHITECTURE.md §9). */
  translation: TargetTranslation | undefined;
  /** Set for a model list the routes add to: the provider's list is read whole and answered merged (./modelList.ts). */
  mergeModels: ((list: Wire) => Wire) | undefined;
  deadlines: AttemptDeadlines;
  /** A later target of the route could still serve the request. */
  hasNext: boolean;
  route: ResolvedRoute;
  /** The route asks for a text-only stream cut after the commit point to be continued by a later target. */
  continueOnCut: boolean;
}

/** How the answer of a committed attempt ended. */
export interface AttemptDone {
  status: number;
  outcome: RequestSummary['outcome'];
  error?: string;
  /** Tokens the answer reported, and the model it named (for the usage record). */
  usage?: UsageSeen;
  servedModel?: string;
}

export type AttemptResult =
  | { kind: 'failed'; failure: FailedAttempt }
  | { kind: 'aborted' }
  /** The provider's answer started and nothing can fail over any more; `relay` moves it to the client. */
  | { kind: 'committed'; relay: () => Promise<AttemptDone> };

/**
 * One upstream try with one key, up to the commit point: sends, classifies a
 * failure, or holds the answer until its first real byte or event. What
 * happens after the commit (relaying) is returned as `relay`, so the
 * breaker's verdict does not wait for the end of a long stream.
 */
export async function sendAttempt(
  engine: Engine,
  request: ProxyRequest,
  adapter: ProtocolAdapter,
  target: TargetPlan,
  key: KeyRecord,
  res: ServerResponse,
): Promise<AttemptResult> {
  const { clock } = engine;
  const { pool, deadlines } = target;
  const started = clock.now();
  key.stats.requests++;
  key.stats.lastUsedAt = started;
  const failed = (verdict: Verdict, status?: number, headers?: IncomingHttpHeaders, raw?: Buffer): AttemptResult => {
    if (request.signal.aborted) return { kind: 'aborted' };
    // Cut at a learned deadline: the target's first event takes at least this long now (see FirstEventHistory.record).
    if (verdict.kind === 'timeout' && target.firstEventLearned) target.firstEvents.record(clock.now() - started);
    // A reason may quote the key (some providers put it in the error code); it reaches the client's answer and the log.
    return {
      kind: 'failed',
      failure: {
        pool,
        key,
        verdict: { ...verdict, reason: redactSecrets(verdict.reason, [key.secret]) },
        status,
        headers,
        raw,
        translation: target.translation,
      },
    };
  };

  let response;
  try {
    response = await sendWithKey(engine.upstream, pool, key, {
      path: target.path,
      method: request.method,
      clientHeaders: target.translation ? headersFor(request.headers, target.translation) : request.headers,
      body: target.body,
      signal: request.signal,
      headersTimeoutMs: deadlines.headersMs,
    });
  } catch (error) {
    return failed(classifyTransportError(error));
  }

  const status = response.statusCode;
  const headers = response.headers as IncomingHttpHeaders;
  const quota = quotaFromHeaders(headers, target.model ?? KEY_WIDE, clock.now());
  if (quota) key.noteQuota(quota);
  if (status < 200 || status >= 300) {
    const { verdict, raw } = await readErrorAnswer(response.body, status, deadlines);
    return failed(verdict, status, headers, raw);
  }

  const sse = isEventStream(headers);
  if (target.mergeModels && !sse) {
    const relay = new TranslatedBody(response.body, target.mergeModels, key.secret);
    const gate = await relay.gate(deadlines.idleMs);
    if (gate.kind === 'fail') return failed(gate.verdict, status, headers);
    commit(engine, request, target, key, started, false);
    return { kind: 'committed', relay: () => relayTranslated(engine, target, key, { status, headers, relay }, res) };
  }
  if (target.translation) {
    const translated = await translatedGate(engine, request, adapter, target, key, response.body, sse, clock.now() - started);
    if (translated.kind === 'fail') return failed(translated.verdict, status, headers);
    commit(engine, request, target, key, started, sse);
    const relay = translated.relay;
    return { kind: 'committed', relay: () => relayTranslated(engine, target, key, { status, headers, relay }, res) };
  }
  const transcript =
    sse && target.continueOnCut && isContinuableEndpoint(request.endpoint) ? new StreamTranscript(request.endpoint, answerHold(engine, request)) : undefined;
  const relay = sse
    ? new SseRelay(response.body, adapter, request.endpoint, transcript)
    : new BodyRelay(response.body, new BodyScrubber(key.secret, Number(headers['content-length'])));
  const remaining = (sse ? deadlines.firstEventMs : deadlines.idleMs) - (sse ? clock.now() - started : 0);
  const gate = relay instanceof SseRelay ? await relay.gate(remaining, () => clock.now()) : await relay.gate(remaining);
  if (gate.kind === 'fail') {
    transcript?.releaseHold();
    return failed(gate.verdict, status, headers);
  }

  commit(engine, request, target, key, started, sse);
  const answer: CommittedAnswer = { status, headers, relay, transcript };
  return { kind: 'committed', relay: () => relayAnswer(engine, request, target, key, answer, res) };
}

/**
 * Committed: this key served. No markReady: the key was ready when this attempt picked it, so any other state
 * now is a newer verdict (a concurrent 429, 401 or quota error) that this older success must not undo.
 */
function commit(engine: Engine, request: ProxyRequest, target: TargetPlan, key: KeyRecord, started: number, sse: boolean): void {
  const now = engine.clock.now();
  // A stream commits on its first content event: the time it took is what the learned deadline is made of.
  if (sse && request.stream) target.firstEvents.record(now - started);
  target.pool.succeeded(key, now);
  key.stats.successes++;
  key.stats.lastLatencyMs = now - started;
  if (request.sessionId) engine.affinity.remember(request.sessionId, { pool: target.pool.id, key: key.id });
}

/**
 * The client's headers for a pool of another protocol: the other protocol's own headers (versions, betas,
 * organisations) mean nothing there, and the target's defaults fill in what it needs.
 */
function headersFor(headers: IncomingHttpHeaders, translation: TargetTranslation): IncomingHttpHeaders {
  const foreign = foreignHeaderPrefixes(translation.upstreamProtocol);
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!foreign.some((prefix) => name.startsWith(prefix))) out[name] = headers[name];
  return out;
}

type TranslatedRelay = TranslatedSseRelay | TranslatedBody;

/** The commit gate of a translated answer: the upstream's first real event, or its whole body when not streamed. */
async function translatedGate(
  engine: Engine,
  request: ProxyRequest,
  adapter: ProtocolAdapter,
  target: TargetPlan,
  key: KeyRecord,
  body: UpstreamResponse['body'],
  sse: boolean,
  elapsed: number,
): Promise<{ kind: 'commit'; relay: TranslatedRelay } | { kind: 'fail'; verdict: Verdict }> {
  const translation = target.translation as TargetTranslation;
  const model = target.model ?? '';
  const { deadlines } = target;
  if (!sse) {
    const translate = (answer: Wire): Wire | Wire[] | undefined => {
      const written = translation.answer(answer, model);
      return written && request.answerInList ? [written] : written;
    };
    const relay = new TranslatedBody(body, translate, key.secret, translation.upstreamUsage);
    const gate = await relay.gate(deadlines.idleMs);
    return gate.kind === 'fail' ? gate : { kind: 'commit', relay };
  }
  const translator = translation.stream(model, request.decodeJson?.() ?? {}, pieceRedactor(key.secret));
  // A Responses answer's last events repeat what is held three or four times (the item's done events, the response), and encoding them once more.
  const client = { adapter, endpoint: request.endpoint, translator, secret: key.secret, hold: answerHold(engine, request, FINAL_EVENT_COPIES) };
  const relay = new TranslatedSseRelay(body, protocolAdapter(translation.upstreamProtocol), translation.upstreamEndpoint, client);
  const gate = await relay.gate(deadlines.firstEventMs - elapsed, () => engine.clock.now());
  return gate.kind === 'fail' ? gate : { kind: 'commit', relay };
}

/** Moves a committed translated (or merged) answer to the client. No continuation: a cut is ended with the client's error. */
async function relayTranslated(
  engine: Engine,
  target: TargetPlan,
  key: KeyRecord,
  answer: { status: number; headers: IncomingHttpHeaders; relay: TranslatedRelay },
  res: ServerResponse,
): Promise<AttemptDone> {
  const { status, relay } = answer;
  const headers = buildClientHeaders(answer.headers, key.secret);
  delete headers['content-length'];
  if (relay instanceof TranslatedBody) return settle(engine, target, key, status, relay.pipeTo(res, status, headers));
  headers['content-type'] = 'text/event-stream; charset=utf-8';
  try {
    return settle(engine, target, key, status, await relay.pipeTo(res, status, headers, target.deadlines.idleMs));
  } finally {
    relay.releaseHold();
  }
}

/** Room for what one answer holds beyond the event in flight: capped per answer, counted in the memory budget. */
function answerHold(engine: Engine, request: ProxyRequest, copies = 1): AnswerHold {
  return new AnswerHold(engine.tuning.maxAnswerBytes, request.memory, copies);
}

/** A failed answer's verdict, from its body: read bounded in size and time, so a bad provider cannot hold the attempt. */
async function readErrorAnswer(body: UpstreamResponse['body'], status: number, deadlines: AttemptDeadlines): Promise<{ verdict: Verdict; raw?: Buffer }> {
  try {
    const { raw, text, truncated } = await readBounded(body, MAX_ERROR_BODY, Math.min(deadlines.idleMs, ERROR_BODY_TIMEOUT_MS));
    if (truncated) return { verdict: { kind: 'transient', reason: `HTTP ${status} with an oversized error body` } };
    return { verdict: classifyResponse(status, parseErrorFacts(text)), raw };
  } catch {
    // The status is known, the body never came: the provider is struggling, not the key.
    return { verdict: { kind: 'transient', reason: `HTTP ${status} with an error body that broke or did not arrive` } };
  }
}

/** An answer past its commit point, held by its relay. */
interface CommittedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  relay: SseRelay | BodyRelay;
  /** Kept when the route may continue a cut stream on a later target. */
  transcript: StreamTranscript | undefined;
}

/** Moves a committed answer to the client; a text stream cut on a route with `continueOnCut` is continued (§5). */
function relayAnswer(
  engine: Engine,
  request: ProxyRequest,
  target: TargetPlan,
  key: KeyRecord,
  answer: CommittedAnswer,
  res: ServerResponse,
): Promise<AttemptDone> {
  const relayed = relayAndContinue(engine, request, target, key, answer, res);
  const transcript = answer.transcript;
  // Most answers keep no transcript: they need no layer that waits for the end to let it go.
  return transcript ? relayed.finally(() => transcript.releaseHold()) : relayed;
}

async function relayAndContinue(
  engine: Engine,
  request: ProxyRequest,
  target: TargetPlan,
  key: KeyRecord,
  answer: CommittedAnswer,
  res: ServerResponse,
): Promise<AttemptDone> {
  const { status, relay, transcript } = answer;
  const { idleMs } = target.deadlines;
  const clientHeaders = buildClientHeaders(answer.headers, key.secret);
  if (!(relay instanceof SseRelay))
    return settle(engine, target, key, status, await relay.pipeTo(res, status, clientHeaders, idleMs, wireFormatOf(request.endpoint)));
  const result = await relay.pipeTo(res, status, clientHeaders, idleMs, transcript !== undefined);
  const done = settle(engine, target, key, status, result);
  if (!transcript || result.end.kind !== 'interrupted') return done;
  const cut = result.end.reason;
  const continued = await continueCutStream(engine, request, target.route, target.index, transcript, res);
  if (continued.kind === 'continued') return { ...done, status, outcome: 'ok', error: `cut (${cut}), continued by pool "${continued.pool}"` };
  if (continued.kind === 'client-gone') return { ...done, status, outcome: 'aborted', error: 'client went away' };
  relay.endWithError(res, cut, transcript.facts);
  return { ...done, status, outcome: 'interrupted', error: `${cut}; ${continued.reason}` };
}

/** Books what the relayed answer showed: tokens, the response id, an in-band key error, how it ended. */
function settle(engine: Engine, target: TargetPlan, key: KeyRecord, status: number, result: RelayResult): AttemptDone {
  const { pool } = target;
  key.stats.inputTokens += result.usage.input;
  key.stats.outputTokens += result.usage.output;
  // Only Responses ids are ever looked up (previous_response_id); the relays report no other.
  if (result.responseId) engine.affinity.remember(`resp:${result.responseId}`, { pool: pool.id, key: key.id });
  const inBand = result.inBandError;
  // A quota or auth error inside a committed stream cannot be failed over, but the key must still be marked.
  if (inBand && (inBand.kind === 'quota' || inBand.kind === 'rate_limit' || inBand.kind === 'auth')) engine.markKey(key, inBand, undefined, target.model, pool);
  const { end } = result;
  const seen = { usage: result.usage, servedModel: result.model };
  if (end.kind === 'client-gone') return { status, outcome: 'aborted', error: 'client went away', ...seen };
  // The bridge's own limit, not the key's fault: logged with the request, nothing marked.
  if (end.kind === 'over-limit') return { status, outcome: 'error', error: end.reason, ...seen };
  if (end.kind === 'interrupted') {
    key.recordFailure('stream', end.reason);
    return { status, outcome: 'interrupted', error: end.reason, ...seen };
  }
  return { status, outcome: inBand ? 'error' : 'ok', error: inBand?.reason, ...seen };
}
