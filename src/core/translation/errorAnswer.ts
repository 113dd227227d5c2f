import type { Protocol } from '../config';
import { asWire, parseWire, stringOr, type Wire } from './wire';

/** Anthropic's error type for a status, as its API documents them. */
function anthropicType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** OpenAI's error type for a status: what its SDK and agents built on it read. */
function openaiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The provider's own words: the message of either protocol's error shape, or the body itself when it is short text. */
function messageOf(json: Wire | undefined, body: string): string {
  const error = json?.error;
  if (typeof error === 'string') return error;
  const message = asWire(error)?.message;
  if (typeof message === 'string') return message;
  // Not an error of either shape: an HTML page or plain text from a gateway in front of the provider.
  const text = body.trim();
  return text.length > 0 && text.length <= 500 && !text.startsWith('<') ? text : 'the provider refused the request';
}

/**
 * A provider's error answer, as the client's protocol writes it, so an agent's own handling (its retries on
 * 429, its messages) works unchanged behind a translated target. The status is kept. Only refusals come here
 * (4xx the request or the key caused): a provider failure (5xx, Anthropic's 529) is retried and failed over,
 * and when nothing is left the bridge answers it itself, with 502 (docs/ARCHITECTURE.md §2, step 6).
 */
export function translateErrorAnswer(client: Protocol, status: number, body: string, pool: string): { status: number; body: string } {
  const json = parseWire(body);
  const message = `${messageOf(json, body)} (from pool "${pool}", translated)`;
  if (client === 'anthropic') {
    return { status, body: JSON.stringify({ type: 'error', error: { type: anthropicType(status), message } }) };
  }
  const code = stringOr(asWire(json?.error)?.type, '') || null;
  return { status, body: JSON.stringify({ error: { message, type: openaiType(status), param: null, code } }) };
}
