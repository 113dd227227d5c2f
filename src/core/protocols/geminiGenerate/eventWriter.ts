import { EventWriterBase, passPieces, type AnswerEventWriter, type PieceRedactor } from '../answerStream';
import { toolArguments, type Wire } from '../wire';
import { functionCallPart, geminiFinishReason, geminiResponse } from './geminiWriting';

/**
 * Writes the answer model as Gemini's stream (`alt=sse`): each text or thought delta a chunk of its own, each
 * function call one chunk once its arguments are whole (Gemini's clients take a call's `args` as an object, never
 * in pieces), and a last chunk with the finish reason and usage. A call keeps the thought signature its provider
 * gave (a Gemini pool reached in another format), which the client sends back with it.
 */
export class GeminiEventWriter extends EventWriterBase implements AnswerEventWriter {
  private id = 'keybridge';
  private call: { name: string; signature: string | undefined; args: string } | undefined;
  private calls = 0;
  private ended = false;

  constructor(
    private readonly model: string,
    private readonly redact: PieceRedactor = passPieces,
  ) {
    super();
  }

  /** The arguments of the call being written: held until the call is whole. */
  get heldChars(): number {
    return this.call?.args.length ?? 0;
  }

  start(id: string): void {
    this.id = id;
  }

  text(delta: string): void {
    this.closeCall();
    if (delta !== '') this.chunk([{ text: this.redact('text', delta) }]);
  }

  // Gemini has no refusal field: a refusal is the answer's text.
  refusal(delta: string): void {
    this.text(delta);
  }

  reasoning(delta: string): void {
    this.closeCall();
    if (delta !== '') this.chunk([{ text: this.redact('thought', delta), thought: true }]);
  }

  reasoningSignature(): void {
    /* another provider's proof: for that provider alone */
  }

  toolCall(_id: string, name: string, thoughtSignature: string | undefined): void {
    this.closeCall();
    this.call = { name, signature: thoughtSignature, args: '' };
  }

  toolArguments(delta: string): void {
    if (this.call) this.call.args += delta;
  }

  blockEnd(): void {
    this.closeCall();
  }

  end() {
    if (this.ended) return this.take();
    this.ended = true;
    this.closeCall();
    this.out.push({
      name: '',
      data: JSON.stringify(geminiResponse(this.id, this.model, [{ text: '' }], { finishReason: geminiFinishReason(this.finishReason), usage: this.usageKept })),
    });
    return this.take();
  }

  private closeCall(): void {
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    const args = this.redact(`call ${this.calls++}`, call.args);
    this.chunk([functionCallPart(call.name, toolArguments(args), call.signature)]);
  }

  private chunk(parts: Wire[]): void {
    this.out.push({ name: '', data: JSON.stringify(geminiResponse(this.id, this.model, parts)) });
  }
}
