import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';

export class RequestBodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the whole body once (it is replayed on every attempt), refusing more than `limit` bytes. */
export function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new RequestBodyError(413, `request body of ${declared} bytes is over the ${limit}-byte limit`));
  }
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
  json: Record<string, unknown> | undefined;
  model: string | undefined;
  stream: boolean;
  previousResponseId: string | undefined;
}

/** Checks a JSON body and reads the few fields routing needs. */
export function parseRequestFields(body: Buffer, contentType: string | undefined): RequestFields {
  if (body.length === 0) return { json: undefined, model: undefined, stream: false, previousResponseId: undefined };
  if (contentType !== undefined && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim())) {
    throw new RequestBodyError(415, `content-type "${contentType.slice(0, 80)}" is not supported; send application/json`);
  }
  if (!isUtf8(body)) throw new RequestBodyError(400, 'request body is not valid UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RequestBodyError(400, `request body is not valid JSON: ${(error as Error).message.slice(0, 120)}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RequestBodyError(400, 'request body must be a JSON object');
  const json = parsed as Record<string, unknown>;
  return {
    json,
    model: typeof json.model === 'string' ? json.model : undefined,
    stream: json.stream === true,
    previousResponseId: typeof json.previous_response_id === 'string' ? json.previous_response_id : undefined,
  };
}
