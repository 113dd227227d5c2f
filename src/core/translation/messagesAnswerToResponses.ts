import type { StreamFacts } from '../protocols/protocol';
import type { SseEvent } from '../protocols/sse';
import { ResponsesWriter, type ResponsesEnding, type ResponsesUsage } from './responsesWriter';
import { passPieces, type PieceRedactor, type StreamTranslator } from './streamTranslator';
import { asWire, numberOr, parseWire, stringOr, wireArray, type Wire } from './wire';

/**
 * Anthropic's stop_reason as the way a response ends. A full context window stops the answer as a token limit
 * does; a refusal is Responses' content filter.
 */
function ending(stop: unknown): ResponsesEnding {
  if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') return 'max_output_tokens';
  if (stop === 'refusal') return 'content_filter';
  return 'completed';
}

const count = (value: unknown): number => numberOr(value, 0);

/**
 * Anthropic usage in Responses terms. Anthropic counts cache reads and writes apart from `input_tokens`;
 * Responses counts them inside, with the reads again as cached_tokens. Anthropic reports no separate figure for
 * thinking (it is inside output_tokens), so no reasoning tokens are claimed.
 */
function responsesUsage(usage: Wire | undefined): ResponsesUsage {
  const cacheRead = count(usage?.cache_read_input_tokens);
  return {
    inputTokens: count(usage?.input_tokens) + cacheRead + count(usage?.cache_creation_input_tokens),
    cachedTokens: cacheRead,
    outputTokens: count(usage?.output_tokens),
    reasoningTokens: 0,
  };
}

/**
 * A non-streamed Anthropic answer as a Responses response, under the model name the client knows, written by the
 * same writer as the stream so both have the same output items. Thinking blocks are not passed on: their
 * signature is for Anthropic alone, and a Responses client would send them back as reasoning items.
 */
export function messagesToResponsesResponse(message: Wire, model: string, createdAt: number): Wire {
  const writer = new ResponsesWriter(model, createdAt);
  writer.start(stringOr(message.id, 'keybridge'));
  for (const block of wireArray(message.content)) {
    if (block.type === 'text') writer.text(stringOr(block.text, ''));
    else if (block.type === 'tool_use') {
      writer.functionCall(stringOr(block.id, ''), stringOr(block.name, ''));
      writer.functionArguments(JSON.stringify(block.input ?? {}));
      writer.closeOpenItem();
    }
  }
  writer.finish(ending(message.stop_reason), responsesUsage(asWire(message.usage)));
  return writer.response;
}

/**
 * An Anthropic Messages stream as a Responses stream, event by event: text blocks as output_text deltas, each
 * tool_use block as a function_call item whose input_json fragments are passed on as they arrive and which is done
 * when its block stops, and the end — stop reason and usage from message_delta — as response.completed or
 * response.incomplete at message_stop. Thinking and server-tool blocks are not passed on.
 */
export class MessagesToResponsesStream implements StreamTranslator {
  private readonly writer: ResponsesWriter;
  private finished = false;
  /** What each Anthropic block index carries to the client; blocks not in it are not passed on. */
  private readonly blocks = new Map<number, 'text' | 'call'>();
  private usage: Wire = {};
  private stop: unknown;

  constructor(
    model: string,
    createdAt: number,
    private readonly redact: PieceRedactor = passPieces,
  ) {
    this.writer = new ResponsesWriter(model, createdAt);
  }

  get heldChars(): number {
    return this.writer.heldChars;
  }

  get facts(): StreamFacts {
    return this.writer.facts;
  }

  get finishSeen(): boolean {
    return this.stop != null;
  }

  push(upstream: SseEvent): SseEvent[] {
    if (upstream.data === undefined || this.finished) return [];
    const json = parseWire(upstream.data);
    if (!json) return [];
    switch (upstream.name || stringOr(json.type, '')) {
      case 'message_start': {
        const message = asWire(json.message);
        this.usage = { ...asWire(message?.usage) };
        return this.writer.start(stringOr(message?.id, 'keybridge'));
      }
      case 'content_block_start':
        return this.blockStart(count(json.index), asWire(json.content_block));
      case 'content_block_delta':
        return this.delta(count(json.index), asWire(json.delta));
      case 'content_block_stop':
        return this.blocks.get(count(json.index)) === 'call' ? this.writer.closeOpenItem() : [];
      case 'message_delta': {
        this.stop = asWire(json.delta)?.stop_reason;
        // message_delta's usage is cumulative and may restate the input counts; the latest figure wins.
        Object.assign(this.usage, asWire(json.usage));
        return [];
      }
      case 'message_stop':
        return this.end();
      default:
        return [];
    }
  }

  /** Closes the response: also what an upstream that ends without message_stop but with a stop reason needs. */
  end(): SseEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return this.writer.finish(ending(this.stop), responsesUsage(this.usage));
  }

  private blockStart(index: number, block: Wire | undefined): SseEvent[] {
    if (block?.type === 'text') {
      this.blocks.set(index, 'text');
      return this.writer.text(this.redact(String(index), stringOr(block.text, '')));
    }
    if (block?.type === 'tool_use') {
      this.blocks.set(index, 'call');
      return this.writer.functionCall(stringOr(block.id, ''), stringOr(block.name, ''));
    }
    return [];
  }

  private delta(index: number, delta: Wire | undefined): SseEvent[] {
    const kind = this.blocks.get(index);
    if (kind === 'text' && delta?.type === 'text_delta') return this.writer.text(this.redact(String(index), stringOr(delta.text, '')));
    if (kind === 'call' && delta?.type === 'input_json_delta') return this.writer.functionArguments(this.redact(String(index), stringOr(delta.partial_json, '')));
    return [];
  }
}
