import { emptyUsage, mergeUsage, type AnswerSink, type FinishReason, type UsageReport } from '../../conversation/answerEvents';
import { toolArguments, type Wire } from '../wire';
import { functionCallPart, geminiFinishReason, geminiResponse } from './geminiWriting';

/** Collects the answer model into one GenerateContentResponse: consecutive text (or thought) deltas in one part. */
export class GeminiAnswerWriter implements AnswerSink {
  private id = 'keybridge';
  private readonly parts: Wire[] = [];
  /** The part the text deltas go to now, and whether it is a thought. */
  private open: { part: Wire; thought: boolean } | undefined;
  private call: { name: string; signature: string | undefined; args: string } | undefined;
  private finishReason: FinishReason | undefined;
  private readonly usageKept = emptyUsage();

  constructor(private readonly model: string) {}

  /** Whether the answer said how it ended (a finish that is not a cut). */
  get finishSeen(): boolean {
    return this.finishReason !== undefined && this.finishReason !== 'cut';
  }

  start(id: string): void {
    this.id = id;
  }

  text(delta: string): void {
    this.append(delta, false);
  }

  refusal(delta: string): void {
    this.append(delta, false);
  }

  reasoning(delta: string): void {
    this.append(delta, true);
  }

  reasoningSignature(): void {
    /* another provider's proof: for that provider alone */
  }

  toolCall(_id: string, name: string, thoughtSignature: string | undefined): void {
    this.blockEnd();
    this.call = { name, signature: thoughtSignature, args: '' };
  }

  toolArguments(delta: string): void {
    if (this.call) this.call.args += delta;
  }

  blockEnd(): void {
    this.open = undefined;
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    this.parts.push(functionCallPart(call.name, toolArguments(call.args), call.signature));
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

  /** The answer, under the model name the client knows. */
  response(): Wire {
    this.blockEnd();
    return geminiResponse(this.id, this.model, this.parts, { finishReason: geminiFinishReason(this.finishReason), usage: this.usageKept });
  }

  private append(delta: string, thought: boolean): void {
    if (this.call) this.blockEnd();
    if (this.open?.thought !== thought) {
      if (delta === '') return;
      this.open = { part: thought ? { text: '', thought: true } : { text: '' }, thought };
      this.parts.push(this.open.part);
    }
    this.open.part.text = (this.open.part.text as string) + delta;
  }
}
