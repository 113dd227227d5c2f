import type { FormatCodec } from '../codec';
import { readMessagesAnswer } from './answerReader';
import { MessagesAnswerWriter } from './answerWriter';
import { MessagesEventReader } from './eventReader';
import { MessagesEventWriter } from './eventWriter';
import { readMessagesRequest } from './requestReader';
import { writeMessagesRequest } from './requestWriter';

/**
 * Anthropic requires `max_tokens`; clients of other formats often leave it out. The largest every model of the
 * family takes: Claude 3 models stop at 4,096 output tokens (3.5 at 8,192), later ones take far more.
 */
function defaultMaxTokens(model: string): number {
  if (/^claude-3-(opus|sonnet|haiku)/.test(model)) return 4_096;
  if (/^claude-3-5/.test(model)) return 8_192;
  return 32_000;
}

export const anthropicMessagesCodec: FormatCodec = {
  name: 'Anthropic Messages',
  readRequest: readMessagesRequest,
  writeRequest: (conversation, model) => writeMessagesRequest(conversation, { model, defaultMaxTokens: defaultMaxTokens(model) }),
  eventReader: () => new MessagesEventReader(),
  readAnswer: readMessagesAnswer,
  eventWriter: ({ model, redact, carry }) => new MessagesEventWriter(model, redact, carry),
  writeAnswer: ({ model, carry }, read) => {
    const writer = new MessagesAnswerWriter(model, carry);
    read(writer);
    return writer.finishSeen ? writer.message() : undefined;
  },
};
