import type { FormatCodec } from '../codec';
import { writeResponsesAnswer } from './answerWriter';
import { ResponsesEventReader } from './eventReader';
import { ResponsesEventWriter } from './eventWriter';
import { readResponsesRequest } from './requestReader';

/** Responses is only ever the client's side: a pool of its protocol that lacks it is reached in Chat Completions. */
export const openaiResponsesCodec: FormatCodec = {
  name: 'OpenAI Responses',
  readRequest: readResponsesRequest,
  eventReader: () => new ResponsesEventReader(),
  eventWriter: ({ model, createdAt, redact, carry }) => new ResponsesEventWriter(model, createdAt, redact, carry),
  writeAnswer: ({ model, createdAt, carry }, read) => writeResponsesAnswer(read, model, createdAt, carry),
};
