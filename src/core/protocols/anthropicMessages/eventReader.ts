import type { AnswerSink } from '../../conversation/answerEvents';
import type { AnswerEventReader } from '../answerStream';
import type { SseEvent } from '../sse';
import { asWire, numberOr, parseWire, stringOr, type Wire } from '../wire';
import { messagesFinish, messagesUsage, type MessagesCounts } from './messagesAnswerFacts';

/** What an Anthropic content block is to the model; other blocks (server tools, their results) are `other`. */
type BlockKind = 'text' | 'thinking' | 'tool';

/**
 * Reads an Anthropic Messages stream into the answer model: text, thinking with its signature, and tool_use blocks
 * whose input_json fragments are passed on as they come; the stop reason and usage of message_start and
 * message_delta. message_stop (or an error event) is the last event.
 */
export class MessagesEventReader implements AnswerEventReader {
  /** What each open block index carries. */
  private readonly blocks = new Map<number, BlockKind>();
  private readonly counts: MessagesCounts = {};

  read(event: SseEvent, sink: AnswerSink): boolean {
    if (event.data === undefined) return false;
    const json = parseWire(event.data);
    return json ? this.readJson(event.name, json, sink) : false;
  }

  readJson(name: string, json: Wire, sink: AnswerSink): boolean {
    switch (name || stringOr(json.type, '')) {
      case 'message_start': {
        const message = asWire(json.message);
        sink.start(stringOr(message?.id, 'keybridge'), typeof message?.model === 'string' ? message.model : undefined);
        const usage = asWire(message?.usage);
        if (usage) sink.usage(messagesUsage(usage, this.counts));
        return false;
      }
      case 'content_block_start':
        this.blockStart(numberOr(json.index, 0), asWire(json.content_block) ?? {}, sink);
        return false;
      case 'content_block_delta':
        this.delta(this.blocks.get(numberOr(json.index, 0)), asWire(json.delta) ?? {}, sink);
        return false;
      case 'content_block_stop': {
        const index = numberOr(json.index, 0);
        if (this.blocks.delete(index)) sink.blockEnd();
        return false;
      }
      case 'message_delta': {
        const stop = asWire(json.delta)?.stop_reason;
        if (typeof stop === 'string') sink.finish(messagesFinish(stop));
        const usage = asWire(json.usage);
        if (usage) sink.usage(messagesUsage(usage, this.counts));
        return false;
      }
      case 'message_stop':
      case 'error':
        return true;
      default:
        return false;
    }
  }

  private blockStart(index: number, block: Wire, sink: AnswerSink): void {
    if (block.type === 'text') {
      this.blocks.set(index, 'text');
      const text = stringOr(block.text, '');
      if (text !== '') sink.text(text);
    } else if (block.type === 'thinking') {
      this.blocks.set(index, 'thinking');
      // Said at once, even with no text yet: a continuation must know the answer holds reasoning.
      sink.reasoning(stringOr(block.thinking, ''));
    } else if (block.type === 'tool_use') {
      this.blocks.set(index, 'tool');
      sink.toolCall(stringOr(block.id, ''), stringOr(block.name, ''), undefined);
    } else {
      sink.other(otherBlock(block.type));
    }
  }

  /** A delta of the block `kind` (undefined: a block this reader did not see start, or one the model does not carry). */
  private delta(kind: BlockKind | undefined, delta: Wire, sink: AnswerSink): void {
    switch (delta.type) {
      case 'text_delta': {
        const text = stringOr(delta.text, '');
        if (text !== '' && (kind === 'text' || kind === undefined)) sink.text(text);
        return;
      }
      case 'input_json_delta': {
        const json = stringOr(delta.partial_json, '');
        if (kind === 'tool') {
          if (json !== '') sink.toolArguments(json);
        } else sink.other('a tool call');
        return;
      }
      case 'thinking_delta':
        sink.reasoning(stringOr(delta.thinking, ''));
        return;
      case 'signature_delta':
        sink.reasoningSignature(stringOr(delta.signature, ''));
        return;
      case 'citations_delta':
        return;
      default:
        sink.other(otherBlock(delta.type));
    }
  }
}

function otherBlock(type: unknown): string {
  if (type === 'redacted_thinking') return 'a thinking block';
  if (type === 'server_tool_use') return 'a tool call';
  return `a ${typeof type === 'string' ? type : 'non-text'} block`;
}
