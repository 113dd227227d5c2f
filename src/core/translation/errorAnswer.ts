import type { Protocol } from '../config';
import { protocolAdapter } from '../protocols/table';
import { asWire, parseWire, stringOr, type Wire } from './wire';

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
  // The provider's own error type goes along as OpenAI's `code`, where a client's protocol has such a field.
  const code = stringOr(asWire(json?.error)?.type, '') || undefined;
  return { status, body: protocolAdapter(client).statusErrorBody(status, message, code) };
}
