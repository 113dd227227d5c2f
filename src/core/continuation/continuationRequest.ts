import type { PrefillStyle } from '../configSchema';
import type { ContinuationFacts, WireFormat } from '../protocols/protocol';
import { wireFormatOf } from '../protocols/table';
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
  const format = wireFormatOf(endpoint) as WireFormat;
  const facts = format.continuation;
  const refusal = transcript.notContinuableBecause ?? refusalFor(facts, originalBody);
  if (refusal) return { kind: 'refused', reason: refusal };
  const body: WireObject = { ...originalBody, stream: true };
  if (target.model) body.model = target.model;
  for (const field of facts.limitFields) {
    const limit = body[field];
    if (typeof limit === 'number' && Number.isFinite(limit)) body[field] = reducedLimit(limit, transcript.deliveredOutputTokens);
  }
  const delivered = transcript.text;
  const style = facts.prefill(target.prefill);
  const prefilled = style !== 'none' && splitTrailingWhitespace(delivered).head !== '';
  // The refusals let through only a list of turns, or the Responses API's input as a bare string (a user turn).
  const turns = body[facts.turnsField];
  const list = typeof turns === 'string' ? [{ role: 'user', content: turns }] : [...(turns as unknown[])];
  body[facts.turnsField] = withAssistantTurn(list, delivered, style, facts.clientPrefill);
  if (facts.prefillDropsThinking && splitTrailingWhitespace(delivered).head) delete body.thinking;
  return { kind: 'request', body, prefilled };
}

/** Requests a continuation cannot serve faithfully (each format's own reasons are its table entry's). */
function refusalFor(facts: ContinuationFacts, body: Record<string, unknown>): string | undefined {
  const own = facts.refusal(body);
  if (own) return own;
  // A second model told to continue a JSON document writes a new one; the joined text would not parse.
  if (facts.structuredOutput(body)) return 'the request asks for structured output';
  return undefined;
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
