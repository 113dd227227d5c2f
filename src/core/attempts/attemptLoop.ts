import type { ServerResponse } from 'node:http';
import { resolveDeadlines } from '../config';
import type { Engine } from '../engine/engine';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import type { ListedModel, ProtocolAdapter } from '../protocols/protocol';
import { protocolAdapter } from '../protocols/table';
import type { KeyRef } from '../routing/affinity';
import type { ResolvedRoute } from '../routing/router';
import { redactSecrets } from '../secrets';
import { sendError } from '../protocols/errorAnswer';
import type { RequestSummary } from '../status';
import { buildClientHeaders } from '../upstream/headers';
import { sendAttempt, type AttemptDone, type TargetPlan } from './attempt';
import { answerExhausted, type FailedAttempt } from './exhaustion';
import { afterFailure, attemptDeadlines, providerOutcome, whenNoKey } from '../failover/policy';
import { bodyForModel, pathForModel, renamesModel, type ProxyRequest } from './proxyRequest';
import { routedModelList } from './modelList';
import { crossProtocol } from '../translation/targetTranslation';
import { isThinkingSignatureError, withoutCarriedReasoning, withoutThinking } from '../translation/thinking';
import { estimateInputTokens } from '../translation/tokenEstimate';
import { MAX_WIRE_DEPTH, nestedTooDeep, parseWire } from '../translation/wire';
import { logField } from '../logLine';

/** How the attempts on one target ended. */
type TargetEnd = { kind: 'served'; done: AttemptDone } | { kind: 'answer'; failure: FailedAttempt } | { kind: 'next' } | { kind: 'stop' };

/**
 * Serves one client request along its route: rotate keys within a target,
 * fail over along the chain, and answer in the client's protocol when
 * nothing is left. Policy (what next) lives in ./policy.ts; this is the
 * plumbing that carries it out. Writes the response; returns the log summary.
 */
export function proxyWithFailover(engine: Engine, request: ProxyRequest, res: ServerResponse): Promise<RequestSummary> {
  // No summary will count a request that failed: the place it held against request caps goes now.
  return serveRoute(engine, request, res).catch((error: unknown) => release(engine, request, error));
}

function release(engine: Engine, request: ProxyRequest, error: unknown): never {
  engine.admission?.release(request.id);
  throw error;
}

async function serveRoute(engine: Engine, request: ProxyRequest, res: ServerResponse): Promise<RequestSummary> {
  const run = new RequestRun(engine, request);
  const route = engine.router.route(request.protocol, request.model);
  const routedModels = routedModelList(engine, request);
  /** A target could take this kind of request (whether or not it had a key ready). */
  let servable = false;
  for (let t = 0; t < route.targets.length; t++) {
    const planned = planTarget(engine, request, route, t, routedModels);
    if (!planned) continue;
    if (planned.kind === 'send') servable = true;
    if (planned.kind === 'refused') {
      run.failures.push(planned.failure);
      continue;
    }
    if (planned.kind === 'estimate-tokens') return run.answerTokenEstimate(res, planned.pool);
    const end = await serveTarget(run, planned.target, res);
    if (end.kind === 'served') return run.served(end.done);
    if (end.kind === 'answer') return routedModels ? run.answerModels(res, routedModels) : run.answerVerbatim(res, end.failure);
    if (end.kind === 'stop') break;
  }
  if (request.signal.aborted) return run.finish(499, 'aborted', 'client went away');
  // The routes' models are worth listing even when no provider's list could be had (no pool, no key, no such endpoint).
  if (routedModels) return run.answerModels(res, routedModels);
  if (run.held) return run.answerVerbatim(res, run.held);
  // Only targets that cannot take this kind of request: the client's request is what to change, not the keys.
  // A target that could take it but had no key ready (cooling since an earlier request) leaves no failure behind:
  // then the answer is the route's exhaustion (429 with Retry-After), which the client retries.
  const last = run.failures.at(-1);
  if (!servable && last && run.failures.every(isRefusal)) return run.answerVerbatim(res, last);
  const targets = route.targets.map((t) => ({ pool: t.pool, model: t.model ?? request.model }));
  const answer = answerExhausted(engine, request, run.adapter, targets, run.failures, res, run.capsFull);
  return run.finish(answer.status, 'error', answer.message);
}

/** Keys set aside on one target during one request. Per target: a key limited for one model may serve the next target's. */
class Rotation {
  /** Failed this request on a key-specific error (rate limit, quota, auth): not picked again here. */
  readonly tried = new Set<KeyRecord>();
  /** Met a transient fault: picked again only when no other key is ready. */
  readonly avoid = new Set<KeyRecord>();
  transientRetries = 0;
  /** This request has paid into the target's retry budget (once, at its first attempt there). */
  deposited = false;
  /** The target refused thinking history it did not sign, and the request went again without it. */
  thinkingStripped = false;

  /**
   * The key met a transient fault: the next attempt goes to another key. Once every usable key has had
   * one, a new round begins in which only this key waits, so no retry goes straight back to the key that
   * just failed while there is another.
   */
  avoidAfter(key: KeyRecord, pool: KeyPool, now: number, scope: string | undefined): void {
    this.avoid.add(key);
    if (pool.keys.every((k) => this.avoid.has(k) || this.tried.has(k) || !k.isAvailable(now, scope))) {
      this.avoid.clear();
      this.avoid.add(key);
    }
  }

  /** After a wait, keys that were limited earlier in this request may have recovered. */
  afterWait(): void {
    this.tried.clear();
    this.avoid.clear();
  }
}

/** Rotates keys on one target until it serves, answers, or has nothing left to give. */
async function serveTarget(run: RequestRun, target: TargetPlan, res: ServerResponse): Promise<TargetEnd> {
  const { engine, request } = run;
  const { pool, model } = target;
  const rotation = new Rotation();
  if (model !== undefined) pool.noteAsked(model, engine.clock.now());
  for (;;) {
    if (request.signal.aborted || run.spent()) return { kind: 'stop' };
    const now = engine.clock.now();
    const key = pool.pick(now, { scope: model, exclude: rotation.tried, avoid: rotation.avoid, prefer: run.preferredKey(pool) });
    if (!key) {
      const step = whenNoKey(pool.availability(now, model).soonestRecovery, now, run.budgetEnd, engine.tuning.waitThresholdMs);
      if (step.kind === 'next-target') return { kind: 'next' };
      if (!(await run.pause(step.ms))) return { kind: 'stop' };
      rotation.afterWait();
      continue;
    }
    // A key whose request caps are full with counted and in-flight requests is passed over like a tried one
    // (docs/ARCHITECTURE.md §10); pools without caps ask nothing.
    if (pool.caps.length && engine.admission && !engine.admission.admit(request.id, pool.id, pool.caps, key.fingerprint, now)) {
      rotation.tried.add(key);
      (run.capsFull ??= new Set()).add(pool.id);
      continue;
    }
    // With nowhere else to go, an open breaker still lets the attempt through: it must not turn a partly
    // failing provider into a fully failing one.
    const result = await target.breaker.guard(
      () => {
        run.noteAttempt(pool, key, target.index);
        if (!rotation.deposited) {
          rotation.deposited = true;
          target.budget.deposit();
        }
        return sendAttempt(engine, request, run.adapter, target, key, res);
      },
      (r) => (r.kind === 'failed' ? providerOutcome(r.failure.verdict) : r.kind === 'committed' ? 'success' : 'neutral'),
      !target.hasNext,
    );
    if (result === undefined) {
      // Nothing was sent: the request holds no place against the caps.
      if (pool.caps.length) engine.admission?.release(request.id);
      run.failures.push({ pool, verdict: { kind: 'transient', reason: 'circuit open after repeated provider failures' } });
      return { kind: 'next' };
    }
    if (result.kind === 'aborted') return { kind: 'stop' };
    if (result.kind === 'committed') {
      // The retries found a working attempt: only failed retries count against the budget (§4).
      if (rotation.transientRetries > 0) target.budget.refund();
      run.summary.firstByteMs = engine.clock.now() - request.startedAt;
      return { kind: 'served', done: await result.relay() };
    }
    const end = await afterFailedAttempt(run, target, key, result.failure, rotation);
    if (end) return end;
  }
}

/** Marks the key as the failure says and carries out the policy's next step; undefined means try again here. */
async function afterFailedAttempt(
  run: RequestRun,
  target: TargetPlan,
  key: KeyRecord,
  failure: FailedAttempt,
  rotation: Rotation,
): Promise<TargetEnd | undefined> {
  const { engine, request } = run;
  const { verdict } = failure;
  run.failures.push(failure);
  if (!rotation.thinkingStripped && retryWithoutThinking(run, target, failure)) {
    rotation.thinkingStripped = true;
    return undefined;
  }
  if (verdict.kind === 'rate_limit') run.rateLimits++;
  if (!engine.judgeKey(target.pool, key, verdict, failure.headers, { model: target.model, endpoint: request.endpoint })) {
    // A key failure on a pass-through path is checked with a test request first; the client gets the provider's answer.
    return { kind: 'answer', failure };
  }
  if (verdict.kind === 'rate_limit' || verdict.kind === 'quota' || verdict.kind === 'auth') rotation.tried.add(key);
  const step = afterFailure(verdict, {
    tuning: engine.tuning,
    hasNextTarget: target.hasNext,
    transientRetries: rotation.transientRetries,
    // A retry the request's own budget would not start takes nothing from the target's.
    retryBudget: { tryWithdraw: () => !run.spent() && target.budget.tryWithdraw() },
    rateLimits: run.rateLimits,
    random: Math.random(),
  });
  switch (step.kind) {
    case 'retry':
      if (verdict.kind === 'transient') rotation.transientRetries++;
      if (step.avoidKey) rotation.avoidAfter(key, target.pool, engine.clock.now(), target.model);
      if (step.delayMs > 0 && !(await run.pause(step.delayMs))) return { kind: 'stop' };
      return undefined;
    case 'next-target':
      return { kind: 'next' };
    case 'hold-and-next':
      run.held ??= failure;
      return { kind: 'next' };
    case 'answer':
      return { kind: 'answer', failure };
  }
}

/**
 * A provider refused thinking history it did not sign (another account's or provider's, after a failover):
 * the same target gets the request once more without it, before the route moves on (docs/ARCHITECTURE.md §9).
 */
function retryWithoutThinking(run: RequestRun, target: TargetPlan, failure: FailedAttempt): boolean {
  const upstream = target.translation?.upstreamProtocol ?? target.pool.protocol;
  if (!protocolAdapter(upstream).signsThinking || failure.status === undefined || !target.body) return false;
  if (!isThinkingSignatureError(failure.status, failure.raw?.toString('utf8') ?? '')) return false;
  const sent = parseWire(target.body.toString('utf8'));
  const stripped = sent && !nestedTooDeep(sent) && withoutThinking(sent);
  if (!stripped) return false;
  target.body = Buffer.from(JSON.stringify(stripped));
  run.engine.logger.info(`request ${run.request.id}: pool "${target.pool.id}" refused thinking history it did not sign; sent again without it`);
  return true;
}

const TOO_DEEP = `the request is nested deeper than ${MAX_WIRE_DEPTH} levels, too deep for the bridge to rewrite`;

type PlannedTarget =
  | { kind: 'send'; target: TargetPlan }
  /** Chat providers count no tokens: a count_tokens request is answered with the estimate. */
  | { kind: 'estimate-tokens'; pool: KeyPool }
  /** The pool cannot take this kind of request (e.g. embeddings on a pool of another protocol). */
  | { kind: 'refused'; failure: FailedAttempt };

/** The pool, model, body, breaker and deadlines of target `t`; undefined when its pool is gone. */
function planTarget(
  engine: Engine,
  request: ProxyRequest,
  route: ResolvedRoute,
  t: number,
  routedModels: ListedModel[] | undefined,
): PlannedTarget | undefined {
  const target = route.targets[t];
  const pool = engine.pools.get(target.pool);
  if (!pool) return undefined;
  const model = target.model ?? request.model;
  const cross = crossProtocol(request, { protocol: pool.protocol, responses: pool.responses, dialect: pool.dialect });
  const refuse = (reason: string): PlannedTarget => ({
    kind: 'refused',
    failure: { pool, verdict: { kind: 'client', reason: `pool "${pool.id}": ${reason}` } },
  });
  if (cross?.kind === 'refused') return refuse(cross.reason);
  if (cross?.kind === 'estimate-tokens') return { kind: 'estimate-tokens', pool };
  // A body this target gets rewritten (translated or renamed) is walked; one too deep for that is refused here,
  // where a target that relays it as it is may still take it.
  if ((cross || renamesModel(request, target.model)) && request.decodeJson && nestedTooDeep(request.decodeJson())) return refuse(TOO_DEEP);
  let body = bodyForModel(request, target.model);
  if (cross) {
    const client = request.decodeJson?.();
    if (!client) return refuse('a translated request needs a JSON body');
    // A stored answer lives with the provider that made it; another one cannot look it up.
    if (request.previousResponseId)
      return refuse('previous_response_id names an answer stored by another provider; send the whole conversation (store: false) to fail over');
    const translated = cross.request(client, model ?? '', request.stream);
    // Tool-call arguments arrive as JSON text and are parsed by the translation: they are measured only now.
    if (nestedTooDeep(translated.body)) return refuse(TOO_DEEP);
    body = Buffer.from(JSON.stringify(translated.body));
    // What the target did not get is worth a line; a translation that carried everything is routine.
    const { dropped } = translated.notes;
    if (dropped.length)
      engine.logger.info(`request ${request.id}: ${cross.label} for pool "${pool.id}"; not carried: ${dropped.map((item) => logField(item)).join(', ')}`);
    else engine.logger.debug(`request ${request.id}: ${cross.label} for pool "${pool.id}"`);
  } else if (request.carriedReasoning && body) {
    // History from a Chat provider's turns (reasoning it wants back) going to the client's own protocol: found when
    // the body was read, so a relay without it parses nothing more.
    const client = parseWire(body.toString('utf8'));
    const stripped = client && !nestedTooDeep(client) ? withoutCarriedReasoning(client) : undefined;
    if (stripped) {
      body = Buffer.from(JSON.stringify(stripped));
      engine.logger.info(`request ${request.id}: for pool "${pool.id}"; not carried: reasoning kept for another provider`);
    }
  }
  const hasNext = engine.hasLaterTarget(route, t);
  // The first-event deadline counts only for a stream with somewhere else to go (attemptDeadlines): the learned one
  // (a percentile of the target's history) is worked out only then, off the path of every other request.
  const firstEvent = request.stream && hasNext ? engine.firstEventDeadline(pool, model, route.deadlines?.firstEventTimeoutMs) : undefined;
  const resolved = resolveDeadlines(engine.tuning, pool.deadlines, route.deadlines);
  const deadlines = firstEvent ? { ...resolved, firstEventTimeoutMs: firstEvent.ms } : resolved;
  return {
    kind: 'send',
    target: {
      index: t,
      route,
      // A continuation splices events of the client's protocol; a translated stream is ended with the client's error.
      continueOnCut: route.continueOnCut === true && request.stream && hasNext && !cross,
      pool,
      model,
      breaker: engine.breaker(pool.id, model),
      budget: engine.retryBudget(pool.id, model),
      firstEvents: engine.firstEventHistory(pool.id, model),
      firstEventLearned: firstEvent?.source === 'learned',
      body,
      path: cross ? cross.upstreamPath(model ?? '', request.stream) : pathForModel(request, target.model),
      translation: cross,
      mergeModels: routedModels && !cross ? (list) => protocolAdapter(request.protocol).listModels(routedModels, list) : undefined,
      deadlines: attemptDeadlines(deadlines, request.stream, hasNext),
      hasNext,
    },
  };
}

/** What one request has been through so far: attempts, failures, the budget, the log summary. */
class RequestRun {
  readonly adapter: ProtocolAdapter;
  readonly summary: RequestSummary;
  readonly budgetEnd: number;
  readonly failures: FailedAttempt[] = [];
  rateLimits = 0;
  /** Pools whose request caps held a ready key back (docs/ARCHITECTURE.md §10). */
  capsFull: Set<string> | undefined;
  /** A context-length answer kept while larger targets are tried. */
  held: FailedAttempt | undefined;
  private readonly affinity: KeyRef | undefined;
  /** The route's target of the latest attempt: a later one is a failover. */
  private lastTarget: number | undefined;

  constructor(
    readonly engine: Engine,
    readonly request: ProxyRequest,
  ) {
    this.adapter = protocolAdapter(request.protocol);
    this.budgetEnd = request.startedAt + engine.tuning.budgetMs;
    this.affinity = lookupAffinity(engine, request);
    this.summary = {
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
      userAgent: request.headers['user-agent']?.slice(0, 200),
    };
  }

  /** No new attempt starts once the attempts or the time of the budget are spent. */
  spent(): boolean {
    return this.summary.attempts >= this.engine.tuning.maxAttempts || this.engine.clock.now() >= this.budgetEnd;
  }

  preferredKey(pool: KeyPool): string | undefined {
    return this.affinity?.pool === pool.id ? this.affinity.key : undefined;
  }

  noteAttempt(pool: KeyPool, key: KeyRecord, target: number): void {
    if (this.lastTarget !== undefined && target !== this.lastTarget) this.summary.failovers = (this.summary.failovers ?? 0) + 1;
    this.lastTarget = target;
    this.summary.attempts++;
    this.summary.pool = pool.id;
    this.summary.key = key.masked;
    this.summary.fingerprint = key.fingerprint;
  }

  /** Waits within the budget; false when the client left or the budget ran out first. */
  async pause(ms: number): Promise<boolean> {
    const capped = Math.min(ms, this.budgetEnd - this.engine.clock.now());
    if (capped <= 0) return false;
    try {
      await this.engine.clock.sleep(capped, this.request.signal);
      return true;
    } catch {
      return false;
    }
  }

  /** count_tokens for a target that counts none: the documented estimate (docs/TRANSLATION.md), no key used. */
  answerTokenEstimate(res: ServerResponse, pool: KeyPool): RequestSummary {
    const client = this.request.decodeJson?.() ?? {};
    if (nestedTooDeep(client)) {
      this.summary.pool = pool.id;
      sendError(res, this.adapter, 400, 'invalid_request_error', `KeyBridge: ${TOO_DEEP}.`);
      return this.finish(400, 'error', TOO_DEEP);
    }
    const body = JSON.stringify(this.adapter.tokenCountBody(estimateInputTokens(client)));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-keybridge-estimate': 'input_tokens' });
    res.end(body);
    this.summary.pool = pool.id;
    return this.finish(200, 'ok', `estimated for pool "${pool.id}" (it counts no tokens)`);
  }

  /** The routes' models alone, when the provider's list could not be had. */
  answerModels(res: ServerResponse, routedModels: ListedModel[]): RequestSummary {
    const body = JSON.stringify(this.adapter.listModels(routedModels, undefined));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return this.finish(200, 'ok', this.failures.length ? `the routes' models only: ${this.failures.at(-1)?.verdict.reason}` : "the routes' models only");
  }

  answerVerbatim(res: ServerResponse, failure: FailedAttempt): RequestSummary {
    if (failure.status === undefined) {
      // Nothing came from the provider (the request was refused before sending): answer in the client's protocol.
      sendError(res, this.adapter, 400, 'invalid_request_error', `KeyBridge: ${failure.verdict.reason}.`);
      return this.finish(400, 'error', failure.verdict.reason);
    }
    sendVerbatim(res, failure);
    return this.finish(failure.status, 'error', failure.verdict.reason);
  }

  /** A committed answer ended: its tokens and model go with the summary (the usage record). */
  served(done: AttemptDone): RequestSummary {
    if (done.usage) {
      const { input, output, cacheRead, cacheWrite, cachedInInput } = done.usage;
      this.summary.tokens = { input: cachedInInput ? Math.max(0, input - cacheRead) : input, output, cacheRead, cacheWrite };
    }
    this.summary.servedModel = done.servedModel;
    return this.finish(done.status, done.outcome, done.error);
  }

  finish(status: number, outcome: RequestSummary['outcome'], error?: string): RequestSummary {
    this.summary.status = status;
    this.summary.outcome = outcome;
    this.summary.error = error;
    this.summary.ms = this.engine.clock.now() - this.request.startedAt;
    return this.summary;
  }
}

/** A target that could not take the request at all: nothing was sent. */
function isRefusal(failure: FailedAttempt): boolean {
  return failure.key === undefined && failure.verdict.kind === 'client';
}

function lookupAffinity(engine: Engine, request: ProxyRequest): KeyRef | undefined {
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
  let status = failure.status ?? 502;
  if (failure.translation) {
    // The client's protocol and shape; the provider's status and rate-limit headers stay, so its retries still work.
    const translated = failure.translation.error(status, raw.toString('utf8'), failure.pool.id);
    status = translated.status;
    raw = Buffer.from(translated.body);
    headers['content-type'] = 'application/json';
  }
  if (secret) {
    // An error body is read whole anyway: it gets the full search. Latin1 keeps every byte; the ASCII mask fits in it.
    const text = raw.toString('latin1');
    const clean = redactSecrets(text, [secret], 'header');
    if (clean !== text) raw = Buffer.from(clean, 'latin1');
  }
  headers['content-length'] = raw.length;
  res.writeHead(status, headers);
  res.end(raw);
}
