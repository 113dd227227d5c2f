import type { AnswerUsage, FinishReason } from '../../conversation/answerEvents';
import type { Wire } from '../wire';

/** A finish reason as Gemini says it; a cut is written by no one (the relay ends the stream with an error). */
export function geminiFinishReason(reason: FinishReason | undefined): string {
  if (reason === 'max_tokens') return 'MAX_TOKENS';
  if (reason === 'refusal') return 'SAFETY';
  if (reason === 'cut') return 'OTHER';
  return 'STOP';
}

/** Usage as Gemini's `usageMetadata`: the thinking apart from the candidates, the cached tokens within the prompt. */
export function geminiUsageMetadata(usage: AnswerUsage): Wire {
  const metadata: Wire = {
    promptTokenCount: usage.input,
    candidatesTokenCount: Math.max(0, usage.output - usage.reasoning),
    totalTokenCount: usage.input + usage.output,
  };
  if (usage.reasoning > 0) metadata.thoughtsTokenCount = usage.reasoning;
  if (usage.cacheRead > 0) metadata.cachedContentTokenCount = usage.cacheRead;
  return metadata;
}

/** One GenerateContentResponse: its candidate's parts, and what a last one says besides. */
export function geminiResponse(id: string, model: string, parts: Wire[], last?: { finishReason: string; usage: AnswerUsage }): Wire {
  const candidate: Wire = { content: { role: 'model', parts }, index: 0 };
  if (last) candidate.finishReason = last.finishReason;
  const response: Wire = { candidates: [candidate] };
  if (last) response.usageMetadata = geminiUsageMetadata(last.usage);
  response.modelVersion = model;
  response.responseId = id;
  return response;
}

/** A function call as Gemini writes it: its arguments an object, its thought signature beside it when it has one. */
export function functionCallPart(name: string, args: Wire, thoughtSignature: string | undefined): Wire {
  const part: Wire = { functionCall: { name, args } };
  if (thoughtSignature !== undefined) part.thoughtSignature = thoughtSignature;
  return part;
}
