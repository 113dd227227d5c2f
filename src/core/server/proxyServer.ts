import type { BaseUrls } from '../config';
import { RequestCancel } from '../cancel';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Engine } from '../engine/engine';
import { proxyWithFailover } from '../attempts/attemptLoop';
import type { ProxyRequest } from '../attempts/proxyRequest';
import type { BridgeErrorType, ProtocolAdapter } from '../protocols/protocol';
import { guessProtocol, isClientPrefix, protocolAdapter, resolveClientPath, wireFormatOf, type ClientPath } from '../protocols/table';
import { sessionIdOf } from '../routing/affinity';
import { logField } from '../logLine';
import { AdminApi } from './admin';
import type { UsageSource } from '../usage/usageRecorder';
import type { KeyHandover } from './keyHandover';
import { MemoryBudget, DEFAULT_MEMORY_BUDGET_BYTES } from '../memoryBudget';
import { ConnectionLimiter, DEFAULT_CONNECTION_LIMITS, type ConnectionLimitOptions } from './connectionLimits';
import { baseUrlList, hasDotSegment, loopbackBaseUrls, withoutQuery } from './paths';
import { BODY_BUDGET_SPENT, parseRequestFields, readRequestBody, RequestBodyError } from './requestBody';
import { sendError } from '../protocols/errorAnswer';
import { hostAllowed, presentedToken, tokensEqual, withoutQueryKey } from './security';

/** The only address the bridge listens on. There is deliberately no setting to widen it. */
const LOOPBACK = '127.0.0.1';

const ALLOWED_METHODS = new Set(['GET', 'POST', 'DELETE']);

/** How often a request from a web page or for a foreign host is logged at most. */
const FOREIGN_REFUSAL_LOG_MS = 60_000;

/**
 * Node's answer to a request it could not parse, with a JSON body both SDKs
 * read (OpenAI's `error.message`, Anthropic's `type: "error"`): before the
 * path is known there is no telling which protocol the client speaks.
 */
function rawClientError(status: number, message: string, extraHead = ''): string {
  const body = JSON.stringify({ type: 'error', error: { type: status === 503 ? 'overloaded_error' : 'invalid_request_error', message } });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n${extraHead}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

export interface ProxyServerOptions {
  engine: Engine;
  port: number;
  token: string;
  adminToken: string;
  /** Lets follower windows fetch and send keys (VS Code only; see keyHandover.ts). */
  keyHandover?: KeyHandover;
  /** Defaults: DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: Partial<ConnectionLimitOptions>;
  /** Request-body and held answer bytes in memory at once, over all requests; at least the largest body allowed. Default DEFAULT_MEMORY_BUDGET_BYTES. */
  bodyBudgetBytes?: number;
  /** The usage store the status API reports (`GET /_keybridge/usage`). */
  usage?: UsageSource;
}

/** Loopback HTTP front of the engine: security checks, routing, body reading, then the attempt loop. */
export class ProxyServer {
  private server: Server | undefined;
  private boundPort = 0;
  private nextId = 1;
  private readonly inFlight = new Set<RequestCancel>();
  private readonly admin: AdminApi;
  private connections: ConnectionLimiter | undefined;
  private readonly memoryBudget: MemoryBudget;
  /** When a request from a web page or for a foreign host was last logged, and how many since went unlogged. */
  private foreignRefusals = { loggedAt: -Infinity, unlogged: 0 };

  constructor(private readonly options: ProxyServerOptions) {
    this.admin = new AdminApi(options.engine, () => this.describe(), options.adminToken, options.keyHandover, options.usage);
    this.memoryBudget = new MemoryBudget(() => Math.max(options.bodyBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES, options.engine.tuning.maxBodyBytes));
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${LOOPBACK}:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get activeRequests(): number {
    return this.inFlight.size;
  }

  describe(): { running: boolean; url?: string; port?: number; baseUrls?: BaseUrls } {
    if (!this.server) return { running: false };
    return { running: true, url: this.url, port: this.boundPort, baseUrls: loopbackBaseUrls(this.boundPort) };
  }

  /** Listens on 127.0.0.1; rejects with the listen error (EADDRINUSE when another window owns the port). */
  start(): Promise<number> {
    // Timeouts are enforced on each connections check: every second, so a slowloris is cut at 15 s, not up to 45.
    const connections = new ConnectionLimiter({ ...DEFAULT_CONNECTION_LIMITS, ...this.options.connectionLimits }, (socket) => {
      socket.end(rawClientError(503, 'KeyBridge: too many open connections, all of them busy; retry shortly.', 'retry-after: 1\r\n'));
      socket.destroySoon();
    });
    const accept = (expectsContinue: boolean) => (req: IncomingMessage, res: ServerResponse) => {
      connections.requestStarted(req.socket, res);
      res.once('close', () => connections.requestEnded(req.socket, res));
      void this.handle(req, res, expectsContinue);
    };
    const server = createServer(
      { keepAliveTimeout: 5_000, headersTimeout: 15_000, requestTimeout: 120_000, connectionsCheckingInterval: 1_000 },
      accept(false),
    );
    // Node would answer `100 Continue` before any check; the client then uploads a body we may refuse. Handled here,
    // `100 Continue` goes out only once the request passed the origin, host and token checks (curl sends this header by
    // itself for bodies over about 1 MB).
    server.on('checkContinue', accept(true));
    server.on('connection', (socket: Socket) => connections.accept(socket));
    // Slow, oversized or malformed requests (slowloris, huge headers, smuggling attempts) get a clear answer and a closed connection.
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable || connections.answering(socket)) return void socket.destroy();
      if (error.code === 'HPE_HEADER_OVERFLOW') socket.end(rawClientError(431, 'KeyBridge: request headers too large.'));
      else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') socket.end(rawClientError(408, 'KeyBridge: the request was not received in time.'));
      else socket.end(rawClientError(400, `KeyBridge: malformed HTTP request (${error.code ?? 'parse error'}).`));
    });
    // Clients pointed at the bridge as an HTTP proxy (HTTPS_PROXY) send CONNECT: tell them what it is.
    server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      socket.end(rawClientError(405, `KeyBridge is not an HTTP proxy: use ${baseUrlList(`http://${LOOPBACK}:${this.boundPort}`)} as the base URL.`));
    });
    return new Promise<number>((resolve, reject) => {
      const onError = (error: Error): void => {
        connections.dispose();
        reject(error);
      };
      server.once('error', onError);
      server.listen(this.options.port, LOOPBACK, () => {
        server.off('error', onError);
        this.server = server;
        this.connections = connections;
        this.boundPort = (server.address() as AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  /** Stops accepting, lets in-flight requests finish for `graceMs`, then aborts them (upstream included). */
  async stop(graceMs = 2_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.connections?.dispose();
    this.connections = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    this.admin.closeStreams();
    const deadline = Date.now() + graceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    for (const cancel of this.inFlight) cancel.abort(new Error('bridge stopping'));
    await new Promise((r) => setTimeout(r, 10));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const url = req.url ?? '/';
    // The protocol errors are answered in before the path is resolved; only an error needs it.
    const adapter = (): ProtocolAdapter => protocolAdapter(guessProtocol(url, req.headers));
    // A refused request's body was never asked for: the connection cannot carry another request after it.
    if (expectsContinue) res.setHeader('connection', 'close');
    try {
      const refused = this.refusal(req);
      if (refused) {
        if (refused.close) res.setHeader('connection', 'close');
        return this.refuse(req, res, adapter(), refused.status, refused.type, refused.message);
      }
      if (url.startsWith('/_keybridge/')) return await this.admin.handle(req, res, url);
      if (this.answeredLocally(req, res, url)) return;
      if (hasDotSegment(url)) {
        return this.refuse(
          req,
          res,
          adapter(),
          400,
          'invalid_request_error',
          'KeyBridge: the path holds a dot segment (`.` or `..`, possibly encoded); it could leave the provider base URL, so it is refused.',
        );
      }
      const path = resolveClientPath(url, req.headers);
      if (!path) {
        return this.refuse(
          req,
          res,
          adapter(),
          404,
          'not_found_error',
          `KeyBridge: unknown path ${withoutQueryKey(url).slice(0, 200)}. Use ${baseUrlList(this.url)} as the base URL.`,
        );
      }
      const pathAdapter = protocolAdapter(path.protocol);
      const token = presentedToken(req.headers, url, pathAdapter.queryToken);
      if (!token || !tokensEqual(token, this.options.token)) {
        return this.refuse(
          req,
          res,
          pathAdapter,
          401,
          'authentication_error',
          `KeyBridge: ${token ? 'wrong' : 'missing'} local access token. Send the KeyBridge token as your API key (Authorization: Bearer, x-api-key or x-goog-api-key).`,
        );
      }
      if (!ALLOWED_METHODS.has(req.method ?? '')) {
        return this.refuse(req, res, pathAdapter, 405, 'invalid_request_error', `KeyBridge: method ${req.method} is not supported here.`, {
          allow: 'GET, POST, DELETE, HEAD',
        });
      }
      await this.proxy(req, res, path, expectsContinue);
    } catch (error) {
      this.answerFailure(error, req, res, adapter());
    }
  }

  /** Requests refused before anything else is looked at: from a web page, for a foreign host, or with a body of unknowable length. */
  private refusal(req: IncomingMessage): { status: number; type: BridgeErrorType; message: string; close?: boolean } | undefined {
    // A web page must never spend the user's keys: browsers always say where a request comes from.
    if (req.headers.origin !== undefined || (req.headers['sec-fetch-site'] !== undefined && req.headers['sec-fetch-site'] !== 'none')) {
      return { status: 403, type: 'permission_error', message: 'KeyBridge does not accept requests from web pages.' };
    }
    if (!hostAllowed(req.headers.host, this.boundPort)) {
      return { status: 403, type: 'permission_error', message: `KeyBridge answers only to ${LOOPBACK}:${this.boundPort} or localhost:${this.boundPort}.` };
    }
    const transferEncoding = req.headers['transfer-encoding'];
    if (transferEncoding !== undefined && !/^\s*chunked\s*$/i.test(transferEncoding)) {
      // Node frames only `chunked`; any other coding leaves the body's end unknowable (a smuggling classic).
      return {
        status: 400,
        type: 'invalid_request_error',
        message: `KeyBridge: unsupported Transfer-Encoding "${transferEncoding.slice(0, 40)}"; send Content-Length or chunked.`,
        close: true,
      };
    }
    return undefined;
  }

  /** The base URLs answer probes themselves, without credentials. */
  private answeredLocally(req: IncomingMessage, res: ServerResponse, url: string): boolean {
    if (req.method === 'HEAD') {
      // Agents probe the base URL before their first request, without credentials (Claude Code sends `HEAD /`).
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      return true;
    }
    if (req.method === 'GET' && (url === '/' || isClientPrefix(url))) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`KeyBridge is running. Base URLs: ${baseUrlList(this.url, ', ')}.\n`);
      return true;
    }
    return false;
  }

  /**
   * Answers a request the bridge refuses itself, in the client's protocol, and logs it: an agent holding a stale
   * token, or sending a body the bridge cannot read, would otherwise fail with nothing in the log. The path is
   * logged with any key in its query masked; the message is the bridge's own words. A web page can send refused
   * requests as fast as it likes, so those (403) get one line a minute, with the count of the others.
   */
  private refuse(
    req: IncomingMessage,
    res: ServerResponse,
    adapter: ProtocolAdapter,
    status: number,
    type: BridgeErrorType,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    sendError(res, adapter, status, type, message, headers);
    let more = '';
    if (status === 403) {
      const now = this.options.engine.clock.now();
      if (now - this.foreignRefusals.loggedAt < FOREIGN_REFUSAL_LOG_MS) {
        this.foreignRefusals.unlogged++;
        return;
      }
      if (this.foreignRefusals.unlogged) more = ` (and ${this.foreignRefusals.unlogged} more refused so since the last line)`;
      this.foreignRefusals = { loggedAt: now, unlogged: 0 };
    }
    const why = message.replace(/^KeyBridge: /, '');
    this.options.engine.logger.info(`${req.method} ${logField(withoutQueryKey(req.url ?? '/'))} ${status} refused: ${logField(why)}${more}`);
  }

  private answerFailure(error: unknown, req: IncomingMessage, res: ServerResponse, adapter: ProtocolAdapter): void {
    const url = withoutQueryKey(req.url ?? '/');
    if (error instanceof RequestBodyError) {
      // The client may still be sending; do not keep reading a body we refused.
      res.setHeader('connection', 'close');
      const type = error.status === 413 ? 'request_too_large' : error.status === 503 ? 'overloaded_error' : 'invalid_request_error';
      return this.refuse(req, res, adapter, error.status, type, `KeyBridge: ${error.message}.`, error.status === 503 ? { 'retry-after': '1' } : {});
    }
    if (!req.complete && req.destroyed) {
      // The client hung up while still sending its request: nothing went wrong here.
      this.options.engine.logger.debug(`client went away during ${req.method} ${logField(url)}`);
      return;
    }
    this.options.engine.logger.error(`internal error on ${req.method} ${logField(url)}: ${logField((error as Error).message)}`);
    if (!res.headersSent) sendError(res, adapter, 500, 'api_error', 'KeyBridge: internal error; see the KeyBridge log.');
    else res.destroy();
  }

  private async proxy(req: IncomingMessage, res: ServerResponse, path: ClientPath, expectsContinue: boolean): Promise<void> {
    const url = req.url ?? '';
    const engine = this.options.engine;
    const startedAt = engine.clock.now();
    const limit = req.method === 'GET' || req.method === 'DELETE' ? 1024 * 1024 : engine.tuning.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    // A declared body over the limit gets its 413 from readRequestBody; one of unknown length is taken from the budget as it arrives.
    const reserved = Number.isFinite(declared) && declared >= 0 && declared <= limit ? declared : 0;
    const lease = this.memoryBudget.reserve(reserved);
    if (!lease) throw new RequestBodyError(503, BODY_BUDGET_SPENT);
    if (expectsContinue) {
      res.removeHeader('connection');
      res.writeContinue();
    }
    const cancel = new RequestCancel();
    const onClose = (): void => {
      if (!res.writableFinished) cancel.abort(new Error('client went away'));
    };
    res.on('close', onClose);
    this.inFlight.add(cancel);
    try {
      const body = await readRequestBody(req, limit, lease, reserved);
      // A format's endpoint takes a JSON object: an empty body would spend a key, and a cap's count, on the provider's refusal.
      if (body.length === 0 && req.method === 'POST' && wireFormatOf(path.endpoint))
        throw new RequestBodyError(400, 'the request body is empty; send a JSON object');
      const fields = parseRequestFields(body, req.headers['content-type'], wireFormatOf(path.endpoint));
      const request: ProxyRequest = {
        id: this.nextId++,
        protocol: path.protocol,
        endpoint: path.endpoint,
        method: req.method ?? 'GET',
        path: withoutQuery(url),
        upstreamPath: path.upstreamPath,
        headers: req.headers,
        body: body.length ? body : undefined,
        decodeJson: fields.decodeJson,
        model: path.model ?? fields.model,
        stream: path.stream ?? fields.stream,
        pathForModel: path.pathForModel,
        answerInList: path.answerInList,
        sessionId: sessionIdOf(req.headers),
        previousResponseId: fields.previousResponseId,
        carriedReasoning: fields.carriedReasoning,
        startedAt,
        signal: cancel,
        memory: this.memoryBudget,
      };
      const summary = await proxyWithFailover(engine, request, res);
      engine.recordRequest(summary);
    } finally {
      lease.release();
      this.inFlight.delete(cancel);
      res.off('close', onClose);
    }
  }
}
