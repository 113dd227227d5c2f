import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { MemoryLease } from '../memoryBudget';
import type { WireFormat } from '../protocols/protocol';
import { RELAYED_ROUTING } from '../protocols/table';
import { holdsCarriedReasoning } from '../translation/thinking';

/** Why a request is turned away while too many large bodies are in memory. */
export const BODY_BUDGET_SPENT = 'too many large request bodies are in memory at once; nothing was sent to the provider, retry shortly';

export class RequestBodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the whole body once (it is replayed on every attempt), refusing more than `limit` bytes.
 * With a lease holding `reserved` bytes of the body budget, bytes past those are taken from the budget as they arrive.
 */
export async function readRequestBody(req: IncomingMessage, limit: number, lease?: MemoryLease, reserved = 0): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new RequestBodyError(413, `request body of ${declared} bytes is over the ${limit}-byte limit`);
  }
  // A body that came in the read that brought its headers is in the request's buffer once Node's parser has
  // handed it over, a microtask later (before the parser marks the request complete): when it is all the declared
  // bytes, it is taken in one read, with no listeners and no wait for the 'end' event (docs/ARCHITECTURE.md §2).
  // Anything else is read as it arrives.
  if (declared > 0 && declared <= reserved) {
    await Promise.resolve();
    // The request is then left unread to its end (no 'end' or 'close' event: nothing here listens, and Node's
    // server tracks the request's completion in its parser): resuming it and the answer's body cost 2 % of a small
    // request's CPU (upstream/bodyRelay.ts).
    if (req.readableLength === declared) return req.read() as Buffer;
  }
  return readAsItArrives(req, limit, lease, reserved);
}

function readAsItArrives(req: IncomingMessage, limit: number, lease: MemoryLease | undefined, reserved: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new RequestBodyError(413, `request body is over the ${limit}-byte limit`));
        return;
      }
      if (lease && size > reserved) {
        if (!lease.grow(size - reserved)) {
          cleanup();
          reject(new RequestBodyError(503, BODY_BUDGET_SPENT));
          return;
        }
        reserved = size;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export interface RequestFields {
  /** The body as UTF-8 JSON, decoded on first call: only a target that renames the model needs it. */
  decodeJson: (() => Record<string, unknown>) | undefined;
  model: string | undefined;
  stream: boolean;
  previousResponseId: string | undefined;
  /** Holds reasoning our carrier took through the client (only looked for where the format carries it). */
  carriedReasoning: boolean;
}

function parseUtf8(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RequestBodyError(400, `request body is not valid JSON: ${(error as Error).message.slice(0, 120)}`);
  }
}

interface LazyJson {
  body: Buffer;
  parsed: Record<string, unknown> | undefined;
}

function decoded(lazy: LazyJson): Record<string, unknown> {
  return (lazy.parsed ??= parseUtf8(lazy.body) as Record<string, unknown>);
}

const NON_ASCII = /[^\x00-\x7f]/;

/** The parts of a path's format the body's reading needs; a path with no format of its own is relayed as it is. */
type BodyFormat = Pick<WireFormat, 'routing' | 'carriesReasoning'>;
const RELAYED: BodyFormat = { routing: RELAYED_ROUTING, carriesReasoning: false };

/** Checks a JSON body and reads the few fields routing needs, under the names its format gives them. */
export function parseRequestFields(body: Buffer, contentType: string | undefined, format: BodyFormat = RELAYED): RequestFields {
  if (body.length === 0) return { decodeJson: undefined, model: undefined, stream: false, previousResponseId: undefined, carriedReasoning: false };
  if (contentType !== undefined && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim())) {
    throw new RequestBodyError(415, `content-type "${contentType.slice(0, 80)}" is not supported; send application/json`);
  }
  if (!isUtf8(body)) throw new RequestBodyError(400, 'request body is not valid UTF-8');
  // Agents send big contexts, and decoding one with any non-ASCII text into a JS string costs more than parsing it.
  // JSON's syntax is ASCII and every byte of a multi-byte UTF-8 character is ≥ 0x80, so read as latin1 the body has
  // exactly the structure and validity of its UTF-8 text; only string values holding non-ASCII read differently.
  // Routing's few fields come from the UTF-8 parse when they hold any, as does `decodeJson`.
  let view: unknown;
  try {
    view = JSON.parse(body.toString('latin1'));
  } catch {
    view = parseUtf8(body); // throws, with the UTF-8 text's own message
  }
  if (!view || typeof view !== 'object' || Array.isArray(view)) throw new RequestBodyError(400, 'request body must be a JSON object');
  const fields = view as Record<string, unknown>;
  const lazy: LazyJson = { body, parsed: undefined };
  const { routing } = format;
  return {
    decodeJson: () => decoded(lazy),
    model: textField(fields, lazy, routing.model),
    stream: fields[routing.stream] === true,
    previousResponseId: routing.previousResponse === undefined ? undefined : textField(fields, lazy, routing.previousResponse),
    // The carrier's mark and the fields it sits in are ASCII, so the latin1 view finds exactly what the UTF-8 text holds.
    carriedReasoning: format.carriesReasoning && holdsCarriedReasoning(fields),
  };
}

function textField(fields: Record<string, unknown>, lazy: LazyJson, name: string): string | undefined {
  const value = fields[name];
  if (typeof value !== 'string') return undefined;
  return NON_ASCII.test(value) ? (decoded(lazy)[name] as string) : value;
}
