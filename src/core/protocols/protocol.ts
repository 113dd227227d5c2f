import type { IncomingHttpHeaders } from 'node:http';
import type { Protocol } from '../config';
import type { PrefillStyle } from '../configSchema';
import type { SseEvent } from './sse';
import type { UsageReader } from './tokenUsage';

/** The endpoints that speak a wire format of their own (one folder each under protocols/, docs/ARCHITECTURE.md §7). */
type FormatEndpoint = 'chat' | 'responses' | 'messages' | 'generate';

/** Which API a request is for; decides terminal stream errors and the parts of a body worth reading. */
export type Endpoint = FormatEndpoint | 'embeddings' | 'models' | 'count_tokens' | 'other';

/** Error categories of our own answers, named as Anthropic names them; adapters map them. */
export type BridgeErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error';

/** What the relay learned from a stream so far, for a well-formed terminal error. */
export interface StreamFacts {
  responseId?: string;
  model?: string;
  createdAt?: number;
  lastSequence?: number;
}

/** A model the bridge's routes offer, as a model list shows it. */
export interface ListedModel {
  id: string;
  /** What a picker shows: the model and the pools its route tries. */
  label: string;
}

/** What a refusal's error body may say besides its type and message: the status it goes with, when to retry. */
export interface ErrorContext {
  status?: number;
  /** The wait a 429 asks for, for envelopes that carry it in the body (Google's `RetryInfo`). */
  retryAfterMs?: number;
}

/**
 * A client path whose grammar has parameters (Gemini's `/v1beta/models/{model}:{method}`): its endpoint, and the
 * routing facts the path holds rather than the body.
 */
export interface PathRoute {
  endpoint: Endpoint;
  /** Path below the pool's base URL, with the query string (never the local token's `key=`). */
  upstreamPath: string;
  /** The model the path names. */
  model?: string;
  /** Whether the path asks for a stream of events. */
  stream?: boolean;
  /** The same path naming another model: a target's model goes into the path, the body stays as it came. */
  pathForModel?: (model: string) => string;
  /** The answer is a list of the format's answers, not one (Gemini's `streamGenerateContent` without `alt=sse`). */
  answerInList?: boolean;
}

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

/** The body fields routing reads, as a format names them. */
export interface RoutingFields {
  readonly model: string;
  readonly stream: string;
  /** The field that chains the request to a stored answer, for formats that have one. */
  readonly previousResponse?: string;
}

/** What continuing a cut answer needs to know of a format (docs/ARCHITECTURE.md §5): field names and rules, no I/O. */
export interface ContinuationFacts {
  /** The fields that cap the answer's length. */
  readonly limitFields: readonly string[];
  /** The body field that holds the conversation: a list of messages, or the Responses API's `input` (a string or items). */
  readonly turnsField: 'messages' | 'input' | 'contents';
  /** The prefill a request of this format can carry, given the pool's declared style. */
  prefill(declared: PrefillStyle): PrefillStyle;
  /** Whether a final assistant message the client sent is a prefill the continuation extends. */
  readonly clientPrefill: boolean;
  /** Whether a true prefill must go without extended thinking (Anthropic refuses the pair). */
  readonly prefillDropsThinking: boolean;
  /** Why a request of this format cannot be continued faithfully (no conversation, stored state…), besides structured output. */
  refusal(body: JsonObject): string | undefined;
  /** Whether the request asks for structured output (a JSON document a second model could not continue). */
  structuredOutput(body: JsonObject): boolean;
}

/**
 * One wire format: an endpoint of a protocol with a request and answer shape of its own (Chat Completions,
 * Responses, Messages). It owns its path, its routing fields, its usage, its terminal and preamble events and
 * its terminal error; the error envelope of a whole body is its protocol's.
 */
export interface WireFormat {
  readonly id: 'openaiChat' | 'openaiResponses' | 'anthropicMessages' | 'geminiGenerate';
  readonly protocol: Protocol;
  /** What a person reads: "Chat Completions", "Responses", "Messages". */
  readonly label: string;
  readonly endpoint: FormatEndpoint;
  /** Its path below the protocol's base URL, as a pool's base URL takes it (a pattern where the path names the model). */
  readonly path: string;
  /** The path a translated request for `model` goes to: `path`, or, where the path names the model and the stream (Gemini), the one for them. */
  requestPath(model: string, stream: boolean): string;
  readonly routing: RoutingFields;
  readonly usage: UsageReader;
  /** Whether its answers carry an id a later request can chain to (the relay remembers it for affinity). */
  readonly chainsAnswers: boolean;
  /**
   * Whether its clients return a Chat provider's reasoning to us in our carrier (an Anthropic thinking block's
   * signature, a Responses reasoning item's encrypted_content): only then does a relay look for one to leave out.
   */
  readonly carriesReasoning: boolean;
  /** Whether a terminal error must repeat facts of the stream (ids, sequence numbers), so the relay notes them. */
  readonly terminalRepeatsFacts: boolean;
  /** Bytes that end a committed stream with this format's own error. */
  terminalStreamError(message: string, facts: StreamFacts): string;
  /** Lifecycle events held back at the commit gate, so that a failure right after them can still fail over. */
  isPreamble(event: SseEvent): boolean;
  /** Whether this event ends the stream normally. */
  isTerminal(event: SseEvent): boolean;
  /** Text every event `isTerminal` accepts holds, in its name or data: events holding none need not be decoded to find the end. */
  readonly terminalMarks: readonly string[];
  readonly continuation: ContinuationFacts;
}

/**
 * A pool protocol: the wire facts shared by its formats (credentials, key tests, model lists, the error envelope,
 * the client paths). The table (table.ts) holds one per protocol.
 */
export interface ProtocolAdapter {
  readonly protocol: Protocol;
  /** What a person reads: "OpenAI", "Anthropic". */
  readonly label: string;
  /** The provider kind with its article, for screens: "an OpenAI-compatible provider". */
  readonly providerKind: string;
  /** A model name a person would type for one of its pools. */
  readonly modelExample: string;
  /** How a translated target of this protocol's pools is named on screen: the format it is reached in ("OpenAI Chat"). */
  readonly wireName: string;
  /** Its clients and their base path, for tooltips: "Anthropic clients (Claude Code, `/anthropic`)". */
  readonly clients: string;
  /** The formats this protocol's clients speak; the first is the one a pool without more is assumed to serve. */
  readonly formats: readonly WireFormat[];
  /** The base path agents are given below the bridge's root (`/openai/v1`, `/anthropic`). */
  readonly clientPrefix: string;
  /** Client paths below this are the protocol's whatever else they say (`/openai/v1/`, `/anthropic/v1/`). */
  readonly routedPrefix: string;
  /** The part of a bare `/v1/...` client path that is not below a pool's base URL: `/v1` when the base URL holds the version. */
  readonly barePrefix: string;
  /** Its path grammar: the endpoint of each path below a pool's base URL; any other path is `other`, only relayed. */
  readonly endpoints: readonly (readonly [string, Endpoint])[];
  /**
   * Paths whose grammar has parameters (the model in the path): undefined for a protocol whose paths are all in
   * `endpoints`, and for a path that is none of them. Tried before `endpoints`.
   */
  routePath?(rest: string, query: string): PathRoute | undefined;
  /** Whether a bare `/v1/...` client path is this protocol's (the table's default protocol takes the rest). */
  claimsBarePath(path: string, headers: IncomingHttpHeaders): boolean;
  /** Whether a URL that is no known path (a refusal's, a 404's) should be answered in this protocol. */
  claimsUnknownUrl(url: string, headers: IncomingHttpHeaders): boolean;
  /** The query parameter its clients may send their key in (Gemini's `key`): the local token is taken from it, and it never goes upstream. */
  readonly queryToken?: string;
  /** Request headers that belong to this protocol alone (versions, betas): dropped when the request goes to another. */
  readonly ownHeaderPrefix: string;
  /** How the provider continues a started answer when its pool declares nothing. */
  readonly defaultPrefill: PrefillStyle;
  /** Whether the provider signs thinking blocks and refuses history holding ones it did not sign (docs/ARCHITECTURE.md §9). */
  readonly signsThinking: boolean;
  /** Path, relative to a pool's base URL, of the cheap request that tests a key. */
  readonly testPath: string;
  /** Headers that carry the provider credential; the pool key replaces them. */
  authHeaders(secret: string): Record<string, string>;
  /** Headers the provider requires that some clients leave out. */
  defaultHeaders(): Record<string, string>;
  /** A complete error body in the client's protocol. */
  errorBody(type: BridgeErrorType, message: string, code?: string, context?: ErrorContext): string;
  /** The answer to a token count the bridge estimated itself (the pool speaks another protocol). */
  tokenCountBody(tokens: number): JsonObject;
  /** A provider's refusal with `status` in this protocol's envelope, its type as this protocol names that status; `code` where the envelope has one. */
  statusErrorBody(status: number, message: string, code?: string): string;
  /** Bytes that end a committed stream with the protocol's own error (the endpoint's format's, else the first format's). */
  terminalStreamError(endpoint: Endpoint, message: string, facts: StreamFacts): string;
  /** Lifecycle events held back at the commit gate, of any of the protocol's formats. */
  isPreamble(event: SseEvent): boolean;
  /** Whether this event ends the stream normally, in any of the protocol's formats. */
  isTerminal(event: SseEvent): boolean;
  /** Text every event `isTerminal` accepts holds (its formats' `terminalMarks`). */
  readonly terminalMarks: readonly string[];
  /** Query parameters that ask a model list for a later page: the routes' models are offered on the first only. */
  readonly modelPageParams: readonly string[];
  /**
   * The model list in this protocol's shape: `routed` first, then the provider's own entries that are not among
   * them. `upstream` is the provider's list, or undefined when it could not be had (the routes' models alone).
   */
  listModels(routed: readonly ListedModel[], upstream: JsonObject | undefined): JsonObject;
}

/** The entries of a provider's model list, and only those that are objects with a string id. */
export function modelEntries(list: JsonObject | undefined): JsonObject[] {
  const data = list?.data;
  if (!Array.isArray(data)) return [];
  return data.filter((entry): entry is JsonObject => typeof entry === 'object' && entry !== null && typeof (entry as JsonObject).id === 'string');
}

/** Whether a format object (Chat `response_format`, Responses `text.format`, Anthropic `output_config.format`) asks for JSON. */
export function isJsonFormat(format: unknown): boolean {
  if (typeof format !== 'object' || format === null) return false;
  const type = (format as JsonObject).type;
  return type === 'json_schema' || type === 'json_object';
}

/**
 * The endpoint of a path below a pool's base URL, from a protocol's few paths; `other` for the rest. Compared one by
 * one rather than looked up: a fresh path string would be hashed for a map, and a length check ends most compares.
 */
export function endpointIn(paths: readonly (readonly [string, Endpoint])[], rest: string): Endpoint {
  for (let i = 0; i < paths.length; i++) if (paths[i][0] === rest) return paths[i][1];
  return 'other';
}
