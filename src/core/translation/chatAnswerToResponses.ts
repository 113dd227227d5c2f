import type { StreamFacts } from '../protocols/protocol';
import type { SseEvent } from '../protocols/sse';
import { ResponsesWriter, type ResponsesEnding, type ResponsesUsage } from './responsesWriter';
import { continuesCall } from './chatToMessages';
import { passPieces, type PieceRedactor, type StreamTranslator } from './streamTranslator';
import { asWire, numberOr, parseWire, stringOr, wireArray, type Wire } from './wire';

/** Chat's finish_reason as the way a response ends; tool calls end a `completed` response with function_call items. */
function ending(finish: unknown): ResponsesEnding {
  if (finish === 'length') return 'max_output_tokens';
  if (finish === 'content_filter') return 'content_filter';
  return 'completed';
}

/** Chat usage in Responses terms: both count cached tokens inside the input and reasoning tokens inside the output. */
function responsesUsage(usage: Wire | undefined): ResponsesUsage {
  return {
    inputTokens: numberOr(usage?.prompt_tokens, 0),
    cachedTokens: numberOr(asWire(usage?.prompt_tokens_details)?.cached_tokens, 0),
    outputTokens: numberOr(usage?.completion_tokens, 0),
    reasoningTokens: numberOr(asWire(usage?.completion_tokens_details)?.reasoning_tokens, 0),
  };
}

/**
 * A non-streamed Chat Completions answer as a Responses response, under the model name the client knows. It is
 * written by the same writer as the stream, so both have the same output items. Reasoning a provider returns
 * (`reasoning_content`) is not passed on: a Responses client would send it back as a reasoning item, which only
 * the provider that made it can read.
 */
export function chatToResponsesResponse(chat: Wire, model: string, createdAt: number): Wire {
  const writer = new ResponsesWriter(model, createdAt);
  writer.start(stringOr(chat.id, 'keybridge'));
  const choice = wireArray(chat.choices).at(0);
  const message = asWire(choice?.message);
  if (typeof message?.content === 'string') writer.text(message.content);
  if (typeof message?.refusal === 'string') writer.refusal(message.refusal);
  for (const call of wireArray(message?.tool_calls)) {
    const fn = asWire(call.function);
    writer.functionCall(stringOr(call.id, ''), stringOr(fn?.name, ''));
    writer.functionArguments(stringOr(fn?.arguments, ''));
  }
  writer.finish(ending(choice?.finish_reason), responsesUsage(asWire(chat.usage)));
  return writer.response;
}

/**
 * A Chat Completions stream as a Responses stream, event by event: text deltas as output_text deltas, each tool
 * call as a function_call item whose argument fragments are passed on the moment they arrive, and the end — with
 * the usage of Chat's last chunk — as response.completed or response.incomplete once `[DONE]` (or the end of the
 * upstream) comes. Reasoning deltas are not passed on (see chatToResponsesResponse).
 */
export class ChatToResponsesStream implements StreamTranslator {
  private readonly writer: ResponsesWriter;
  private finished = false;
  /** The Chat index and id of the tool call whose item is open. */
  private call: { call: number | undefined; id: string } | undefined;
  private calls = 0;
  private finish: unknown;
  private usage: Wire | undefined;

  constructor(
    model: string,
    createdAt: number,
    private readonly redact: PieceRedactor = passPieces,
  ) {
    this.writer = new ResponsesWriter(model, createdAt);
  }

  get heldChars(): number {
    return this.writer.heldChars;
  }

  get facts(): StreamFacts {
    return this.writer.facts;
  }

  get finishSeen(): boolean {
    return this.finish != null;
  }

  push(upstream: SseEvent): SseEvent[] {
    if (upstream.data === undefined || this.finished) return [];
    if (upstream.data === '[DONE]') return this.end();
    const chunk = parseWire(upstream.data);
    if (!chunk) return [];
    const out = this.writer.start(stringOr(chunk.id, 'keybridge'));
    const usage = asWire(chunk.usage);
    if (usage) this.usage = usage;
    for (const choice of wireArray(chunk.choices)) {
      const delta = asWire(choice.delta);
      if (typeof delta?.content === 'string' && delta.content !== '') {
        this.call = undefined;
        out.push(...this.writer.text(this.redact('content', delta.content)));
      }
      if (typeof delta?.refusal === 'string' && delta.refusal !== '') {
        this.call = undefined;
        out.push(...this.writer.refusal(this.redact('refusal', delta.refusal)));
      }
      for (const call of wireArray(delta?.tool_calls)) out.push(...this.toolCall(call));
      if (choice.finish_reason != null) this.finish = choice.finish_reason;
    }
    return out;
  }

  /** Closes the response: also what an upstream that ends without `[DONE]` but with a finish reason needs. */
  end(): SseEvent[] {
    if (this.finished) return [];
    this.finished = true;
    return this.writer.finish(ending(this.finish), responsesUsage(this.usage));
  }

  private toolCall(call: Wire): SseEvent[] {
    const fn = asWire(call.function);
    const out: SseEvent[] = [];
    // Providers stream one call after another; a new call index or id opens the next function_call item.
    if (!continuesCall(this.call, call)) {
      const id = stringOr(call.id, '') || `call_${numberOr(call.index, this.calls)}`;
      this.calls++;
      this.call = { call: typeof call.index === 'number' ? call.index : undefined, id };
      out.push(...this.writer.functionCall(id, stringOr(fn?.name, '')));
    }
    if (typeof fn?.arguments === 'string') out.push(...this.writer.functionArguments(this.redact(`call ${this.calls}`, fn.arguments)));
    return out;
  }
}
