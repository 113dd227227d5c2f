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
}
