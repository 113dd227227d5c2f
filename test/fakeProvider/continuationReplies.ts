import { asObject, type Json } from './sse';
import type { Endpoint, Responder } from './types';

/** The text of an assistant turn as a request carries it (string content, or text parts). */
function assistantText(message: unknown): string | undefined {
  const m = asObject(message);
  if (m.role !== 'assistant') return undefined;
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.content)) return undefined;
  return m.content
    .map((part) => asObject(part))
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

/**
 * The start of `fullText` a continuation request says was delivered: its last assistant
 * turn (a prefill, or the turn before an instruction to continue) when that turn is a
 * start of the text; undefined for a request that asks for the answer from the beginning.
 */
function deliveredStartOf(fullText: string, endpoint: Endpoint, body: Json): string | undefined {
  const turns = endpoint === 'responses' ? body.input : body.messages;
  if (!Array.isArray(turns)) return undefined;
  for (let i = turns.length - 1; i >= 0; i--) {
    const text = assistantText(turns[i]);
    if (text !== undefined && text !== '' && fullText.startsWith(text)) return text;
  }
  return undefined;
}

/**
 * A Responder for continuation tests: every request is answered with what is left of
 * `fullText` after the text its last assistant turn already holds, so the original
 * request gets the whole text (for a fault to cut) and a continuation gets the rest.
 * What a continuation asked for is kept in `asked`, in order.
 */
export function restOfText(fullText: string): Responder & { asked: Array<{ delivered: string | undefined; rest: string }> } {
  const asked: Array<{ delivered: string | undefined; rest: string }> = [];
  const responder = ((req) => {
    const delivered = deliveredStartOf(fullText, req.endpoint, asObject(req.body));
    const rest = fullText.slice(delivered?.length ?? 0);
    asked.push({ delivered, rest });
    return { text: rest };
  }) as Responder & { asked: typeof asked };
  responder.asked = asked;
  return responder;
}

/** The text a continuation request says was delivered (see deliveredStartOf), or undefined for a first request. */
function deliveredIn(fullText: string, req: Parameters<Responder>[0]): string | undefined {
  return deliveredStartOf(fullText, req.endpoint, asObject(req.body));
}

/**
 * A model that ignores what was delivered and answers again from the beginning, as models
 * asked to continue without a prefill often do: every request gets the whole text.
 */
export function restartingText(fullText: string): Responder {
  return () => ({ text: fullText });
}

/**
 * A model that restarts the sentence it was cut in: a continuation gets the text from the start
 * of the word at least `back` characters before the end of what was delivered.
 */
export function restartingSentence(fullText: string, back = 24): Responder {
  return (req) => {
    const delivered = deliveredIn(fullText, req);
    if (delivered === undefined) return { text: fullText };
    const from = fullText.lastIndexOf(' ', Math.max(0, delivered.length - back)) + 1;
    return { text: fullText.slice(from) };
  };
}

/** A model that answers a continuation with another answer that begins like the first (`other`). */
export function divergingText(fullText: string, other: string): Responder {
  return (req) => ({ text: deliveredIn(fullText, req) === undefined ? fullText : other });
}

/**
 * A Chat model with prefix completion (Mistral; DeepSeek's beta): it continues a last assistant
 * message marked `"prefix": true`, and answers anything else from the beginning, as a model handed
 * a finished assistant turn would. `asked` keeps whether each continuation came as a prefix.
 */
export function prefixCompletion(fullText: string): Responder & { asked: boolean[] } {
  const asked: boolean[] = [];
  const responder = ((req) => {
    const delivered = deliveredIn(fullText, req);
    if (delivered === undefined) return { text: fullText };
    const messages = asObject(req.body).messages;
    const last = Array.isArray(messages) ? asObject(messages[messages.length - 1]) : {};
    const prefixed = last.role === 'assistant' && last.prefix === true;
    asked.push(prefixed);
    return { text: prefixed ? fullText.slice(delivered.length) : fullText };
  }) as Responder & { asked: boolean[] };
  responder.asked = asked;
  return responder;
}
