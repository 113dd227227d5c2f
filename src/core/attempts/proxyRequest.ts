import type { IncomingHttpHeaders } from 'node:http';
import type { CancelSignal } from '../cancel';
import type { Protocol } from '../config';
import type { MemoryBudget } from '../memoryBudget';
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
  /** The JSON body, decoded on demand: it is re-serialised only when a target renames the model. */
  decodeJson: (() => Record<string, unknown>) | undefined;
  model: string | undefined;
  stream: boolean;
  /** Set where the path names the model (Gemini): the upstream path for another model; the body never names one. */
  pathForModel?: (model: string) => string;
  /** Its path asks for the answer as a list of chunks (Gemini's stream without `alt=sse`): a translated answer is written as a list of one. */
  answerInList?: boolean;
  /** Affinity handles: the session header, the Responses `previous_response_id`. */
  sessionId: string | undefined;
  previousResponseId: string | undefined;
  /** Its body holds reasoning our carrier took through the client for a Chat provider, found as the body was read. */
  carriedReasoning: boolean;
  startedAt: number;
  /** Aborts when the client goes away. */
  signal: CancelSignal;
  /** The memory budget request bodies share; what an answer holds is reserved from it too. */
  memory: MemoryBudget;
}

/** Whether a target asking for `model` gets the client's body rewritten with another model name. */
export function renamesModel(request: ProxyRequest, model: string | undefined): boolean {
  return model !== undefined && model !== request.model && request.decodeJson !== undefined && request.pathForModel === undefined;
}

/** The path below the pool's base URL for a target asking for `model`: the client's, or one naming the target's model where the path names it. */
export function pathForModel(request: ProxyRequest, model: string | undefined): string {
  return model === undefined || model === request.model || request.pathForModel === undefined ? request.upstreamPath : request.pathForModel(model);
}

/** The body for a target that renames the model; the original bytes otherwise. */
export function bodyForModel(request: ProxyRequest, model: string | undefined): Buffer | undefined {
  if (!renamesModel(request, model) || !request.decodeJson) return request.body;
  return Buffer.from(JSON.stringify({ ...request.decodeJson(), model }));
}
