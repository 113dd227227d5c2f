import { randomBytes } from 'node:crypto';
import type { AnswerSink, FinishReason, UsageReport } from '../../conversation/answerEvents';
import { asWire, numberOr, stringOr, wireArray, type Wire } from '../wire';

/**
 * Chat's finish_reason in our terms. Providers add their own: DeepSeek's `insufficient_system_resource` and
 * Mistral's `error` stop an answer that is not finished; `model_length` is Mistral's full context window.
 */
const FINISH: Partial<Record<string, FinishReason>> = {
  stop: 'end',
  eos: 'end',
  length: 'max_tokens',
  model_length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
  insufficient_system_resource: 'cut',
  error: 'cut',
};

/** Gemini's OpenAI endpoint says `stop` after tool calls: an answer that made calls is waiting for their results. */
export function chatFinish(finish: string, madeCalls: boolean): FinishReason {
  const reason = FINISH[finish] ?? 'end';
  return reason === 'end' && madeCalls ? 'tool_use' : reason;
}

/**
 * A Chat usage object in our terms. Cache hits are OpenAI's `prompt_tokens_details.cached_tokens`, DeepSeek's
 * `prompt_cache_hit_tokens` or Moonshot's `cached_tokens`; Chat providers report no cache writes.
 */
export function chatUsage(usage: Wire): UsageReport {
  const cached = asWire(usage.prompt_tokens_details)?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? usage.cached_tokens;
  return {
    input: numberOr(usage.prompt_tokens, undefined),
    output: numberOr(usage.completion_tokens, undefined),
    cacheRead: numberOr(cached, undefined),
    reasoning: numberOr(asWire(usage.completion_tokens_details)?.reasoning_tokens, undefined),
  };
}

/**
 * Where a Chat chunk or completion reports usage: `usage` (OpenAI, and the last chunk with empty `choices` under
 * `stream_options.include_usage`), Groq's `x_groq.usage`, or Moonshot's `usage` inside the choice.
 */
export function reportedUsage(json: Wire, choice: Wire | undefined): Wire | undefined {
  return asWire(json.usage) ?? asWire(asWire(json.x_groq)?.usage) ?? asWire(choice?.usage);
}

/**
 * Reasoning in a Chat message or delta: `reasoning_content` (DeepSeek, Kimi, xAI, vLLM) or `reasoning`
 * (OpenRouter, Groq). OpenRouter's `reasoning_details` repeats `reasoning` in parts, so it is not read again.
 */
export function reasoningText(message: Wire): string {
  const text = message.reasoning_content ?? message.reasoning ?? message.thinking;
  return typeof text === 'string' ? text : '';
}

/** Reasoning given only as OpenRouter's `reasoning_details` (encrypted, or a summary without `reasoning` beside it). */
export function hasReasoningDetails(message: Wire): boolean {
  return Array.isArray(message.reasoning_details) && message.reasoning_details.length > 0;
}

/**
 * A content field into the sink: a string, or Mistral's list of chunks, where reasoning models put `thinking`
 * chunks (each a list of text chunks) beside the text. Anything else (null, a field left out) says nothing.
 */
export function readContent(content: unknown, sink: AnswerSink): void {
  if (typeof content === 'string') {
    if (content !== '') sink.text(content);
    return;
  }
  for (const part of wireArray(content)) {
    if (part.type === 'text') {
      const text = stringOr(part.text, '');
      if (text !== '') sink.text(text);
    } else if (part.type === 'thinking') {
      for (const inner of wireArray(part.thinking)) {
        const text = stringOr(inner.text, '');
        if (text !== '') sink.reasoning(text);
      }
    }
  }
}

/** Gemini's thought signature on a tool call (`extra_content.google.thought_signature`), if it sent one. */
export function thoughtSignature(call: Wire): string | undefined {
  const signature = asWire(asWire(call.extra_content)?.google)?.thought_signature;
  return typeof signature === 'string' && signature !== '' ? signature : undefined;
}

/** A tool call's arguments as text: a string as it came, an object (which some providers send) as its JSON. */
export function argumentsText(args: unknown): string {
  if (typeof args === 'string') return args;
  return args != null && typeof args === 'object' ? JSON.stringify(args) : '';
}

/**
 * An id for a tool call the provider sent without one (the legacy `function_call`, some compatible servers): unique
 * to this answer, so the calls of two answers never share an id in the client's history, where each pairs with
 * its result. Drawn only when an id is missing.
 */
export function madeUpCallIds(): (index: number) => string {
  let prefix: string | undefined;
  return (index) => `call_kb${(prefix ??= randomBytes(6).toString('hex'))}_${index}`;
}
