import type { FormatCodec } from '../codec';
import { asWire } from '../wire';
import { readChatAnswer } from './answerReader';
import { ChatAnswerWriter } from './answerWriter';
import { ChatEventReader } from './eventReader';
import { ChatEventWriter } from './eventWriter';
import { readChatRequest } from './requestReader';
import { writeChatRequest } from './requestWriter';

export const openaiChatCodec: FormatCodec = {
  name: 'OpenAI Chat',
  readRequest: readChatRequest,
  writeRequest: (conversation, model, dialect) => writeChatRequest(conversation, { model, dialect }),
  eventReader: () => new ChatEventReader(),
  readAnswer: readChatAnswer,
  // A usage chunk goes last only when the client asked for one.
  eventWriter: ({ model, createdAt, client, redact }) => new ChatEventWriter(model, createdAt, asWire(client.stream_options)?.include_usage === true, redact),
  writeAnswer: ({ model, createdAt }, read) => {
    const writer = new ChatAnswerWriter(model, createdAt);
    read(writer);
    return writer.finishSeen ? writer.completion() : undefined;
  },
};
