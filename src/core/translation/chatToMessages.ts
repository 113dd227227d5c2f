import type { SseEvent } from '../protocols/sse';
import { passPieces, type PieceRedactor, type StreamTranslator } from './streamTranslator';
import { asWire, numberOr, parseWire, stringOr, toolArguments, wireArray, type Wire } from './wire';

/** Chat's finish_reason as Anthropic's stop_reason. Chat does not say whether a stop sequence ended the answer. */
const STOP_REASONS: Partial<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** Gemini's OpenAI endpoint streams `stop` after tool calls: an answer that made calls is waiting for their results. */
function stopReason(finish: unknown, madeCalls: boolean): string {
  const reason = (typeof finish === 'string' ? STOP_REASONS[finish] : undefined) ?? 'end_turn';
  return reason === 'end_turn' && madeCalls ? 'tool_use' : reason;
}

/**
 * Chat usage as Anthropic's: Anthropic counts cache reads apart from `input_tokens`, Chat counts them inside
 * `prompt_tokens`. Cache writes are not reported by Chat providers, so none are claimed.
 */
function messagesUsage(usage: Wire | undefined): Wire {
  const prompt = numberOr(usage?.prompt_tokens, 0);
  const cached = asWire(usage?.prompt_tokens_details)?.cached_tokens;
  const cacheRead = numberOr(cached, 0);
  const out: Wire = { input_tokens: prompt - cacheRead, output_tokens: numberOr(usage?.completion_tokens, 0) };
  if (cacheRead > 0) out.cache_read_input_tokens = cacheRead;
  return out;
}

/** A non-streamed Chat Completions answer as an Anthropic message, under the model name the client knows. */
export function chatToMessagesResponse(chat: Wire, model: string): Wire {
  const choice = wireArray(chat.choices).at(0);
  const message = asWire(choice?.message);
  const content: Wire[] = [];
  const text = message?.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const call of wireArray(message?.tool_calls)) {
    const fn = asWire(call.function);
    content.push({ type: 'tool_use', id: stringOr(call.id, ''), name: stringOr(fn?.name, ''), input: toolArguments(fn?.arguments) });
  }
  return {
    id: `msg_${stringOr(chat.id, 'keybridge')}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(choice?.finish_reason, content.some((block) => block.type === 'tool_use')),
    stop_sequence: null,
    usage: messagesUsage(asWire(chat.usage)),
  };
}

function event(name: string, payload: Wire): SseEvent {
  return { name, data: JSON.stringify(payload) };
}

/**
 * A Chat Completions stream as an Anthropic Messages stream, event by event: text deltas as text_delta,
 * tool-call argument fragments as input_json_delta the moment they arrive (never buffered to the end), the
 * finish reason and usage in the one message_delta, then message_stop. Reasoning deltas are not passed on: an
 * unsigned thinking block would be refused when the client sends it back to Anthropic.
 */
export class ChatToMessagesStream implements StreamTranslator {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  /** The Anthropic block open now: a text block, or the tool call of this Chat index. */
  private open: { kind: 'text'; index: number } | { kind: 'tool'; index: number; call: number | undefined; id: string } | undefined;
  private calls = 0;
  private finish: unknown;
  private usage: Wire | undefined;

  constructor(
    private readonly model: string,
    private readonly redact: PieceRedactor = passPieces,
  ) {}

  /** Nothing is held: every event goes out as it is translated. */
  readonly heldChars = 0;

  get finishSeen(): boolean {
    return this.finish != null;
  }

  /** The client's events for one upstream event; `[DONE]` ends the message. */
  push(upstream: SseEvent): SseEvent[] {
    if (upstream.data === undefined || this.finished) return [];
    if (upstream.data === '[DONE]') return this.end();
    const chunk = parseWire(upstream.data);
    if (!chunk) return [];
    const out: SseEvent[] = [];
    if (!this.started) out.push(this.start(chunk));
    const usage = asWire(chunk.usage);
    if (usage) this.usage = usage;
    for (const choice of wireArray(chunk.choices)) {
      const delta = asWire(choice.delta);
      if (typeof delta?.content === 'string' && delta.content !== '') out.push(...this.text(delta.content));
      for (const call of wireArray(delta?.tool_calls)) out.push(...this.toolCall(call));
      if (choice.finish_reason != null) this.finish = choice.finish_reason;
    }
    return out;
  }

  /** Closes the message: what an upstream that ends without `[DONE]` but with a finish reason also needs. */
  end(): SseEvent[] {
    if (this.finished) return [];
    this.finished = true;
    const out: SseEvent[] = this.started ? [] : [this.start({})];
    out.push(...this.closeBlock());
    out.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(this.finish, this.calls > 0), stop_sequence: null }, usage: messagesUsage(this.usage) }));
    out.push(event('message_stop', { type: 'message_stop' }));
    return out;
  }

  private start(chunk: Wire): SseEvent {
    this.started = true;
    const message = { id: `msg_${stringOr(chunk.id, 'keybridge')}`, type: 'message', role: 'assistant', model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return event('message_start', { type: 'message_start', message });
  }

  private text(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.open?.kind !== 'text') {
      out.push(...this.closeBlock());
      this.open = { kind: 'text', index: this.nextIndex++ };
      out.push(event('content_block_start', { type: 'content_block_start', index: this.open.index, content_block: { type: 'text', text: '' } }));
    }
    const piece = this.redact(String(this.open.index), text);
    out.push(event('content_block_delta', { type: 'content_block_delta', index: this.open.index, delta: { type: 'text_delta', text: piece } }));
    return out;
  }

  private toolCall(call: Wire): SseEvent[] {
    const out: SseEvent[] = [];
    const fn = asWire(call.function);
    let open = this.open?.kind === 'tool' ? this.open : undefined;
    if (!continuesCall(open, call)) {
      // Providers stream one call after another; a new call index or id opens the next tool_use block.
      out.push(...this.closeBlock());
      const id = stringOr(call.id, '') || `call_${numberOr(call.index, this.calls)}`;
      this.calls++;
      open = { kind: 'tool', index: this.nextIndex++, call: typeof call.index === 'number' ? call.index : undefined, id };
      this.open = open;
      const block = { type: 'tool_use', id, name: stringOr(fn?.name, ''), input: {} };
      out.push(event('content_block_start', { type: 'content_block_start', index: open.index, content_block: block }));
    }
    const args = fn?.arguments;
    if (typeof args === 'string' && args !== '') {
      const piece = this.redact(String(open.index), args);
      out.push(event('content_block_delta', { type: 'content_block_delta', index: open.index, delta: { type: 'input_json_delta', partial_json: piece } }));
    }
    return out;
  }

  private closeBlock(): SseEvent[] {
    if (!this.open) return [];
    const index = this.open.index;
    this.open = undefined;
    return [event('content_block_stop', { type: 'content_block_stop', index })];
  }
}

/**
 * Whether a Chat tool-call fragment continues the open call. OpenAI numbers calls by `index`; Gemini sends no index,
 * or 0 for every call, so a new `id` also starts the next call. A fragment with neither continues the open one.
 */
export function continuesCall<T extends { call: number | undefined; id: string }>(open: T | undefined, call: Wire): open is T {
  if (!open) return false;
  if (typeof call.index === 'number' && open.call !== undefined && call.index !== open.call) return false;
  const id = stringOr(call.id, '');
  return id === '' || id === open.id;
}
