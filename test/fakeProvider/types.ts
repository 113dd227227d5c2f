import type { IncomingHttpHeaders } from 'node:http';

export interface FakeProviderOptions {
  /** Content deltas per stream (text deltas, or argument deltas of a tool call). Default 5. */
  streamEvents?: number;
  /** Pause between two SSE events. Default 0: back to back. */
  eventGapMs?: number;
  /** Keep parsed request bodies in the ledger. Default true; a benchmark may turn it off to save memory. */
  recordBodies?: boolean;
  /** Answer 400, as the real API would, to a chat, responses or messages body that breaks the rules in requestRules.ts. Default false. */
  strictRequests?: boolean;
}

export type Protocol = 'openai' | 'anthropic' | 'gemini';
/** A provider the fake can play strictly (strictDialects.ts). */
export type StrictDialect = 'anthropic' | 'openai' | 'deepseek' | 'gemini' | 'moonshot' | 'mistral' | 'groq' | 'openrouter';
/** `generate_content`: Gemini's `:generateContent` and `:streamGenerateContent` (the ledger's `stream` tells them apart). */
export type Endpoint = 'chat' | 'responses' | 'embeddings' | 'models' | 'messages' | 'count_tokens' | 'generate_content' | 'other';

export interface LedgerEntry {
  seq: number;
  method: string;
  /** With the query string. */
  path: string;
  protocol: Protocol;
  endpoint: Endpoint;
  /**
   * As received: Authorization Bearer (openai) or x-api-key (anthropic), either header accepted as a fallback;
   * Gemini's x-goog-api-key header, else its `?key=` query parameter.
   */
  key: string | undefined;
  model?: string;
  stream: boolean;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  body?: unknown;
  fault?: Fault['kind'];
  /** The provider the fake played for this request (strictDialects.ts). */
  dialect?: StrictDialect;
  /** The body of a strict dialect's refusal, as sent. */
  refusal?: string;
  status?: number;
  startedAt: number;
  headersSentAt?: number;
  endedAt?: number;
  /** Every SSE block written, lifecycle events, `[DONE]`, malformed and error events included. */
  eventsSent: number;
  /** The response was written to its end (whatever its status). */
  completed: boolean;
  /** The client closed before we finished. Never set for our own cuts/resets or by `close()`. */
  aborted: boolean;
  abortedAt?: number;
}

export interface ResponderRequest {
  protocol: Protocol;
  endpoint: Endpoint;
  model?: string;
  // The request body as the client sent it: shapes differ per endpoint, so a reader narrows it (test/helpers/json.ts).
  body: unknown;
  key?: string;
  seq: number;
}

export interface Reply {
  text?: string;
  toolCall?: { name: string; arguments: Record<string, unknown>; id?: string };
  events?: number;
  gapMs?: number;
  /**
   * What the answer reports, each protocol in its own terms: OpenAI's prompt count (`input`) includes `cacheRead`
   * (sent as `cached_tokens`); Anthropic's `input_tokens` does not, and the cache reads and writes go beside it.
   */
  usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number; thoughts?: number };
  /** Headers added to the answer (e.g. the rate-limit headers a provider sends on every answer). */
  headers?: Record<string, string>;
  /**
   * A Chat Completions answer in one provider's own shape (test/fakeProvider/recordedShapes.ts), sent as it is:
   * `chunks` as the stream's `data:` events, then `[DONE]`; `completion` as the non-streamed body.
   */
  recorded?: { chunks: object[]; completion: object };
}

export type Responder = (req: ResponderRequest) => Reply | undefined;

export type InStreamError = 'overloaded' | 'rateLimit' | 'quota' | 'server';

export type Fault =
  /** Gemini: a per-minute quota, with `google.rpc.RetryInfo` of `retryDelayS` seconds (default 20). */
  | { kind: 'rateLimit'; headers?: Record<string, string>; retryDelayS?: number }
  /** Gemini: a per-day quota (its QuotaFailure names the day's quota id). */
  | { kind: 'quota' }
  /** Anthropic's spend limit, a 400 that names the day access returns (`regainOn`, default "2027-01-01 at 00:00 UTC"). */
  | { kind: 'spendLimit'; regainOn?: string }
  /**
   * Gemini's 429s in its own words: prepaid credits spent (`creditsDepleted`), or the free tier's per-minute limit,
   * which speaks of quota and billing too. Its OpenAI-compatible endpoint sends them as a JSON array (`shape`);
   * its native API as one object, with the QuotaFailure and RetryInfo details.
   */
  | { kind: 'gemini'; error: 'creditsDepleted' | 'freeTierPerMinute'; shape?: 'array' | 'object' }
  | { kind: 'invalidKey' }
  | { kind: 'forbiddenKey' }
  | { kind: 'forbiddenRequest' }
  | { kind: 'serverError'; status?: number }
  | { kind: 'overloaded' }
  | { kind: 'html'; status?: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'reset' }
  | { kind: 'slowFirstByte'; ms: number }
  | { kind: 'slowFirstEvent'; ms: number }
  | { kind: 'cut'; afterEvents: number }
  | { kind: 'stall'; afterEvents: number }
  | { kind: 'errorEvent'; error: InStreamError; afterEvents?: number }
  | { kind: 'empty' }
  | { kind: 'malformed' }
  | { kind: 'noDone' }
  | { kind: 'contextLength' }
  | { kind: 'contentPolicy' }
  | { kind: 'endlessBody' }
  | { kind: 'hugeHeader' };

export interface FakeProvider {
  readonly url: string;
  readonly openaiBaseUrl: string;
  readonly anthropicBaseUrl: string;
  /** Gemini's native API (the server root: clients add `/v1beta/models/…`). */
  readonly geminiBaseUrl: string;
  readonly ledger: LedgerEntry[];
  options: Required<FakeProviderOptions>;
  /**
   * The base URL of a pool whose provider the fake plays strictly, refusing in that provider's words what it
   * refuses (strictDialects.ts): `deepseek`, `gemini`, `anthropic`… — whatever `strictRequests` says.
   * `native`: Gemini's own API rather than its OpenAI-compatible endpoint (the server root, like geminiBaseUrl).
   */
  dialectBaseUrl(dialect: StrictDialect, wire?: 'native'): string;
  fault(key: string, ...faults: Fault[]): void;
  always(key: string, fault: Fault | undefined): void;
  /** A persistent fault for one key ('*': any) limited to a model and/or a path prefix (pass-through paths included). */
  alwaysWhen(key: string, match: { model?: string; path?: string }, fault: Fault): void;
  /** Decides a fault per request before any queued one (e.g. a seeded random share of failures, per client request by a header). */
  setFaultSource(fn: ((key: string, seq: number, headers: IncomingHttpHeaders) => Fault | undefined) | undefined): void;
  setResponder(fn: Responder | undefined): void;
  reset(): void;
  waitFor(pred: (e: LedgerEntry) => boolean, timeoutMs: number): Promise<LedgerEntry>;
  openStreams(): number;
  close(): Promise<void>;
}

/** One SSE block, tagged with its role so faults can cut, truncate or drop the right ones. */
export interface SseEvent {
  text: string;
  /** preamble: lifecycle before any block (message_start, ping, response.created/in_progress);
   *  open: a block or item starts; content: a delta; close: block/item/message end; terminal: [DONE], message_stop, response.completed. */
  phase: 'preamble' | 'open' | 'content' | 'close' | 'terminal';
}
