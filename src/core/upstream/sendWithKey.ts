import type { IncomingHttpHeaders } from 'node:http';
import type { CancelSignal } from '../cancel';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import { protocolAdapter } from '../protocols/table';
import { buildUpstreamHeaders } from './headers';
import { splitBaseUrl, type UpstreamClient, type UpstreamResponse } from './upstreamClient';

export interface KeyedRequest {
  /** Path below the pool's base URL, query string included. */
  path: string;
  method: string;
  /** The client's headers, filtered on the way out; none for the bridge's own requests (key tests). */
  clientHeaders?: IncomingHttpHeaders;
  body: Buffer | undefined;
  signal: CancelSignal;
  headersTimeoutMs: number;
}

/**
 * The one way a pool key leaves the bridge: to the pool's base URL, with the protocol's default headers, the
 * pool's extra headers and the key in the protocol's auth header. Attempts, stream continuations and key
 * tests all send through here, so a header rule holds for every request that carries a key.
 */
export function sendWithKey(client: UpstreamClient, pool: KeyPool, key: KeyRecord, request: KeyedRequest): Promise<UpstreamResponse> {
  const adapter = protocolAdapter(pool.protocol);
  const { origin, basePath } = splitBaseUrl(pool.baseUrl);
  return client.send({
    origin,
    path: basePath + request.path,
    method: request.method,
    headers: buildUpstreamHeaders(request.clientHeaders ?? {}, adapter.defaultHeaders(), pool.extraHeaders, adapter.authHeaders(key.secret)),
    body: request.body,
    signal: request.signal,
    headersTimeoutMs: request.headersTimeoutMs,
  });
}
