import { splicedEvent, type SpliceContext, type SplicedEvent, type SpliceMapper } from './spliceContext';
import { asWire, numberOr, type Wire } from '../protocols/wire';
import type { MessagesPosition } from './transcriptState';

const THINKING = new Set(['thinking', 'redacted_thinking']);

/**
 * Anthropic Messages: the continuation's first text block becomes the rest of the
 * block the client has open (a second content_block_start for an open index would
 * make the SDKs add a second block), later blocks take the next free indices, the
 * text loses what repeats the delivered text, and its message_delta carries usage
 * for the whole answer.
 */
export class MessagesSplice implements SpliceMapper {
  /** Continuation block index → the client's index. */
  private readonly indexOf = new Map<number, number>();
  private sawBlock = false;
  /** The client's index of the continuation's latest text block. */
  private textIndex: number | undefined;

  /** The client's position, which the transcript keeps current as spliced events are written. */
  constructor(
    private readonly context: SpliceContext,
    private readonly position: MessagesPosition,
  ) {}

  map(name: string, json: Wire): SplicedEvent[] {
    switch (name) {
      case 'message_start':
      case 'ping':
        return [];
      case 'content_block_start':
        return this.startBlock(json);
      case 'content_block_delta':
        return this.delta(json);
      case 'content_block_stop': {
        const index = this.indexOf.get(numberOr(json.index, -1));
        return index === undefined ? [] : [...this.endText(index), splicedEvent(name, { ...json, index })];
      }
      case 'message_delta':
        return [
          ...(this.textIndex === undefined ? [] : this.endText(this.textIndex)),
          ...this.closeOpenBlock(),
          splicedEvent(name, { ...json, usage: this.usage(asWire(json.usage) ?? {}) }),
        ];
      default:
        return [splicedEvent(name, json)];
    }
  }

  private startBlock(json: Wire): SplicedEvent[] {
    const block = asWire(json.content_block) ?? {};
    // Thinking from the continuation target is its own, signed by another account, and no part of the answer text.
    if (THINKING.has(String(block.type))) return [];
    const own = numberOr(json.index, -1);
    const first = !this.sawBlock;
    this.sawBlock = true;
    const open = this.position.openIndex;
    if (first && block.type === 'text' && open !== undefined) {
      this.indexOf.set(own, open);
      this.textIndex = open;
      return this.textDelta(open, typeof block.text === 'string' ? block.text : '');
    }
    const out = this.closeOpenBlock();
    const index = this.position.nextIndex;
    this.indexOf.set(own, index);
    if (block.type === 'text') this.textIndex = index;
    const content_block = block.type === 'text' && typeof block.text === 'string' ? { ...block, text: this.context.text(block.text) } : block;
    out.push(splicedEvent('content_block_start', { ...json, index, content_block }));
    return out;
  }

  private delta(json: Wire): SplicedEvent[] {
    const index = this.indexOf.get(numberOr(json.index, -1));
    if (index === undefined) return [];
    const delta = asWire(json.delta);
    if (delta?.type === 'text_delta' && typeof delta.text === 'string') return this.textDelta(index, delta.text);
    return [splicedEvent('content_block_delta', { ...json, index })];
  }

  private textDelta(index: number, raw: string): SplicedEvent[] {
    return this.textEvent(index, this.context.text(raw));
  }

  /** The continuation's text block ends: the text held back while it might repeat the delivered text comes out first. */
  private endText(index: number): SplicedEvent[] {
    return index === this.textIndex ? this.textEvent(index, this.context.endText()) : [];
  }

  private textEvent(index: number, text: string): SplicedEvent[] {
    return text ? [splicedEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } })] : [];
  }

  /** The client's open block ends before a block of another kind, or before the message does. */
  private closeOpenBlock(): SplicedEvent[] {
    const open = this.position.openIndex;
    if (open === undefined || [...this.indexOf.values()].includes(open)) return [];
    return [splicedEvent('content_block_stop', { type: 'content_block_stop', index: open })];
  }

  private usage(usage: Wire): Wire {
    const merged = this.context.mergedTokens(usage.input_tokens, usage.output_tokens);
    const original = this.context.originalUsage;
    const out: Wire = { ...usage, output_tokens: merged.output };
    // The SDKs overwrite message_start's counts with any present here, so they must describe the same request.
    if (merged.input !== undefined && usage.input_tokens != null) out.input_tokens = merged.input;
    if (original.cacheCreationInput !== undefined && usage.cache_creation_input_tokens != null) out.cache_creation_input_tokens = original.cacheCreationInput;
    if (original.cacheReadInput !== undefined && usage.cache_read_input_tokens != null) out.cache_read_input_tokens = original.cacheReadInput;
    return out;
  }
}
