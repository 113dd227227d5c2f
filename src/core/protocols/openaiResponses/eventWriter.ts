import type { FinishReason } from '../../conversation/answerEvents';
import { encodeCarriedReasoning } from '../../conversation/reasoningCarry';
import type { DialectId } from '../../providers/dialect';
import { EventWriterBase, passPieces, type AnswerEventWriter, type PieceRedactor } from '../answerStream';
import type { StreamFacts } from '../protocol';
import type { SseEvent } from '../sse';
import type { Wire } from '../wire';
import { ResponsesWriter, type ResponsesEnding } from './responseStream';

/** Our finish reasons as the way a response ends: tool calls end a `completed` response with function_call items. */
function ending(finish: FinishReason | undefined): ResponsesEnding {
  if (finish === 'max_tokens') return 'max_output_tokens';
  if (finish === 'refusal') return 'content_filter';
  return 'completed';
}

/**
 * Writes the answer model as a Responses stream (the typed events of ResponsesWriter): text as output_text,
 * each tool call as a function_call item done when its block ends, and the end as response.completed or
 * response.incomplete with usage. Reasoning is written only when `carry` names the dialect of a provider that
 * needs it back: as a reasoning item whose `encrypted_content` carries that provider's state, which Codex returns
 * on the next turn; anywhere else a client would send back reasoning only its maker can read.
 */
export class ResponsesEventWriter extends EventWriterBase implements AnswerEventWriter {
  readonly writer: ResponsesWriter;
  private calls = 0;

  constructor(
    model: string,
    createdAt: number,
    private readonly redact: PieceRedactor = passPieces,
    private readonly carry?: DialectId,
  ) {
    super();
    this.writer = new ResponsesWriter(model, createdAt);
  }

  get heldChars(): number {
    return this.writer.heldChars;
  }

  get facts(): StreamFacts {
    return this.writer.facts;
  }

  /** The finished response object; undefined before `end`. */
  get response(): Wire | undefined {
    return this.writer.response;
  }

  start(id: string): void {
    this.out.push(...this.writer.start(id));
  }

  text(delta: string): void {
    this.out.push(...this.writer.text(this.redact('content', delta)));
  }

  refusal(delta: string): void {
    this.out.push(...this.writer.refusal(this.redact('refusal', delta)));
  }

  reasoning(delta: string): void {
    if (this.carry === undefined) return;
    if (this.writer.openKind !== 'reasoning') this.out.push(...this.writer.reasoningItem(encodeCarriedReasoning({ dialect: this.carry })));
    this.out.push(...this.writer.reasoningSummary(this.redact('reasoning', delta)));
  }

  reasoningSignature(): void {
    /* another provider's: not passed on */
  }

  toolCall(id: string, name: string, thoughtSignature: string | undefined): void {
    const callId = id || `call_${this.calls}`;
    this.calls++;
    // The call's thought signature rides in a reasoning item of its own, just before the call.
    if (thoughtSignature !== undefined && this.carry !== undefined) {
      this.out.push(...this.writer.reasoningItem(encodeCarriedReasoning({ dialect: this.carry, thoughtSignatures: { [callId]: thoughtSignature } })));
    }
    this.out.push(...this.writer.functionCall(callId, name));
  }

  toolArguments(delta: string): void {
    this.out.push(...this.writer.functionArguments(this.redact(`call ${this.calls}`, delta)));
  }

  /**
   * A call or reasoning whose block ended is done at once, so the client has it before the answer ends; a message
   * stays open for text that follows (one message item however many text blocks made it).
   */
  blockEnd(): void {
    if (this.writer.openKind !== 'message') this.out.push(...this.writer.closeOpenItem());
  }

  /** The writer ends the response once: a second end writes nothing. */
  end(): SseEvent[] {
    const u = this.usageKept;
    this.out.push(
      ...this.writer.finish(ending(this.finishReason), {
        inputTokens: u.input,
        cachedTokens: u.cacheRead,
        outputTokens: u.output,
        reasoningTokens: u.reasoning,
      }),
    );
    return this.take();
  }
}
