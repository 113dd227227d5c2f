import type { FormatCodec } from '../codec';
import { readGeminiAnswer } from './answerReader';
import { GeminiAnswerWriter } from './answerWriter';
import { GeminiEventReader } from './eventReader';
import { GeminiEventWriter } from './eventWriter';
import { readGeminiRequest } from './requestReader';
import { writeGeminiRequest } from './requestWriter';

export const geminiGenerateCodec: FormatCodec = {
  name: 'Gemini generateContent',
  readRequest: readGeminiRequest,
  writeRequest: (conversation, _model, dialect) => writeGeminiRequest(conversation, dialect),
  eventReader: () => new GeminiEventReader(),
  readAnswer: readGeminiAnswer,
  eventWriter: ({ model, redact }) => new GeminiEventWriter(model, redact),
  writeAnswer: ({ model }, read) => {
    const writer = new GeminiAnswerWriter(model);
    read(writer);
    return writer.finishSeen ? writer.response() : undefined;
  },
};
