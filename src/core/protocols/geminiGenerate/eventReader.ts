import type { AnswerSink, FinishReason, UsageReport } from '../../conversation/answerEvents';
import type { AnswerEventReader } from '../answerStream';
import type { SseEvent } from '../sse';
import { madeUpCallIds } from '../openaiChat/chatAnswerFacts';
import { asWire, numberOr, parseWire, stringOr, wireArray, type Wire } from '../wire';

/** Gemini's finish reasons that are a refusal of the content (its safety filters, recitation, blocked terms). */
const REFUSED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** A finish reason in our terms. Gemini says STOP after function calls too; a call it could not write is no answer. */
export function geminiFinish(reason: string, madeCalls: boolean): FinishReason {
  if (reason === 'STOP') return madeCalls ? 'tool_use' : 'end';
  if (reason === 'MAX_TOKENS') return 'max_tokens';
  if (REFUSED.has(reason)) return 'refusal';
  return 'cut';
}

/** `usageMetadata` in our terms: the prompt holds the cached tokens, the output the thinking as well. */
export function geminiUsage(usage: Wire): UsageReport {
  const candidates = numberOr(usage.candidatesTokenCount, 0);
  const thoughts = numberOr(usage.thoughtsTokenCount, 0);
  const report: UsageReport = { output: candidates + thoughts, reasoning: thoughts };
  if (typeof usage.promptTokenCount === 'number') report.input = usage.promptTokenCount;
  if (typeof usage.cachedContentTokenCount === 'number') report.cacheRead = usage.cachedContentTokenCount;
  return report;
}

/**
 * Reads Gemini's answer chunks (each a GenerateContentResponse) into the answer model: text and thought parts as
 * they come, each function call whole (Gemini does not stream arguments) with its thought signature, usage, and
 * the finish reason, whose chunk is the stream's last. Calls without an id get one unique to the answer. One candidate
 * is read: the others are `other`.
 */
export class GeminiEventReader implements AnswerEventReader {
  private started = false;
  private calls = 0;
  /** Gemini's API gives calls no id: each gets one unique to this answer, so two answers' calls never share one. */
  private readonly madeUp = madeUpCallIds();

  read(event: SseEvent, sink: AnswerSink): boolean {
    const json = event.data === undefined ? undefined : parseWire(event.data);
    return json ? this.readJson(event.name, json, sink) : false;
  }

  readJson(_name: string, json: Wire, sink: AnswerSink): boolean {
    if (json.error !== undefined) return true;
    if (!this.started) {
      this.started = true;
      sink.start(stringOr(json.responseId, 'keybridge'), typeof json.modelVersion === 'string' ? json.modelVersion : undefined);
    }
    const candidates = wireArray(json.candidates);
    if (candidates.length > 1) sink.other('several candidates');
    const candidate = candidates.at(0);
    for (const part of wireArray(asWire(candidate?.content)?.parts)) this.readPart(part, sink);
    const usage = asWire(json.usageMetadata);
    if (usage) sink.usage(geminiUsage(usage));
    if (typeof candidate?.finishReason === 'string') {
      sink.finish(geminiFinish(candidate.finishReason, this.calls > 0));
      return true;
    }
    // A prompt Gemini blocked has no candidate at all, only the reason.
    if (typeof asWire(json.promptFeedback)?.blockReason === 'string' && candidates.length === 0) {
      sink.finish('refusal');
      return true;
    }
    return false;
  }

  private readPart(part: Wire, sink: AnswerSink): void {
    const call = asWire(part.functionCall);
    if (call) {
      const id = stringOr(call.id, '') || this.madeUp(this.calls);
      this.calls++;
      sink.toolCall(id, stringOr(call.name, ''), typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined);
      sink.toolArguments(JSON.stringify(asWire(call.args) ?? {}));
      sink.blockEnd();
    } else if (typeof part.text === 'string') {
      if (part.thought === true) sink.reasoning(part.text);
      else sink.text(part.text);
    } else {
      // A part holding only a signature (Gemini ends some answers so) says nothing a client reads.
      const kind = Object.keys(part).find((k) => k !== 'thoughtSignature');
      if (kind !== undefined) sink.other(`a ${kind} part`);
    }
  }
}
