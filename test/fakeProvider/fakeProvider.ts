import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { anthropicErrorEvent, anthropicModel, anthropicModelList, ANTHROPIC_DEFAULT_MODEL, countTokens, message, messageStreamEvents } from './anthropicWire';
import { Exchange, type ExchangeHost } from './exchange';
import {
  badJsonReply,
  httpFaultForInStreamError,
  httpFaultReply,
  invalidRequestReply,
  missingKeyReply,
  notFoundReply,
  scriptStream,
  type ErrorContext,
  type HttpReply,
  type StreamScript,
} from './faults';
import { geminiBadJsonReply, geminiFaultReply, geminiInvalidRequestReply, geminiMissingKeyReply, geminiNotFoundReply } from './geminiFaults';
import {
  generateContentResponse,
  generateContentStreamEvents,
  geminiAnswerOptions,
  geminiCountTokens,
  geminiErrorEvent,
  geminiModel,
  geminiModelPage,
  geminiRoute,
  GEMINI_DEFAULT_MODEL,
} from './geminiWire';
import { Ledger } from './ledger';
import {
  chatCompletion,
  chatErrorEvent,
  chatStreamEvents,
  embeddings,
  openaiModel,
  openaiModelList,
  OPENAI_DEFAULT_MODEL,
  responseObject,
  responsesFailedEvent,
  responsesStreamEvents,
} from './openaiWire';
import { estimateTokens, makePlan } from './replyPlan';
import { requestProblem } from './requestRules';
import { asObject, dataEvent, SSE_HEADERS, type Json } from './sse';
import { assignDialectToolId, dialectChatCompletion, dialectChatEvents, thinkingMessage, thinkingMessageEvents } from './dialectAnswers';
import { asksForThinking, dialectBaseUrl, dialectRefusal, geminiNativeRefusal, splitDialectPath, type IssuedSignatures } from './strictDialects';
import type { Endpoint, Fault, FakeProvider, FakeProviderOptions, LedgerEntry, Protocol, Reply, Responder, SseEvent, StrictDialect } from './types';
import { must } from '../helpers/must';

export type { Fault, FakeProvider, FakeProviderOptions, LedgerEntry, Reply, ResponderRequest, StrictDialect } from './types';
export { defaultReplyParts } from './replyPlan';
export { requestProblem } from './requestRules';
export { divergingText, restartingSentence, restartingText, restOfText } from './continuationReplies';

/** Header carrying ~1 MiB for the hugeHeader fault. */
const HUGE_HEADER_NAME = 'x-fake-padding';

export async function startFakeProvider(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const fake = new FakeProviderServer({
    streamEvents: opts.streamEvents ?? 5,
    eventGapMs: opts.eventGapMs ?? 0,
    recordBodies: opts.recordBodies ?? true,
    strictRequests: opts.strictRequests ?? false,
  });
  await fake.listen();
  return fake;
}

interface Route {
  protocol: Protocol;
  endpoint: Endpoint;
  /** GET /v1/models/{id}; Gemini's model, from its path. */
  modelId?: string;
  /** Gemini's `:streamGenerateContent`. */
  stream?: boolean;
  /** The provider played, from the `/dialect/{name}` prefix of the path. */
  dialect?: StrictDialect;
}

let hugeHeader: string | undefined;
const ENDLESS_CHUNK = Buffer.alloc(16 * 1024, 'a');

class FakeProviderServer implements FakeProvider, ExchangeHost {
  url = '';
  openaiBaseUrl = '';
  anthropicBaseUrl = '';
  geminiBaseUrl = '';
  readonly journal = new Ledger();
  readonly ledger: LedgerEntry[] = this.journal.entries;
  closing = false;
  private seq = 0;
  private streams = 0;
  private readonly queues = new Map<string, Fault[]>();
  private readonly persistent = new Map<string, Fault>();
  private readonly scoped: { key: string; model?: string; path?: string; fault: Fault }[] = [];
  private faultSource: ((key: string, seq: number, headers: http.IncomingHttpHeaders) => Fault | undefined) | undefined;
  private responder: Responder | undefined;
  private readonly sockets = new Set<Socket>();
  /** Makes ids unique across fake instances in one test run. */
  private readonly instance = randomBytes(3).toString('hex');
  /** Signatures handed out while playing a dialect: the only ones it takes back. Kept across reset(), like a provider's. */
  private readonly issued: IssuedSignatures = { anthropic: new Set(), gemini: new Set() };
  private readonly server: http.Server;
  private closed: Promise<void> | undefined;

  constructor(public options: Required<FakeProviderOptions>) {
    this.server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        const { port } = this.server.address() as AddressInfo;
        this.url = `http://127.0.0.1:${port}`;
        this.openaiBaseUrl = `${this.url}/v1`;
        this.anthropicBaseUrl = this.url;
        this.geminiBaseUrl = this.url;
        resolve();
      });
    });
  }

  // ---------- public API ----------

  dialectBaseUrl(dialect: StrictDialect, wire?: 'native'): string {
    return dialectBaseUrl(this.url, dialect, wire);
  }

  fault(key: string, ...faults: Fault[]): void {
    const q = this.queues.get(key);
    if (q) q.push(...faults);
    else this.queues.set(key, [...faults]);
  }

  always(key: string, fault: Fault | undefined): void {
    if (fault) this.persistent.set(key, fault);
    else this.persistent.delete(key);
  }

  alwaysWhen(key: string, match: { model?: string; path?: string }, fault: Fault): void {
    this.scoped.push({ key, ...match, fault });
  }

  setFaultSource(fn: ((key: string, seq: number, headers: http.IncomingHttpHeaders) => Fault | undefined) | undefined): void {
    this.faultSource = fn;
  }

  setResponder(fn: Responder | undefined): void {
    this.responder = fn;
  }

  reset(): void {
    this.queues.clear();
    this.persistent.clear();
    this.scoped.length = 0;
    this.faultSource = undefined;
    this.responder = undefined;
    this.journal.clear();
  }

  waitFor(pred: (e: LedgerEntry) => boolean, timeoutMs: number): Promise<LedgerEntry> {
    return this.journal.waitFor(pred, timeoutMs);
  }

  openStreams(): number {
    return this.streams;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closing = true;
      this.closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      this.journal.rejectAll('fake provider closed');
    }
    return this.closed;
  }

  streamStarted(): void {
    this.streams++;
  }

  streamEnded(): void {
    this.streams--;
  }

  // ---------- requests ----------

  private takeFault(key: string, seq: number, headers: http.IncomingHttpHeaders): Fault | undefined {
    const sourced = this.faultSource?.(key, seq, headers);
    if (sourced) return sourced;
    const own = this.queues.get(key);
    if (own && own.length > 0) return own.shift();
    const ownAlways = this.persistent.get(key);
    if (ownAlways) return ownAlways;
    const any = this.queues.get('*');
    if (any && any.length > 0) return any.shift();
    return this.persistent.get('*');
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seq = ++this.seq;
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const q = path.indexOf('?');
    const { dialect, rest } = splitDialectPath(q < 0 ? path : path.slice(0, q));
    const query = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
    const route: Route = { ...routeRequest(method, rest, req.headers, query), ...(dialect ? { dialect } : {}) };
    const key = readKey(req.headers, route.protocol, query);
    // Taken on arrival, so queued faults follow the order requests arrive in.
    const fault = route.endpoint !== 'other' && key !== undefined ? this.takeFault(key, seq, req.headers) : undefined;
    const entry: LedgerEntry = {
      seq,
      method,
      path,
      protocol: route.protocol,
      endpoint: route.endpoint,
      key,
      stream: false,
      headers: req.headers,
      bodyBytes: 0,
      startedAt: Date.now(),
      eventsSent: 0,
      completed: false,
      aborted: false,
    };
    if (fault) entry.fault = fault.kind;
    if (dialect) entry.dialect = dialect;
    this.journal.add(entry);
    const ex = new Exchange(req, res, entry, this);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      const body = chunks.length === 1 ? must(chunks[0]) : Buffer.concat(chunks, size);
      this.handle(ex, route, key, fault, body, query).catch((err: unknown) => this.fail(ex, err));
    });
    // A broken upload ends in res 'close', which the Exchange records.
    req.on('error', () => undefined);
  }

  /** A persistent fault for this key and the request's model or path, known once the body is read. */
  private scopedFault(key: string, model: string | undefined, path: string): Fault | undefined {
    return this.scoped.find(
      (s) => (s.key === key || s.key === '*') && (s.model === undefined || s.model === model) && (s.path === undefined || path.startsWith(s.path)),
    )?.fault;
  }

  private async handle(
    ex: Exchange,
    route: Route,
    key: string | undefined,
    arrivalFault: Fault | undefined,
    raw: Buffer,
    query: URLSearchParams,
  ): Promise<void> {
    const { entry } = ex;
    const { protocol, endpoint } = route;
    entry.bodyBytes = raw.length;
    let parsed: unknown;
    let bodyOk = true;
    if (entry.method === 'POST' && endpoint !== 'other') {
      try {
        parsed = JSON.parse(raw.toString('utf8'));
        bodyOk = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
      } catch {
        bodyOk = false;
      }
    }
    const body = asObject(parsed);
    // Gemini names the model in the path, which wins over a `model` in the body.
    const model = protocol === 'gemini' ? route.modelId : typeof body.model === 'string' ? body.model : route.modelId;
    if (model !== undefined) entry.model = model;
    const fault = arrivalFault ?? (key !== undefined ? this.scopedFault(key, model, entry.path) : undefined);
    if (fault) entry.fault = fault.kind;
    entry.stream =
      protocol === 'gemini' ? route.stream === true : (endpoint === 'chat' || endpoint === 'responses' || endpoint === 'messages') && body.stream === true;
    if (parsed !== undefined && this.options.recordBodies) entry.body = parsed;
    this.journal.updated(entry);

    const errCtx: ErrorContext = {
      protocol,
      requestId: `req_${this.instance}${entry.seq}`,
      key,
      model: model ?? (protocol === 'openai' ? OPENAI_DEFAULT_MODEL : protocol === 'gemini' ? GEMINI_DEFAULT_MODEL : ANTHROPIC_DEFAULT_MODEL),
      method: entry.method,
      path: entry.path,
    };
    const gemini = protocol === 'gemini';
    if (endpoint === 'other' && !fault) return this.reply(ex, errCtx, gemini ? geminiNotFoundReply(errCtx) : notFoundReply(errCtx));
    if (key === undefined) return this.reply(ex, errCtx, gemini ? geminiMissingKeyReply() : missingKeyReply(errCtx));
    const faultReply = gemini ? geminiFaultReply : httpFaultReply;

    let streamFault: Fault | undefined;
    if (fault) {
      switch (fault.kind) {
        case 'slowFirstByte':
          if (!(await ex.sleep(fault.ms))) return;
          break;
        case 'hugeHeader':
          ex.extraHeaders = { [HUGE_HEADER_NAME]: (hugeHeader ??= 'x'.repeat(1024 * 1024)) };
          break;
        case 'reset':
          ex.destroy();
          return;
        case 'endlessBody':
          return this.endlessBody(ex, errCtx);
        case 'errorEvent':
          if (!entry.stream) return this.reply(ex, errCtx, must(faultReply(httpFaultForInStreamError(fault.error), errCtx)));
          streamFault = fault;
          break;
        case 'cut':
        case 'stall':
        case 'slowFirstEvent':
        case 'empty':
        case 'malformed':
        case 'noDone':
          streamFault = fault;
          break;
        default:
          return this.reply(ex, errCtx, must(faultReply(fault, errCtx)));
      }
    }
    if (!bodyOk) return this.reply(ex, errCtx, gemini ? geminiBadJsonReply() : badJsonReply(errCtx));
    if (route.dialect) {
      const refused = dialectRefusal(route.dialect, endpoint, body, this.issued, errCtx);
      if (refused) {
        entry.refusal = String(refused.body);
        return this.reply(ex, errCtx, refused);
      }
    } else if (this.options.strictRequests && gemini) {
      const refused = endpoint === 'generate_content' ? geminiNativeRefusal(body, errCtx.model, this.issued) : undefined;
      if (refused) {
        entry.refusal = String(refused.body);
        return this.reply(ex, errCtx, refused);
      }
    } else if (this.options.strictRequests) {
      const problem = requestProblem(endpoint, body);
      if (problem) return this.reply(ex, errCtx, invalidRequestReply(errCtx, problem));
    }

    const plannedModel = errCtx.model;
    if (gemini) return this.gemini(ex, errCtx, route, entry, key, body, query, streamFault);
    switch (endpoint) {
      case 'models': {
        const payload = route.modelId
          ? protocol === 'openai'
            ? openaiModel(route.modelId)
            : anthropicModel(route.modelId)
          : protocol === 'openai'
            ? openaiModelList()
            : anthropicModelList();
        return this.answer(ex, errCtx, payload, streamFault);
      }
      case 'embeddings':
        return this.answer(ex, errCtx, embeddings(body, plannedModel, entry.seq), streamFault);
      case 'count_tokens': {
        const reply = this.ask(route, entry, key, body);
        return this.answer(ex, errCtx, countTokens(reply?.usage?.input ?? estimateTokens(entry.bodyBytes)), streamFault);
      }
      default:
        break;
    }

    const reply = this.ask(route, entry, key, body);
    if (reply?.headers) ex.extraHeaders = { ...ex.extraHeaders, ...reply.headers };
    const plan = makePlan(entry.seq, `${this.instance}${entry.seq}`, plannedModel, reply, this.options, entry.bodyBytes);
    const dialect = route.dialect;
    if (dialect) assignDialectToolId(dialect, plan, body);
    let events: SseEvent[];
    let errorEvent: (err: Parameters<typeof chatErrorEvent>[0], sequenceNumber: number) => SseEvent;
    if (endpoint === 'chat' && reply?.recorded) {
      if (!entry.stream) return this.answer(ex, errCtx, reply.recorded.completion as Json, streamFault);
      events = [...reply.recorded.chunks.map((chunk, i) => dataEvent(chunk, i === 0 ? 'open' : 'content')), { text: 'data: [DONE]\n\n', phase: 'terminal' }];
      errorEvent = chatErrorEvent;
    } else if (endpoint === 'chat') {
      if (!entry.stream) {
        const completion = chatCompletion(plan);
        return this.answer(ex, errCtx, dialect ? dialectChatCompletion(dialect, plan, completion, this.issued) : completion, streamFault);
      }
      events = chatStreamEvents(plan, asObject(body.stream_options).include_usage === true);
      if (dialect) events = dialectChatEvents(dialect, plan, events, this.issued);
      errorEvent = chatErrorEvent;
    } else if (endpoint === 'responses') {
      if (!entry.stream) return this.answer(ex, errCtx, responseObject(plan, body, 'completed'), streamFault);
      events = responsesStreamEvents(plan, body);
      errorEvent = (err, n) => responsesFailedEvent(plan, body, err, n);
    } else {
      const thinks = dialect === 'anthropic' && asksForThinking(body);
      if (!entry.stream) return this.answer(ex, errCtx, thinks ? thinkingMessage(plan, message(plan), this.issued) : message(plan), streamFault);
      events = messageStreamEvents(plan);
      if (thinks) events = thinkingMessageEvents(plan, events, this.issued);
      errorEvent = anthropicErrorEvent;
    }
    return this.stream(ex, errCtx, scriptStream(events, streamFault, errorEvent), plan.gapMs);
  }

  /** Gemini's native API: the model list (paged), a model, countTokens, and generateContent streamed or not. */
  private gemini(
    ex: Exchange,
    c: ErrorContext,
    route: Route,
    entry: LedgerEntry,
    key: string,
    body: Json,
    query: URLSearchParams,
    streamFault: Fault | undefined,
  ): Promise<void> | void {
    if (route.endpoint === 'models') {
      const payload = route.modelId === undefined ? geminiModelPage(query) : geminiModel(route.modelId);
      if (payload) return this.answer(ex, c, payload, streamFault);
      return this.reply(ex, c, route.modelId === undefined ? geminiInvalidRequestReply('Invalid page token.') : geminiNotFoundReply(c));
    }
    const reply = this.ask(route, entry, key, body);
    if (route.endpoint === 'count_tokens') return this.answer(ex, c, geminiCountTokens(reply?.usage?.input ?? estimateTokens(entry.bodyBytes)), streamFault);
    if (reply?.headers) ex.extraHeaders = { ...ex.extraHeaders, ...reply.headers };
    const plan = makePlan(entry.seq, `${this.instance}${entry.seq}`, c.model, reply, this.options, entry.bodyBytes);
    const options = geminiAnswerOptions(body, () => geminiSignature(this.issued));
    if (!entry.stream) return this.answer(ex, c, generateContentResponse(plan, options), streamFault);
    // Without `alt=sse` the stream is one JSON array, written element by element.
    const form = query.get('alt') === 'sse' ? 'sse' : 'array';
    const events = generateContentStreamEvents(plan, options, form);
    const headers = form === 'sse' ? undefined : { 'content-type': 'application/json; charset=UTF-8' };
    return this.stream(ex, c, scriptStream(events, streamFault, geminiErrorEvent(form)), plan.gapMs, headers);
  }

  private ask(route: Route, entry: LedgerEntry, key: string | undefined, body: Json): Reply | undefined {
    if (!this.responder) return undefined;
    return this.responder({ protocol: route.protocol, endpoint: route.endpoint, model: entry.model, body, key, seq: entry.seq });
  }

  private idHeader(c: ErrorContext): Record<string, string> {
    // Google's answers carry no request id header.
    if (c.protocol === 'gemini') return {};
    return c.protocol === 'openai' ? { 'x-request-id': c.requestId } : { 'request-id': c.requestId };
  }

  private reply(ex: Exchange, c: ErrorContext, r: HttpReply): void {
    ex.send(r.status, { ...this.idHeader(c), ...r.headers }, r.body);
  }

  /** A JSON success; stream faults hitting a non-streaming request degrade to their plain-body form. */
  private async answer(ex: Exchange, c: ErrorContext, payload: Json, fault: Fault | undefined): Promise<void> {
    const headers = { ...this.idHeader(c), 'content-type': 'application/json' };
    const text = JSON.stringify(payload);
    switch (fault?.kind) {
      case 'slowFirstEvent':
        ex.writeHead(200, headers, true);
        if (!(await ex.sleep(fault.ms))) return;
        ex.write(text);
        ex.end();
        return;
      case 'cut':
        ex.writeHead(200, headers, true);
        ex.write(text.slice(0, text.length >> 1));
        await ex.flushed();
        ex.destroy();
        return;
      case 'stall':
        ex.writeHead(200, headers, true);
        ex.write(text.slice(0, text.length >> 1));
        return;
      case 'empty':
        ex.send(200, headers, '');
        return;
      case 'malformed':
        ex.send(200, headers, '{not json');
        return;
      default:
        ex.send(200, headers, text);
    }
  }

  private async stream(ex: Exchange, c: ErrorContext, script: StreamScript, gapMs: number, headers: Record<string, string> = SSE_HEADERS): Promise<void> {
    ex.startStreaming(200, { ...this.idHeader(c), ...headers });
    if (script.firstDelayMs > 0 && !(await ex.sleep(script.firstDelayMs))) return;
    const events = script.events;
    for (let i = 0; i < events.length; i++) {
      if (i > 0 && gapMs > 0 && !(await ex.sleep(gapMs))) return;
      if (!ex.writeEvent(must(events[i]).text) && !(await ex.drain())) return;
    }
    if (ex.closed) return;
    if (script.then === 'end') {
      ex.end();
    } else if (script.then === 'cut') {
      await ex.flushed();
      ex.destroy();
    }
    // 'stall': leave it open until the client goes away or close() runs.
  }

  private async endlessBody(ex: Exchange, c: ErrorContext): Promise<void> {
    ex.startStreaming(200, { ...this.idHeader(c), 'content-type': 'application/json' });
    ex.write('{"id":"endless","padding":"');
    while (!ex.closed) {
      if (!ex.write(ENDLESS_CHUNK)) {
        if (!(await ex.drain())) return;
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  /** A bug in a Responder or here: answer 500 (or drop the connection), but print nothing. */
  private fail(ex: Exchange, err: unknown): void {
    if (ex.closed) return;
    if (ex.res.headersSent) {
      ex.destroy();
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    ex.send(
      500,
      { 'content-type': 'application/json' },
      JSON.stringify({ error: { message: `fake provider: ${message}`, type: 'server_error', param: null, code: null } }),
    );
  }
}

function routeRequest(method: string, pathname: string, headers: http.IncomingHttpHeaders, query: URLSearchParams): Route {
  const gemini = geminiRoute(method, pathname, headers['x-goog-api-key'] !== undefined || query.has('key'));
  if (gemini) return { protocol: 'gemini', ...gemini };
  const anthropicish = headers['x-api-key'] !== undefined || headers['anthropic-version'] !== undefined;
  if (method === 'POST') {
    switch (pathname) {
      case '/v1/chat/completions':
        return { protocol: 'openai', endpoint: 'chat' };
      case '/v1/responses':
        return { protocol: 'openai', endpoint: 'responses' };
      case '/v1/embeddings':
        return { protocol: 'openai', endpoint: 'embeddings' };
      case '/v1/messages':
        return { protocol: 'anthropic', endpoint: 'messages' };
      case '/v1/messages/count_tokens':
        return { protocol: 'anthropic', endpoint: 'count_tokens' };
    }
  } else if (method === 'GET') {
    const protocol: Protocol = anthropicish ? 'anthropic' : 'openai';
    if (pathname === '/v1/models') return { protocol, endpoint: 'models' };
    if (pathname.startsWith('/v1/models/') && pathname.length > '/v1/models/'.length) {
      try {
        return { protocol, endpoint: 'models', modelId: decodeURIComponent(pathname.slice('/v1/models/'.length)) };
      } catch {
        // a malformed escape is an unknown path
      }
    }
  }
  return { protocol: anthropicish ? 'anthropic' : 'openai', endpoint: 'other' };
}

function readKey(headers: http.IncomingHttpHeaders, protocol: Protocol, query: URLSearchParams): string | undefined {
  if (protocol === 'gemini') {
    const goog = headers['x-goog-api-key'];
    return (Array.isArray(goog) ? goog[0] : goog) || query.get('key') || undefined;
  }
  const auth = headers.authorization;
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() || undefined : undefined;
  const raw = headers['x-api-key'];
  const xKey = (Array.isArray(raw) ? raw[0] : raw) || undefined;
  return protocol === 'anthropic' ? (xKey ?? bearer) : (bearer ?? xKey);
}

/** A Gemini 3 thought signature, remembered: strict mode takes back only the ones it gave. */
function geminiSignature(issued: IssuedSignatures): string {
  const signature = randomBytes(48).toString('base64');
  issued.gemini.add(signature);
  return signature;
}
