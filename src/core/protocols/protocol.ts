import type { Protocol } from '../config';
import type { SseEvent } from './sse';

/** Which API a request is for; decides terminal stream errors and the parts of a body worth reading. */
export type Endpoint = 'chat' | 'responses' | 'embeddings' | 'models' | 'messages' | 'count_tokens' | 'other';

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

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

export interface ProtocolAdapter {
  readonly protocol: Protocol;
  /** Path, relative to a pool's base URL, of the cheap request that tests a key. */
  readonly testPath: string;
  /** Headers that carry the provider credential; the pool key replaces them. */
  authHeaders(secret: string): Record<string, string>;
  /** Headers the provider requires that some clients leave out. */
  defaultHeaders(): Record<string, string>;
  /** A complete error body in the client's protocol. */
  errorBody(type: BridgeErrorType, message: string, code?: string): string;
  /** Bytes that end a committed stream with the protocol's own error. */
  terminalStreamError(endpoint: Endpoint, message: string, facts: StreamFacts): string;
  /** Lifecycle events held back at the commit gate, so that a failure right after them can still fail over. */
  isPreamble(event: SseEvent): boolean;
  /** Whether this event ends the stream normally. */
  isTerminal(event: SseEvent): boolean;
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
