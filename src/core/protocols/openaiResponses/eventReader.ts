import type { AnswerSink, FinishReason, UsageReport } from '../../conversation/answerEvents';
import type { AnswerEventReader } from '../answerStream';
import type { SseEvent } from '../sse';
import { asWire, numberOr, parseWire, stringOr, type Wire } from '../wire';

/** Events after which a Responses stream has nothing more to say. */
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

/**
 * Reads an OpenAI Responses stream into the answer model: message text and refusals, reasoning summaries, function
 * calls with their argument fragments, and the end — status, reason and usage — from the terminal event. Items
 * the model does not carry (a built-in tool's call, an image) are `other`.
 */
export class ResponsesEventReader implements AnswerEventReader {
  private started = false;
  private calls = 0;

  read(event: SseEvent, sink: AnswerSink): boolean {
    if (event.data === undefined) return false;
    const json = parseWire(event.data);
    return json ? this.readJson(event.name, json, sink) : false;
  }

  readJson(name: string, json: Wire, sink: AnswerSink): boolean {
    const type = stringOr(json.type, name);
    if (TERMINAL.has(type)) {
      const response = asWire(json.response);
      const usage = asWire(response?.usage);
      if (usage) sink.usage(responsesUsage(usage));
      if (type !== 'response.failed' && type !== 'error') sink.finish(finishOf(response, this.calls > 0));
      return true;
    }
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued': {
        if (this.started) return false;
        const response = asWire(json.response);
        this.started = true;
        sink.start(stringOr(response?.id, 'keybridge'), typeof response?.model === 'string' ? response.model : undefined);
        return false;
      }
      case 'response.output_item.added': {
        const item = asWire(json.item) ?? {};
        if (item.type === 'function_call') {
          this.calls++;
          sink.toolCall(stringOr(item.call_id, ''), stringOr(item.name, ''), undefined);
        } else if (item.type === 'reasoning') {
          // Its encrypted content belongs to the provider and account that made it; only its summary is read.
          sink.other('reasoning');
        } else if (item.type !== 'message') {
          sink.other(typeof item.type === 'string' && item.type.endsWith('_call') ? 'a tool call' : `a ${stringOr(item.type, 'non-message')} item`);
        }
        return false;
      }
      case 'response.content_part.added': {
        const part = asWire(json.part);
        if (part?.type === 'refusal') sink.refusal('');
        else if (part?.type !== 'output_text') sink.other(`a ${stringOr(part?.type, 'non-text')} part`);
        return false;
      }
      case 'response.output_text.delta':
        if (typeof json.delta === 'string' && json.delta !== '') sink.text(json.delta);
        return false;
      case 'response.refusal.delta':
        if (typeof json.delta === 'string') sink.refusal(json.delta);
        return false;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        if (typeof json.delta === 'string') sink.reasoning(json.delta);
        return false;
      case 'response.function_call_arguments.delta':
        if (typeof json.delta === 'string' && json.delta !== '') sink.toolArguments(json.delta);
        return false;
      case 'response.output_item.done':
        sink.blockEnd();
        return false;
      default:
        return false;
    }
  }
}

/** Responses usage in our terms: both count cached tokens inside the input and reasoning tokens inside the output. */
function responsesUsage(usage: Wire): UsageReport {
  return {
    input: numberOr(usage.input_tokens, undefined),
    output: numberOr(usage.output_tokens, undefined),
    cacheRead: numberOr(asWire(usage.input_tokens_details)?.cached_tokens, undefined),
    reasoning: numberOr(asWire(usage.output_tokens_details)?.reasoning_tokens, undefined),
  };
}

function finishOf(response: Wire | undefined, madeCalls: boolean): FinishReason {
  const reason = asWire(response?.incomplete_details)?.reason;
  if (reason === 'max_output_tokens') return 'max_tokens';
  if (reason === 'content_filter') return 'refusal';
  return madeCalls ? 'tool_use' : 'end';
}
