import type { PrefillStyle } from '../configSchema';
import type { ContinuableEndpoint, StreamTranscript } from './streamTranscript';
import { asWire as asWireObject, type Wire as WireObject } from '../protocols/wire';
import { splitTrailingWhitespace } from './whitespaceJoin';

/** The route target that will continue the answer. */
export interface ContinuationTarget {
  /** The model to ask for, when the target renames it. */
  model?: string;
  /** How the target takes the start of an answer to continue: its pool's declared `prefill`. */
  prefill: PrefillStyle;
}

/** `prefilled`: the body ends with the delivered text as a prefill, so the answer carries on where it stopped. */
export type ContinuationPlan = { kind: 'request'; body: Record<string, unknown>; prefilled: boolean } | { kind: 'refused'; reason: string };

/** Said after the delivered text to a target that cannot take it as a prefill. */
export const CONTINUE_INSTRUCTION =
  'Your previous reply was cut off. Continue it from exactly where it stopped, even mid-word: do not repeat any of it, ' +
  'add no preamble or commentary, and start with the very next characters of the reply.';

/** Never ask for fewer output tokens than this: the rest of a sentence must fit. */
export const MIN_CONTINUATION_OUTPUT_TOKENS = 64;

const MAX_TOKEN_FIELDS: Record<ContinuableEndpoint, string[]> = {
  messages: ['max_tokens'],
  chat: ['max_tokens', 'max_completion_tokens'],
  responses: ['max_output_tokens'],
};

/**
 * The request that asks the next target for the rest of an interrupted answer:
 * the original request, plus the delivered text as the assistant's turn
 * (a prefill, or a finished turn followed by an instruction to continue).
 */
export function continuationRequest(
  endpoint: ContinuableEndpoint,
  originalBody: Record<string, unknown>,
  transcript: StreamTranscript,
  target: ContinuationTarget,
): ContinuationPlan {
  const refusal = transcript.notContinuableBecause ?? refusalFor(endpoint, originalBody);
  if (refusal) return { kind: 'refused', reason: refusal };
  const body: WireObject = { ...originalBody, stream: true };
  if (target.model) body.model = target.model;
  for (const field of MAX_TOKEN_FIELDS[endpoint]) {
    const limit = body[field];
    if (typeof limit === 'number' && Number.isFinite(limit)) body[field] = reducedLimit(limit, transcript.deliveredOutputTokens);
  }
  const delivered = transcript.text;
  const style = prefillStyle(endpoint, target.prefill);
  const prefilled = style !== 'none' && splitTrailingWhitespace(delivered).head !== '';
  if (endpoint === 'responses') {
    const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : [...(body.input as unknown[])];
    body.input = withAssistantTurn(input, delivered, style, false);
  } else {
    const messages = withAssistantTurn([...(body.messages as unknown[])], delivered, style, endpoint === 'messages');
    body.messages = messages;
    // Anthropic refuses a prefill while extended thinking is on, and a thinking block in the middle of the answer
    // would be signed by another account; the thinking behind this answer is over anyway.
    if (endpoint === 'messages' && splitTrailingWhitespace(delivered).head) delete body.thinking;
  }
  return { kind: 'request', body, prefilled };
}

/**
 * The prefill the request can carry. The Responses API has none (its input items are a
 * conversation, not the start of an answer); the prefix flag is a Chat Completions field,
 * and on Anthropic Messages a final assistant message is the prefill already.
 */
function prefillStyle(endpoint: ContinuableEndpoint, declared: PrefillStyle): PrefillStyle {
  if (endpoint === 'responses') return 'none';
  if (endpoint === 'messages' && declared === 'prefix') return 'assistant';
  return declared;
}

/** Requests a continuation cannot serve faithfully. */
function refusalFor(endpoint: ContinuableEndpoint, body: Record<string, unknown>): string | undefined {
  if (endpoint === 'responses') {
    // Stored state belongs to the account that answered; another target cannot read it (404), and without it the
    // continuation would not see the conversation it continues. The agent retrying the turn is the better outcome.
    if (body.previous_response_id != null) return 'the request continues a stored response (previous_response_id)';
    if (body.conversation != null) return 'the request belongs to a stored conversation';
    // Stored (the API's default), the answer may be chained to by id next turn; under that id the provider holds
    // only the interrupted part, or nothing, so the next turn would lose the rest or fail. Clients that send the
    // whole input each turn (Codex sends store: false) can be continued.
    if (body.store !== false) return 'the response is stored under its id (store is not false)';
    if (typeof body.input !== 'string' && !Array.isArray(body.input)) return 'the request has no input';
  } else if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return 'the request has no messages';
  } else if (endpoint === 'chat' && typeof body.n === 'number' && body.n > 1) {
    return 'the request asks for several choices';
  }
  // A second model told to continue a JSON document writes a new one; the joined text would not parse.
  if (structuredOutput(endpoint, body)) return 'the request asks for structured output';
  return undefined;
}

function structuredOutput(endpoint: ContinuableEndpoint, body: Record<string, unknown>): boolean {
  const isJsonFormat = (format: unknown): boolean => {
    const type = asWireObject(format)?.type;
    return type === 'json_schema' || type === 'json_object';
  };
  if (endpoint === 'chat') return isJsonFormat(body.response_format);
  if (endpoint === 'responses') return isJsonFormat(asWireObject(body.text)?.format);
  return body.output_format != null || isJsonFormat(asWireObject(body.output_config)?.format);
}

function reducedLimit(limit: number, produced: number): number {
  return Math.min(limit, Math.max(MIN_CONTINUATION_OUTPUT_TOKENS, limit - produced));
}

/**
 * Adds the delivered text as the assistant's turn, without its trailing whitespace:
 * Anthropic rejects a final assistant message ending in whitespace, and the splice
 * drops the whitespace the continuation repeats. With a prefill the turn is last
 * (and, for `prefix`, carries `"prefix": true`, as Mistral and DeepSeek take it);
 * otherwise an instruction to continue follows it. On Anthropic the text extends
 * the client's own prefill. Nothing but whitespace delivered: the request stays as
 * it was and the target answers from the start.
 */
function withAssistantTurn(messages: unknown[], delivered: string, style: PrefillStyle, clientPrefilled: boolean): unknown[] {
  const { head } = splitTrailingWhitespace(delivered);
  if (!head) return messages;
  const last = asWireObject(messages[messages.length - 1]);
  if (clientPrefilled && last?.role === 'assistant' && isTextOnly(last.content)) {
    messages[messages.length - 1] = { ...last, content: trimEndOfContent(appendText(last.content, delivered)) };
  } else {
    messages.push(style === 'prefix' ? { role: 'assistant', content: head, prefix: true } : { role: 'assistant', content: head });
  }
  if (style === 'none') messages.push({ role: 'user', content: CONTINUE_INSTRUCTION });
  return messages;
}

function isTextOnly(content: unknown): boolean {
  if (typeof content === 'string') return true;
  return Array.isArray(content) && content.every((part) => ['text', 'output_text', 'input_text'].includes(String(asWireObject(part)?.type)));
}

function appendText(content: unknown, text: string): unknown {
  if (typeof content === 'string') return content + text;
  const parts = [...(content as WireObject[])];
  const lastPart = parts.at(-1);
  if (!lastPart) return text;
  parts[parts.length - 1] = { ...lastPart, text: textOf(lastPart) + text };
  return parts;
}

function trimEndOfContent(content: unknown): unknown {
  if (typeof content === 'string') return content.trimEnd();
  if (!Array.isArray(content) || content.length === 0) return content;
  const parts = [...(content as WireObject[])];
  const lastPart = parts.at(-1);
  if (lastPart) parts[parts.length - 1] = { ...lastPart, text: textOf(lastPart).trimEnd() };
  return parts;
}

function textOf(part: WireObject): string {
  return typeof part.text === 'string' ? part.text : '';
}
