import { EventWriterBase, passPieces, type AnswerEventWriter, type PieceRedactor } from '../answerStream';
import type { SseEvent } from '../sse';
import type { Wire } from '../wire';
import { chatUsageWire, finishReason } from './chatWriting';

/**
 * Writes the answer model as a Chat Completions stream: the role first, text deltas as content, each tool call
 * as the next call with its argument fragments passed on as they arrive, the finish reason once, usage in a last
 * chunk when the client asked for it, then [DONE]. Reasoning is not written: Chat has no field a client would
 * send back, and another provider's signature is for that provider alone.
 */
export class ChatEventWriter extends EventWriterBase implements AnswerEventWriter {
  private id = 'chatcmpl-keybridge';
  private started = false;
  private finished = false;
  private calls = 0;

  constructor(
    private readonly model: string,
    private readonly created: number,
    /** The client set stream_options.include_usage: a last chunk carries usage. */
    private readonly includeUsage: boolean,
    private readonly redact: PieceRedactor = passPieces,
  ) {
    super();
  }

  /** Nothing is held: every event goes out as it is written. */
  readonly heldChars = 0;

  start(id: string): void {
    if (this.started) return;
    this.started = true;
    this.id = `chatcmpl-${id}`;
    this.chunk({ role: 'assistant', content: '' });
  }

  // Chat has one content string however many text blocks made it: the client joins them.
  text(delta: string): void {
    if (delta !== '') this.chunk({ content: this.redact('content', delta) });
  }

  refusal(delta: string): void {
    if (delta !== '') this.chunk({ refusal: this.redact('refusal', delta) });
  }

  reasoning(): void {
    /* not written (see the class) */
  }

  reasoningSignature(): void {
    /* not written */
  }

  toolCall(id: string, name: string): void {
    this.calls++;
    this.chunk({ tool_calls: [{ index: this.calls - 1, id, type: 'function', function: { name, arguments: '' } }] });
  }

  toolArguments(delta: string): void {
    if (this.calls === 0) return;
    const call = this.calls - 1;
    this.chunk({ tool_calls: [{ index: call, function: { arguments: this.redact(`call ${call}`, delta) } }] });
  }

  blockEnd(): void {
    /* Chat has no block ends */
  }

  /** The finish chunk, usage when asked for, and [DONE]; once. */
  end(): SseEvent[] {
    if (this.finished) return this.take();
    this.finished = true;
    this.chunk({}, finishReason(this.finishReason));
    if (this.includeUsage) this.frame({ choices: [], usage: chatUsageWire(this.usageKept) });
    this.out.push({ name: '', data: '[DONE]' });
    return this.take();
  }

  private chunk(delta: Wire, finish: string | null = null): void {
    this.frame({ choices: [{ index: 0, delta, finish_reason: finish }] });
  }

  private frame(fields: Wire): void {
    this.out.push({ name: '', data: JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, ...fields }) });
  }
}
