import type { IncomingHttpHeaders } from 'node:http';
import type { Protocol } from '../config';
import type { Endpoint } from '../protocols/protocol';

/** One client request, read and checked once, replayed on every attempt. */
export interface ProxyRequest {
  id: number;
  protocol: Protocol;
  endpoint: Endpoint;
  method: string;
  /** Client path as received, for logs. */
  path: string;
  /** Path below the pool's base URL, query string included. */
  upstreamPath: string;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  /** The parsed JSON body, when there is one; only read, never re-serialised unless a target renames the model. */
  json: Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
  /** Affinity handles: the session header, the Responses `previous_response_id`. */
  sessionId: string | undefined;
  previousResponseId: string | undefined;
  startedAt: number;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** The body for a target that renames the model; the original bytes otherwise. */
export function bodyForModel(request: ProxyRequest, model: string | undefined): Buffer | undefined {
  if (model === undefined || model === request.model || !request.json) return request.body;
  return Buffer.from(JSON.stringify({ ...request.json, model }));
}
