import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock';
import type { Protocol } from '../config';
import { simulatedAnswer, type AnswerShape } from './simulatedAnswers';

/**
 * A provider that is not there: two accounts behind one loopback server, with the faults a real key pool meets,
 * on a schedule a newcomer can watch in a minute (docs/ARCHITECTURE.md §1). It speaks just enough of both
 * wire formats for the bridge, the SDKs and the agents: Chat Completions, Responses and Messages, streamed and
 * not, the model lists and token counting. It is a demonstration, never a test double: the tests run against
 * the fault-injecting fake provider of test/fakeProvider.
 */

/** How one simulated key behaves. */
type KeyBehaviour =
  /** Serves at most `requests` per `windowMs`, then answers 429 with the provider's headers until the window turns. */
  | { kind: 'limited'; requests: number; windowMs: number }
  /** Revoked: every request gets 401 in the provider's words. */
  | { kind: 'revoked' };

export interface SimulatedAccount {
  /** Who the answers say they come from ("alpha"). */
  name: string;
  protocol: Protocol;
  keys: { label: string; secret: string; behaviour: KeyBehaviour }[];
  /** The account's provider is overloaded for `lengthMs` of every `everyMs`, starting `offsetMs` into the run. */
  outage?: { offsetMs: number; lengthMs: number; everyMs: number };
}

export interface SimulatedProvider {
  readonly url: string;
  /** The base URL a pool of each protocol uses. */
  readonly openaiBaseUrl: string;
  readonly anthropicBaseUrl: string;
  close(): Promise<void>;
}

interface KeyState {
  account: SimulatedAccount;
  label: string;
  behaviour: KeyBehaviour;
  windowStart: number;
  used: number;
}

/** Answers arrive word by word, as a model's do; a few hundred ms in all. */
const WORD_DELAY_MS = 25;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export async function startSimulatedProvider(accounts: SimulatedAccount[], clock: Clock): Promise<SimulatedProvider> {
  const started = clock.now();
  const keys = new Map<string, KeyState>();
  for (const account of accounts) {
    for (const key of account.keys) keys.set(key.secret, { account, label: key.label, behaviour: key.behaviour, windowStart: started, used: 0 });
  }
  let served = 0;
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const route = ROUTES.get(path);
    const protocol: Protocol = route?.protocol ?? (path.startsWith('/anthropic/') ? ANTHROPIC : OPENAI);
    const voice = VOICES[protocol];
    const body = await readJson(req);
    if (!route) return refuse(res, voice, 404, 'not_found_error', `Unknown path ${path.slice(0, 100)}.`);
    const endpoint = route.endpoint;
    const secret = voice.secret(req);
    const key = secret === undefined ? undefined : keys.get(secret);
    if (!key || key.account.protocol !== protocol || key.behaviour.kind === 'revoked') return voice.unauthorized(res, secret);
    const now = clock.now();
    if (inOutage(key.account, now - started)) return voice.overloaded(res);
    if (route.counted) {
      const limited = spend(key, now);
      if (limited) return voice.rateLimited(res, Math.max(1, Math.ceil(limited / 1000)));
    }
    if (body === undefined && req.method === 'POST') return refuse(res, voice, 400, 'invalid_request_error', 'The request body is not valid JSON.');
    served++;
    const shape: AnswerShape = {
      protocol,
      endpoint,
      model: typeof body?.model === 'string' ? body.model : 'simulated',
      stream: body?.stream === true,
      includeUsage: hasUsageOption(body),
    };
    const answer = simulatedAnswer(shape, `Simulated answer ${served} from account ${key.account.name}, key ${key.label}. It reached you through KeyBridge.`);
    if (!shape.stream || !route.streams) {
      const text = JSON.stringify(answer.json);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...limitHeaders(key, voice, now) });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...limitHeaders(key, voice, now) });
    for (const event of answer.events) {
      if (res.destroyed) return;
      res.write(event);
      await clock.sleep(WORD_DELAY_MS);
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    openaiBaseUrl: `${url}/openai/v1`,
    anthropicBaseUrl: `${url}/anthropic`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const OPENAI: Protocol = 'openai';
const ANTHROPIC: Protocol = 'anthropic';

/** The paths it serves: whose they are, what they answer, whether they count against a key's window and can stream. */
const ROUTES = new Map<string, { protocol: Protocol; endpoint: AnswerShape['endpoint']; counted: boolean; streams: boolean }>([
  ['/openai/v1/chat/completions', { protocol: OPENAI, endpoint: 'chat', counted: true, streams: true }],
  ['/openai/v1/responses', { protocol: OPENAI, endpoint: 'responses', counted: true, streams: true }],
  ['/anthropic/v1/messages', { protocol: ANTHROPIC, endpoint: 'messages', counted: true, streams: true }],
  ['/anthropic/v1/messages/count_tokens', { protocol: ANTHROPIC, endpoint: 'count_tokens', counted: true, streams: false }],
  ['/openai/v1/models', { protocol: OPENAI, endpoint: 'models', counted: false, streams: false }],
  ['/anthropic/v1/models', { protocol: ANTHROPIC, endpoint: 'models', counted: false, streams: false }],
]);

/** How each provider says things: where its key is, its error envelope, its refusals and its quota headers, in its own words. */
interface ProviderVoice {
  secret(req: IncomingMessage): string | undefined;
  errorBody(type: string, message: string, code?: string): unknown;
  unauthorized(res: ServerResponse, secret: string | undefined): void;
  overloaded(res: ServerResponse): void;
  rateLimited(res: ServerResponse, seconds: number): void;
  limitHeaders(requests: number, remaining: string, now: number, resetMs: number): Record<string, string>;
}

const VOICES: Record<Protocol, ProviderVoice> = {
  openai: {
    secret: (req) => header(req, 'authorization')?.replace(/^Bearer /i, ''),
    errorBody: (type, message, code) => ({ error: { message, type, param: null, code: code ?? null } }),
    unauthorized: (res, secret) =>
      refuse(
        res,
        VOICES.openai,
        401,
        'invalid_request_error',
        `Incorrect API key provided: ${maskForProvider(secret)}. You can find your API key in your account settings.`,
        'invalid_api_key',
      ),
    overloaded: (res) => refuse(res, VOICES.openai, 503, 'server_error', 'The server is overloaded. Please retry your request shortly.'),
    rateLimited: (res, seconds) =>
      refuse(res, VOICES.openai, 429, 'requests', `Rate limit reached for requests. Please try again in ${seconds}s.`, 'rate_limit_exceeded', {
        'retry-after': String(seconds),
      }),
    limitHeaders: (requests, remaining, _now, resetMs) => ({
      'x-ratelimit-limit-requests': String(requests),
      'x-ratelimit-remaining-requests': remaining,
      'x-ratelimit-reset-requests': `${Math.ceil(resetMs / 1000)}s`,
    }),
  },
  anthropic: {
    secret: (req) => header(req, 'x-api-key'),
    errorBody: (type, message) => ({ type: 'error', error: { type, message } }),
    unauthorized: (res) => refuse(res, VOICES.anthropic, 401, 'authentication_error', 'invalid x-api-key'),
    overloaded: (res) => refuse(res, VOICES.anthropic, 529, 'overloaded_error', 'Overloaded'),
    rateLimited: (res, seconds) =>
      refuse(
        res,
        VOICES.anthropic,
        429,
        'rate_limit_error',
        'This request would exceed the rate limit for your organization of requests per minute. Please retry after the time in the retry-after header.',
        undefined,
        {
          'retry-after': String(seconds),
        },
      ),
    limitHeaders: (requests, remaining, now, resetMs) => ({
      'anthropic-ratelimit-requests-limit': String(requests),
      'anthropic-ratelimit-requests-remaining': remaining,
      'anthropic-ratelimit-requests-reset': new Date(now + resetMs).toISOString(),
    }),
  },
  // Gemini's `google.rpc.Status`; its wait is in a RetryInfo detail, and it sends no remaining-quota headers.
  gemini: {
    secret: (req) => header(req, 'x-goog-api-key'),
    errorBody: (type, message) => {
      const code = GOOGLE_CODES[type] ?? 400;
      return { error: { code, message, status: Object.keys(GOOGLE_CODES).find((name) => GOOGLE_CODES[name] === code && name === name.toUpperCase()) } };
    },
    unauthorized: (res) => refuse(res, VOICES.gemini, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'),
    overloaded: (res) => refuse(res, VOICES.gemini, 503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
    rateLimited: (res, seconds) => {
      const text = JSON.stringify({
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` }],
        },
      });
      res.writeHead(429, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    limitHeaders: () => ({}),
  },
};

/** The HTTP code of each Google status the simulation sends (the other voices' error types read as a bad request). */
const GOOGLE_CODES: Record<string, number> = { INVALID_ARGUMENT: 400, NOT_FOUND: 404, not_found_error: 404, RESOURCE_EXHAUSTED: 429, UNAVAILABLE: 503 };

function inOutage(account: SimulatedAccount, elapsed: number): boolean {
  const outage = account.outage;
  if (!outage || elapsed < outage.offsetMs) return false;
  return (elapsed - outage.offsetMs) % outage.everyMs < outage.lengthMs;
}

/** Counts a request against the key's window; the ms until the window turns when it is spent. */
function spend(key: KeyState, now: number): number | undefined {
  if (key.behaviour.kind !== 'limited') return undefined;
  const { requests, windowMs } = key.behaviour;
  if (now - key.windowStart >= windowMs) {
    key.windowStart = now;
    key.used = 0;
  }
  if (key.used >= requests) return key.windowStart + windowMs - now;
  key.used++;
  return undefined;
}

/** The remaining-quota headers each provider sends with every answer. */
function limitHeaders(key: KeyState, voice: ProviderVoice, now: number): Record<string, string> {
  if (key.behaviour.kind !== 'limited') return {};
  const { requests, windowMs } = key.behaviour;
  return voice.limitHeaders(requests, String(Math.max(0, requests - key.used)), now, Math.max(0, key.windowStart + windowMs - now));
}

function refuse(
  res: ServerResponse,
  voice: ProviderVoice,
  status: number,
  type: string,
  message: string,
  code?: string,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(voice.errorBody(type, message, code));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** OpenAI quotes a wrong key back as `sk-abc*****wxyz`; the bridge's redaction then has something real to do. */
function maskForProvider(secret: string | undefined): string {
  if (!secret) return '(none)';
  return `${secret.slice(0, 6)}${'*'.repeat(8)}${secret.slice(-4)}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function hasUsageOption(body: Record<string, unknown> | undefined): boolean {
  const options = body?.stream_options;
  return typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
}

/** The request's JSON object; undefined when there is no body or it is not an object. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  if (!size) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
