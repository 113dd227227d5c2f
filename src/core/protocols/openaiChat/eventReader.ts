import type { AnswerSink } from '../../conversation/answerEvents';
import type { AnswerEventReader } from '../answerStream';
import type { SseEvent } from '../sse';
import { asWire, parseWire, stringOr, wireArray, type Wire } from '../wire';
import {
  argumentsText,
  chatFinish,
  chatUsage,
  hasReasoningDetails,
  madeUpCallIds,
  readContent,
  reasoningText,
  reportedUsage,
  thoughtSignature,
} from './chatAnswerFacts';

/**
 * Reads a Chat Completions stream into the answer model, chunk by chunk: reasoning and text deltas, each tool
 * call (a new index or id starts the next) with its argument fragments as they come, the finish reason, and usage
 * wherever the provider puts it. One answer is read: a chunk's choices other than the first are `other`.
 */
export class ChatEventReader implements AnswerEventReader {
  private started = false;
  /** The Chat index and id of the call open now. */
  private call: { index: number | undefined; id: string } | undefined;
  private calls = 0;
  private readonly madeUp = madeUpCallIds();

  read(event: SseEvent, sink: AnswerSink): boolean {
    const data = event.data;
    if (data === undefined) return false;
    if (data === '[DONE]') return true;
    const json = parseWire(data);
    return json ? this.readJson(event.name, json, sink) : false;
  }

  readJson(_name: string, json: Wire, sink: AnswerSink): boolean {
    if (json.error !== undefined) return true;
    if (!this.started) {
      this.started = true;
      sink.start(stringOr(json.id, 'keybridge'), typeof json.model === 'string' ? json.model : undefined);
    }
    const choices = wireArray(json.choices);
    for (const choice of choices) {
      if (typeof choice.index === 'number' && choice.index !== 0) {
        sink.other('several choices');
        continue;
      }
      const delta = asWire(choice.delta);
      if (delta) this.readDelta(delta, sink);
      if (typeof choice.finish_reason === 'string') sink.finish(chatFinish(choice.finish_reason, this.calls > 0));
    }
    const usage = reportedUsage(json, choices.at(0));
    if (usage) sink.usage(chatUsage(usage));
    return false;
  }

  private readDelta(delta: Wire, sink: AnswerSink): void {
    const reasoning = reasoningText(delta);
    if (reasoning !== '') sink.reasoning(reasoning);
    else if (hasReasoningDetails(delta)) sink.other('reasoning');
    readContent(delta.content, sink);
    if (typeof delta.refusal === 'string' && delta.refusal !== '') sink.refusal(delta.refusal);
    for (const call of wireArray(delta.tool_calls)) this.toolCall(call, sink);
    // The deprecated single call of older clients and providers: one call, no index, no id.
    const legacy = asWire(delta.function_call);
    if (legacy) this.toolCall({ function: legacy }, sink);
  }

  private toolCall(call: Wire, sink: AnswerSink): void {
    const fn = asWire(call.function);
    if (!continuesCall(this.call, call)) {
      const id = stringOr(call.id, '') || this.madeUp(typeof call.index === 'number' ? call.index : this.calls);
      this.calls++;
      this.call = { index: typeof call.index === 'number' ? call.index : undefined, id };
      sink.toolCall(id, stringOr(fn?.name, ''), thoughtSignature(call));
    }
    const args = argumentsText(fn?.arguments);
    if (args !== '') sink.toolArguments(args);
  }
}

/**
 * Whether a Chat tool-call fragment continues the open call. OpenAI numbers calls by `index`; Gemini sends no index,
 * or 0 for every call, so a new `id` also starts the next call. A fragment with neither continues the open one.
 */
function continuesCall(open: { index: number | undefined; id: string } | undefined, call: Wire): boolean {
  if (!open) return false;
  if (typeof call.index === 'number' && open.index !== undefined && call.index !== open.index) return false;
  const id = stringOr(call.id, '');
  return id === '' || id === open.id;
}
