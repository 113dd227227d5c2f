import { Agent, type Dispatcher } from 'undici';
import type { CancelSignal } from '../cancel';
import type { Tuning } from '../config';

export interface UpstreamRequest {
  origin: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: CancelSignal;
  headersTimeoutMs: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * The one undici Agent the core owns: keep-alive, one pool per origin.
 * Never installed as the global dispatcher, so other extensions' `fetch` is untouched.
 */
export class UpstreamClient {
  private readonly agent: Agent;

  constructor(tuning: Pick<Tuning, 'connectTimeoutMs' | 'firstByteTimeoutMs'>) {
    this.agent = new Agent({
      connect: { timeout: tuning.connectTimeoutMs },
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: tuning.firstByteTimeoutMs,
      // Idle gaps between chunks are timed by the relay, which knows how to end each protocol's stream.
      bodyTimeout: 0,
      maxHeaderSize: 64 * 1024,
    });
  }

  send(request: UpstreamRequest): Promise<UpstreamResponse> {
    return this.agent.request({
      origin: request.origin,
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      // undici reads `aborted` and `reason` and adds and removes an abort listener: a CancelSignal is all it uses.
      signal: request.signal,
      headersTimeout: request.headersTimeoutMs,
      bodyTimeout: 0,
    });
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

const splitBaseUrls = new Map<string, { origin: string; basePath: string }>();

/** Splits a pool base URL into the origin undici pools by and the path prefix requests extend. */
export function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  // Called on every attempt with one of a handful of pool URLs: parse each once.
  let split = splitBaseUrls.get(baseUrl);
  if (!split) {
    const url = new URL(baseUrl);
    split = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
    if (splitBaseUrls.size >= 256) splitBaseUrls.clear();
    splitBaseUrls.set(baseUrl, split);
  }
  return { origin: split.origin, basePath: split.basePath };
}

/**
 * Reads at most `limit` bytes of a body, then discards the rest; for error
 * bodies we must classify. Rejects with code ERROR_BODY_TIMEOUT when the body
 * does not end within `timeoutMs` (the upstream client sets no body timeout).
 */
export async function readBounded(
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown },
  limit: number,
  timeoutMs = 10_000,
): Promise<{ raw: Buffer; text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const timer = setTimeout(() => body.destroy(Object.assign(new Error('error body did not arrive in time'), { code: 'ERROR_BODY_TIMEOUT' })), timeoutMs);
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limit) {
        truncated = true;
        break; // leaving the loop destroys the body
      }
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
  }
  const raw = Buffer.concat(chunks);
  return { raw, text: raw.toString('utf8'), truncated };
}

const ignore = (): void => undefined;

/**
 * Drops an upstream body we no longer want: the socket is released (or closed
 * mid-answer, which aborts the provider's work). undici reports the destroy as
 * an 'error' event, which must not become an uncaught exception.
 */
export function discardBody(body: { on(event: 'error', listener: (error: Error) => void): unknown; destroy(): unknown; destroyed?: boolean }): void {
  body.on('error', ignore);
  if (!body.destroyed) body.destroy();
}
