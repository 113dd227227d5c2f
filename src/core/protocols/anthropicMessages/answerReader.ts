import type { AnswerSink } from '../../conversation/answerEvents';
import { asWire, stringOr, wireArray, type Wire } from '../wire';
import { messagesFinish, messagesUsage } from './messagesAnswerFacts';

/** Reads a non-streamed Anthropic message into the answer model, block by block, in the order a stream has it. */
export function readMessagesAnswer(message: Wire, sink: AnswerSink): void {
  sink.start(stringOr(message.id, 'keybridge'), typeof message.model === 'string' ? message.model : undefined);
  for (const block of wireArray(message.content)) {
    if (block.type === 'text') {
      const text = stringOr(block.text, '');
      if (text !== '') sink.text(text);
    } else if (block.type === 'thinking') {
      const text = stringOr(block.thinking, '');
      if (text !== '') sink.reasoning(text);
      if (typeof block.signature === 'string') sink.reasoningSignature(block.signature);
    } else if (block.type === 'tool_use') {
      sink.toolCall(stringOr(block.id, ''), stringOr(block.name, ''), undefined);
      sink.toolArguments(JSON.stringify(block.input ?? {}));
    } else {
      sink.other(`a ${stringOr(block.type, 'non-text')} block`);
      continue;
    }
    sink.blockEnd();
  }
  const usage = asWire(message.usage);
  if (usage) sink.usage(messagesUsage(usage, {}));
  sink.finish(messagesFinish(message.stop_reason));
}
