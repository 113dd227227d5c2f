import type { SseEvent } from '../protocols/sse';
import { passPieces, type PieceRedactor, type StreamTranslator } from './streamTranslator';
import { asWire, contentText, numberOr, parseWire, stringOr, wireArray, type Wire } from './wire';

/** Anthropic's stop_reason as Chat's finish_reason. */
const FINISH_REASONS: Partial<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

function finishReason(stop: unknown): string {
  return (typeof stop === 'string' ? FINISH_REASONS[stop] : undefined) ?? 'stop';
}

const count = (value: unknown): number => numberOr(value, 0);

/** Anthropic usage as Chat's: Chat counts cache reads and writes inside prompt_tokens, and reads again as cached_tokens. */
function chatUsage(input: Wire | undefined, outputTokens: number): Wire {
  const cacheRead = count(input?.cache_read_input_tokens);
  const prompt = count(input?.input_tokens) + cacheRead + count(input?.cache_creation_input_tokens);
  const usage: Wire = { prompt_tokens: prompt, completion_tokens: outputTokens, total_tokens: prompt + outputTokens };
  if (cacheRead > 0) usage.prompt_tokens_details = { cached_tokens: cacheRead };
  return usage;
}

/** A non-streamed Anthropic answer as a Chat completion, under the model name the client knows. */
export function messagesToChatResponse(message: Wire, model: string, created: number): Wire {
  const blocks = wireArray(message.content);
  const text = contentText(blocks, '');
  const calls = blocks
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: stringOr(b.id, ''), type: 'function', function: { name: stringOr(b.name, ''), arguments: JSON.stringify(b.input ?? {}) } }));
  const reply: Wire = { role: 'assistant', content: text === '' && calls.length ? null : text };
  if (calls.length) reply.tool_calls = calls;
  const usage = asWire(message.usage);
  return {
    id: `chatcmpl-${stringOr(message.id, 'keybridge')}`,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: reply, finish_reason: finishReason(message.stop_reason), logprobs: null }],
    usage: chatUsage(usage, count(usage?.output_tokens)),
  };
}

/**
 * An Anthropic Messages stream as a Chat Completions stream, event by event: the role first, text deltas as
 * content, each tool_use block as the next tool call with its argument fragments passed on as they arrive, the
 * finish reason once, usage in a last chunk when the client asked for it, then [DONE]. Thinking is not passed
 * on: Chat has no field a client would send back, and its signature is for Anthropic alone.
 */
export class MessagesToChatStream implements StreamTranslator {
  private id = 'chatcmpl-keybridge';
  private inputUsage: Wire | undefined;
  private outputTokens = 0;
  private finish: unknown;
  private finished = false;
  /** Anthropic block index → Chat tool call index, for the tool_use blocks of this answer. */
  private readonly toolCalls = new Map<number, number>();

  constructor(
    private readonly model: string,
    private readonly created: number,
    /** The client set stream_options.include_usage: a last chunk carries usage. */
    private readonly includeUsage: boolean,
    private readonly redact: PieceRedactor = passPieces,
  ) {}

  /** Nothing is held: every event goes out as it is translated. */
  readonly heldChars = 0;

  get finishSeen(): boolean {
    return this.finish != null;
  }

  push(upstream: SseEvent): SseEvent[] {
    if (upstream.data === undefined || this.finished) return [];
    const json = parseWire(upstream.data);
    if (!json) return [];
    switch (upstream.name || stringOr(json.type, '')) {
      case 'message_start': {
        const message = asWire(json.message);
        this.id = `chatcmpl-${stringOr(message?.id, 'keybridge')}`;
        this.inputUsage = asWire(message?.usage);
        return [this.chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const block = asWire(json.content_block);
        if (block?.type !== 'tool_use') return [];
        const call = this.toolCalls.size;
        this.toolCalls.set(count(json.index), call);
        return [this.chunk({ tool_calls: [{ index: call, id: stringOr(block.id, ''), type: 'function', function: { name: stringOr(block.name, ''), arguments: '' } }] })];
      }
      case 'content_block_delta':
        return this.delta(count(json.index), asWire(json.delta));
      case 'message_delta': {
        this.finish = asWire(json.delta)?.stop_reason;
        this.outputTokens = count(asWire(json.usage)?.output_tokens);
        return [];
      }
      case 'message_stop':
        return this.end();
      default:
        return [];
    }
  }

  /** The finish chunk, usage when asked for, and [DONE]; once. */
  end(): SseEvent[] {
    if (this.finished) return [];
    this.finished = true;
    const out = [this.chunk({}, finishReason(this.finish))];
    if (this.includeUsage) out.push(this.frame({ choices: [], usage: chatUsage(this.inputUsage, this.outputTokens) }));
    out.push({ name: '', data: '[DONE]' });
    return out;
  }

  private delta(index: number, delta: Wire | undefined): SseEvent[] {
    // Chat has one content string however many text blocks made it: the client joins them.
    if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text !== '') return [this.chunk({ content: this.redact('content', delta.text) })];
    const call = this.toolCalls.get(index);
    if (delta?.type === 'input_json_delta' && call !== undefined && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
      return [this.chunk({ tool_calls: [{ index: call, function: { arguments: this.redact(`call ${call}`, delta.partial_json) } }] })];
    }
    return [];
  }

  private chunk(delta: Wire, finish: string | null = null): SseEvent {
    return this.frame({ choices: [{ index: 0, delta, finish_reason: finish }] });
  }

  private frame(fields: Wire): SseEvent {
    return { name: '', data: JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, ...fields }) };
  }
}
