import type { AnswerSink } from '../../conversation/answerEvents';
import type { Wire } from '../wire';
import { GeminiEventReader } from './eventReader';

/**
 * Reads a non-streamed Gemini answer into the answer model: it is one chunk of a stream, the last; one that
 * says nothing of how it ended (no finish reason, no blocked prompt) is taken as finished.
 */
export function readGeminiAnswer(answer: Wire, sink: AnswerSink): void {
  if (!new GeminiEventReader().readJson('', answer, sink)) sink.finish('end');
}
