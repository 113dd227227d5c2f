import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { BridgeErrorType, ProtocolAdapter } from './protocol';

/**
 * Answers with an error in the client's own protocol, so its SDK shows our message. Lives with the
 * protocols because the server (refusals) and the attempt loop (exhaustion) both answer this way.
 */
export function sendError(
  res: ServerResponse,
  adapter: ProtocolAdapter,
  status: number,
  type: BridgeErrorType,
  message: string,
  headers: OutgoingHttpHeaders = {},
  code?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const retryAfterMs = Number(headers['retry-after-ms']);
  const body = adapter.errorBody(type, message, code, { status, retryAfterMs: Number.isFinite(retryAfterMs) ? retryAfterMs : undefined });
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-keybridge-error': '1',
  });
  res.end(body);
}
