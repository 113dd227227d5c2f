import { anthropicToolId } from '../../conversation/reasoningCarry';
import type { DialectId } from '../../providers/dialect';
import { EventWriterBase, passPieces, type AnswerEventWriter, type PieceRedactor } from '../answerStream';
import type { SseEvent } from '../sse';
import type { Wire } from '../wire';
import { anthropicUsage, carrierSignature, stopReason } from './carriedThinking';

function event(name: string, payload: Wire): SseEvent {
  return { name, data: JSON.stringify(payload) };
}

/**
 * Writes the answer model as an Anthropic Messages stream: text deltas as text_delta, tool-call argument
 * fragments as input_json_delta the moment they arrive, the stop reason and usage in the one message_delta, then
 * message_stop. Tool-call ids are made ones Anthropic takes. Reasoning is written only when `carry` names the
 * dialect of a provider that needs it back: as a thinking block whose signature carries that provider's state,
 * before the tool calls; anywhere else an unsigned thinking block would be refused when the client sends it back.
 */
export class MessagesEventWriter extends EventWriterBase implements AnswerEventWriter {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  /** The block open now and its index. */
  private open: { kind: 'text' | 'thinking' | 'tool'; index: number } | undefined;
  private calls = 0;

  constructor(
    private readonly model: string,
    private readonly redact: PieceRedactor = passPieces,
    /** The dialect whose reasoning state is carried to the client, if it needs any back. */
    private readonly carry?: DialectId,
  ) {
    super();
  }

  /** Nothing is held: every event goes out as it is written. */
  readonly heldChars = 0;

  start(id: string): void {
    if (this.started) return;
    this.started = true;
    const message = {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(this.usageKept),
    };
    this.out.push(event('message_start', { type: 'message_start', message }));
  }

  text(delta: string): void {
    const index = this.openBlock('text', { type: 'text', text: '' });
    if (delta === '') return;
    this.out.push(event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: this.redact(String(index), delta) } }));
  }

  /** Anthropic has no refusal block: a refusal is the answer's text. */
  refusal(delta: string): void {
    this.text(delta);
  }

  reasoning(delta: string): void {
    if (this.carry === undefined) return;
    const index = this.openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
    if (delta === '') return;
    this.out.push(
      event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: this.redact(String(index), delta) } }),
    );
  }

  /** Another provider's signature is for that provider alone (and same-protocol answers are relayed, not written). */
  reasoningSignature(): void {
    /* not passed on */
  }

  toolCall(id: string, name: string, thoughtSignature: string | undefined): void {
    this.closeBlock();
    const clientId = anthropicToolId(id || `call_${this.calls}`);
    this.calls++;
    if (thoughtSignature !== undefined && this.carry !== undefined) {
      // The call's thought signature rides in a thinking block of its own, just before the call.
      const index = this.openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
      this.out.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'signature_delta', signature: carrierSignature(this.carry, { id: clientId, thoughtSignature }) },
        }),
      );
      this.out.push(event('content_block_stop', { type: 'content_block_stop', index }));
      this.open = undefined;
    }
    this.openBlock('tool', { type: 'tool_use', id: clientId, name, input: {} });
  }

  toolArguments(delta: string): void {
    if (this.open?.kind !== 'tool') return;
    const index = this.open.index;
    this.out.push(
      event('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: this.redact(String(index), delta) },
      }),
    );
  }

  blockEnd(): void {
    this.closeBlock();
  }

  end(): SseEvent[] {
    if (this.finished) return this.take();
    this.finished = true;
    this.start('keybridge');
    this.closeBlock();
    const usage = anthropicUsage(this.usageKept);
    this.out.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(this.finishReason), stop_sequence: null }, usage }));
    this.out.push(event('message_stop', { type: 'message_stop' }));
    return this.take();
  }

  /**
   * The index of the open block of `kind`, opening it (and closing another) first when needed. A tool call always
   * opens a block of its own: `toolCall` closes the open block before it comes here.
   */
  private openBlock(kind: 'text' | 'thinking' | 'tool', block: Wire): number {
    if (this.open?.kind === kind) return this.open.index;
    this.start('keybridge');
    this.closeBlock();
    const index = this.nextIndex++;
    this.open = { kind, index };
    this.out.push(event('content_block_start', { type: 'content_block_start', index, content_block: block }));
    return index;
  }

  private closeBlock(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    // A thinking block the client keeps ends with the carrier: what the provider needs back on the next turn.
    if (open.kind === 'thinking' && this.carry !== undefined) {
      this.out.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index: open.index,
          delta: { type: 'signature_delta', signature: carrierSignature(this.carry) },
        }),
      );
    }
    this.out.push(event('content_block_stop', { type: 'content_block_stop', index: open.index }));
  }
}
