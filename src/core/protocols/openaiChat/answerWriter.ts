import { emptyUsage, mergeUsage, type AnswerSink, type FinishReason, type UsageReport } from '../../conversation/answerEvents';
import type { Wire } from '../wire';
import { chatUsageWire, finishReason } from './chatWriting';

/** Writes the answer model as one non-streamed Chat completion (see ChatEventWriter for what is left out). */
export class ChatAnswerWriter implements AnswerSink {
  private id = 'keybridge';
  private content = '';
  private refusalText: string | undefined;
  private readonly calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  private finishReason: FinishReason | undefined;
  private readonly usageKept = emptyUsage();

  constructor(
    private readonly model: string,
    private readonly created: number,
  ) {}

  /** Whether the answer said how it ended, and did not end unfinished (a `cut`). */
  get finishSeen(): boolean {
    return this.finishReason !== undefined && this.finishReason !== 'cut';
  }

  start(id: string): void {
    this.id = id;
  }

  text(delta: string): void {
    this.content += delta;
  }

  refusal(delta: string): void {
    this.refusalText = (this.refusalText ?? '') + delta;
  }

  reasoning(): void {
    /* not written */
  }

  reasoningSignature(): void {
    /* not written */
  }

  toolCall(id: string, name: string): void {
    this.calls.push({ id, type: 'function', function: { name, arguments: '' } });
  }

  toolArguments(delta: string): void {
    const call = this.calls.at(-1);
    if (call) call.function.arguments += delta;
  }

  blockEnd(): void {
    /* Chat has no block ends */
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

  /** The completion, under the model name the client knows. */
  completion(): Wire {
    const reply: Wire = { role: 'assistant', content: this.content === '' && this.calls.length > 0 ? null : this.content };
    if (this.refusalText !== undefined) reply.refusal = this.refusalText;
    if (this.calls.length > 0) reply.tool_calls = this.calls;
    return {
      id: `chatcmpl-${this.id}`,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, message: reply, finish_reason: finishReason(this.finishReason), logprobs: null }],
      usage: chatUsageWire(this.usageKept),
    };
  }
}
