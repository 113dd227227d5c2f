import type { AnswerSink } from '../../conversation/answerEvents';
import { asWire, stringOr, wireArray, type Wire } from '../wire';
import { argumentsText, chatFinish, chatUsage, madeUpCallIds, readContent, reasoningText, reportedUsage, thoughtSignature } from './chatAnswerFacts';

/** Reads a non-streamed Chat completion (its first choice) into the answer model, in the order a stream has it. */
export function readChatAnswer(chat: Wire, sink: AnswerSink): void {
  sink.start(stringOr(chat.id, 'keybridge'), typeof chat.model === 'string' ? chat.model : undefined);
  const choice = wireArray(chat.choices).at(0);
  const message = asWire(choice?.message) ?? {};
  const reasoning = reasoningText(message);
  if (reasoning !== '') sink.reasoning(reasoning);
  readContent(message.content, sink);
  if (typeof message.refusal === 'string' && message.refusal !== '') sink.refusal(message.refusal);
  const calls = wireArray(message.tool_calls);
  const legacy = asWire(message.function_call);
  if (legacy) calls.push({ function: legacy });
  const madeUp = madeUpCallIds();
  calls.forEach((call, i) => {
    const fn = asWire(call.function);
    sink.toolCall(stringOr(call.id, '') || madeUp(i), stringOr(fn?.name, ''), thoughtSignature(call));
    const args = argumentsText(fn?.arguments);
    if (args !== '') sink.toolArguments(args);
    sink.blockEnd();
  });
  const usage = reportedUsage(chat, choice);
  if (usage) sink.usage(chatUsage(usage));
  sink.finish(chatFinish(stringOr(choice?.finish_reason, 'stop'), calls.length > 0));
}
