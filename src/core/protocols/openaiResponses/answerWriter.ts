import type { AnswerSink } from '../../conversation/answerEvents';
import type { DialectId } from '../../providers/dialect';
import type { Wire } from '../wire';
import { ResponsesEventWriter } from './eventWriter';

/**
 * A non-streamed Responses answer, written by the stream's writer so both have the same output items: `read`
 * reads the provider's answer into the sink it is given. Undefined for an answer the provider stopped unfinished.
 */
export function writeResponsesAnswer(read: (sink: AnswerSink) => void, model: string, createdAt: number, carry?: DialectId): Wire | undefined {
  const writer = new ResponsesEventWriter(model, createdAt, undefined, carry);
  read(writer);
  writer.end();
  return writer.finishSeen ? writer.response : undefined;
}
