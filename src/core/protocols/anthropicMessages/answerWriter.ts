import { emptyUsage, mergeUsage, type AnswerSink, type FinishReason, type UsageReport } from '../../conversation/answerEvents';
import { anthropicToolId } from '../../conversation/reasoningCarry';
import type { DialectId } from '../../providers/dialect';
import { parseWire, type Wire } from '../wire';
import { anthropicUsage, carrierSignature, stopReason } from './carriedThinking';

/**
 * Writes the answer model as one non-streamed Anthropic message, with the blocks the stream writer would have
 * streamed: the same tool-call ids, the same carried thinking (see MessagesEventWriter).
 */
export class MessagesAnswerWriter implements AnswerSink {
  private id = 'keybridge';
  private readonly content: Wire[] = [];
  /** The block written to now, if it may still grow. */
  private open: Wire | undefined;
  private args = '';
  private calls = 0;
  private finishReason: FinishReason | undefined;
  private readonly usageKept = emptyUsage();

  constructor(
    private readonly model: string,
    private readonly carry?: DialectId,
  ) {}

  /** Whether the answer said how it ended, and did not end unfinished (a `cut`). */
  get finishSeen(): boolean {
    return this.finishReason !== undefined && this.finishReason !== 'cut';
  }

  start(id: string): void {
    this.id = id;
  }

  text(delta: string): void {
    const block = this.block('text', () => ({ type: 'text', text: '' }));
    block.text = String(block.text) + delta;
  }

  refusal(delta: string): void {
    this.text(delta);
  }

  reasoning(delta: string): void {
    if (this.carry === undefined) return;
    const block = this.block('thinking', () => ({ type: 'thinking', thinking: '', signature: carrierSignature(this.carry as DialectId) }));
    block.thinking = String(block.thinking) + delta;
  }

  reasoningSignature(): void {
    /* another provider's: not passed on */
  }

  toolCall(id: string, name: string, thoughtSignature: string | undefined): void {
    this.blockEnd();
    const clientId = anthropicToolId(id || `call_${this.calls}`);
    this.calls++;
    if (thoughtSignature !== undefined && this.carry !== undefined)
      this.content.push({ type: 'thinking', thinking: '', signature: carrierSignature(this.carry, { id: clientId, thoughtSignature }) });
    this.open = { type: 'tool_use', id: clientId, name, input: {} };
    this.content.push(this.open);
  }

  toolArguments(delta: string): void {
    if (this.open?.type === 'tool_use') this.args += delta;
  }

  blockEnd(): void {
    // A tool_use input must be an object: arguments a model got wrong are kept under `_raw_arguments`.
    if (this.open?.type === 'tool_use' && this.args !== '') this.open.input = parseWire(this.args) ?? { _raw_arguments: this.args };
    this.open = undefined;
    this.args = '';
  }

  usage(report: UsageReport): void {
    mergeUsage(this.usageKept, report);
  }

  finish(reason: FinishReason): void {
    this.finishReason = reason;
  }

  other(): void {
    /* nothing to write */
  }

  /** The message, under the model name the client knows. */
  message(): Wire {
    this.blockEnd();
    return {
      id: `msg_${this.id}`,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: this.content,
      stop_reason: stopReason(this.finishReason),
      stop_sequence: null,
      usage: anthropicUsage(this.usageKept),
    };
  }

  private block(type: string, make: () => Wire): Wire {
    if (this.open?.type === type) return this.open;
    this.blockEnd();
    this.open = make();
    this.content.push(this.open);
    return this.open;
  }
}
