import type { Protocol } from '../config';
import { protocolAdapter } from '../protocols/table';
import { asWire, stringOr, type Wire } from './wire';

/**
 * The error object of a provider's body: `{error: …}` in either protocol's shape, Gemini's `[{error: …}]` (its
 * OpenAI-compatible endpoint answers with the array of its own API), or the body itself where it is the error
 * (Mistral's `{object: "error", message, type}`).
 */
function errorOf(body: string): Wire | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: no error object (parsed stays undefined).
  }
  const json = asWire(Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed);
  if (!json) return undefined;
  if (typeof json.error === 'string') return { message: json.error };
  return asWire(json.error) ?? (json.object === 'error' ? json : undefined);
}

/** The provider's own words: the message of its error, or the body itself when it is short text. */
function messageOf(error: Wire | undefined, body: string): string {
  const message = error?.message;
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
  const error = errorOf(body);
  const message = `${messageOf(error, body)} (from pool "${pool}", translated)`;
  // The provider's own error type (Gemini's status) goes along as OpenAI's `code`, where a client's protocol has such a field.
  const code = stringOr(error?.type, '') || stringOr(error?.status, '') || undefined;
  return { status, body: protocolAdapter(client).statusErrorBody(status, message, code) };
}
