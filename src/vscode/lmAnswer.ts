/**
 * The bridge's streamed answer as the parts VS Code's language model API reports: text as it arrives, and
 * each tool call once its arguments are complete (VS Code takes a call's input as one object). A Chat
 * Completions stream is read through the bridge's own Chat → Messages stream translator, so one reader
 * serves both protocols. No `vscode` import.
 */
import type { Protocol } from '../core/config';
import type { WireFormat } from '../core/protocols/protocol';
import type { SseEvent } from '../core/protocols/sse';
import { primaryFormat } from '../core/protocols/table';
import { ChatToMessagesStream } from '../core/translation/chatToMessages';
import { asWire, parseWire, stringOr, toolArguments, type Wire } from '../core/translation/wire';

export type AnswerPart = { kind: 'text'; text: string } | { kind: 'toolCall'; callId: string; name: string; input: object };

/** The answer failed after it started: an error event from the bridge, or a stream that ended early. */
export class AnswerStreamError extends Error {
  constructor(
    message: string,
    /** The error type the event named (`rate_limit_error`, `overloaded_error` …), when it named one. */
    readonly type?: string,
  ) {
    super(message);
    this.name = 'AnswerStreamError';
  }
}

export interface AnswerReader {
  /** The parts one SSE event completes; throws AnswerStreamError for an error event. */
  push(event: SseEvent): AnswerPart[];
  /** The stream ended: throws AnswerStreamError when the answer never said it was complete. */
  end(): void;
}

/** The readers of the formats the bridge's own clients speak (each protocol's primary format). */
const READERS: Partial<Record<WireFormat['id'], (model: string) => AnswerReader>> = {
  anthropicMessages: () => new MessagesAnswerReader(),
  openaiChat: (model) => new ChatAnswerReader(model),
};

export function answerReader(protocol: Protocol, model: string): AnswerReader {
  const reader = READERS[primaryFormat(protocol).id];
  if (!reader) throw new Error(`no answer reader for ${primaryFormat(protocol).label}`);
  return reader(model);
}

/** Reads Anthropic Messages events: text deltas, tool_use blocks assembled from their input_json_delta fragments. */
class MessagesAnswerReader implements AnswerReader {
  private readonly tools = new Map<number, { id: string; name: string; json: string }>();
  private stopped = false;

  push(event: SseEvent): AnswerPart[] {
    const data = event.data === undefined ? undefined : parseWire(event.data);
    if (!data) return [];
    const index = typeof data.index === 'number' ? data.index : -1;
    switch (data.type) {
      case 'error': {
        const error = asWire(data.error);
        throw new AnswerStreamError(stringOr(error?.message, 'the provider ended the answer with an error'), stringOr(error?.type, '') || undefined);
      }
      case 'content_block_start': {
        const block = asWire(data.content_block);
        if (block?.type === 'tool_use') this.tools.set(index, { id: stringOr(block.id, `call_${index}`), name: stringOr(block.name, ''), json: '' });
        else if (block?.type === 'text' && typeof block.text === 'string' && block.text) return [{ kind: 'text', text: block.text }];
        return [];
      }
      case 'content_block_delta': {
        const delta = asWire(data.delta);
        if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text) return [{ kind: 'text', text: delta.text }];
        const tool = this.tools.get(index);
        if (delta?.type === 'input_json_delta' && tool) tool.json += stringOr(delta.partial_json, '');
        // Thinking deltas stay out: VS Code's stable API has no part for them.
        return [];
      }
      case 'content_block_stop': {
        const tool = this.tools.get(index);
        if (!tool) return [];
        this.tools.delete(index);
        return [{ kind: 'toolCall', callId: tool.id, name: tool.name, input: toolArguments(tool.json) }];
      }
      case 'message_stop':
        this.stopped = true;
        return [];
      default:
        return [];
    }
  }

  end(): void {
    if (!this.stopped) throw new AnswerStreamError('the answer ended before it was complete');
  }
}

/**
 * Reads Chat Completions chunks. The bridge ends a failed Chat stream with an `{"error": …}` chunk, which the
 * translator would pass over, so that is looked for first.
 */
class ChatAnswerReader implements AnswerReader {
  private readonly translator: ChatToMessagesStream;
  private readonly messages = new MessagesAnswerReader();

  constructor(model: string) {
    this.translator = new ChatToMessagesStream(model);
  }

  push(event: SseEvent): AnswerPart[] {
    const chunk: Wire | undefined = event.data === undefined || event.data === '[DONE]' ? undefined : parseWire(event.data);
    const error = asWire(chunk?.error);
    if (error) throw new AnswerStreamError(stringOr(error.message, 'the provider ended the answer with an error'), stringOr(error.type, '') || undefined);
    // `[DONE]` without a finish reason would close the translated message, but the answer was cut short.
    if (event.data === '[DONE]' && !this.translator.finishSeen) throw new AnswerStreamError('the answer ended before it was complete');
    return this.translator.push(event).flatMap((e) => this.messages.push(e));
  }

  end(): void {
    if (!this.translator.finishSeen) throw new AnswerStreamError('the answer ended before it was complete');
    for (const event of this.translator.end()) this.messages.push(event);
    this.messages.end();
  }
}
