/**
 * The bridge's streamed answer as the parts VS Code's language model API reports: text as it arrives, and
 * each tool call once its arguments are complete (VS Code takes a call's input as one object). Both protocols
 * are read by the core's own event readers into the answer model, so one sink serves both. No `vscode` import.
 */
import type { Protocol } from '../config';
import type { AnswerSink, FinishReason } from '../conversation/answerEvents';
import { MessagesEventReader } from '../protocols/anthropicMessages/eventReader';
import type { AnswerEventReader } from '../protocols/answerStream';
import { ChatEventReader } from '../protocols/openaiChat/eventReader';
import { GeminiEventReader } from '../protocols/geminiGenerate/eventReader';
import type { WireFormat } from '../protocols/protocol';
import type { SseEvent } from '../protocols/sse';
import { primaryFormat } from '../protocols/table';
import { asWire, parseWire, stringOr, toolArguments } from '../translation/wire';

export type AnswerPart = { kind: 'text'; text: string } | { kind: 'toolCall'; callId: string; name: string; input: object };

/** The answer failed after it started: an error event from the bridge, or a stream that ended early. */
export class AnswerStreamError extends Error {
  constructor(
    message: string,
    /** The error type the event named (`rate_limit_error`, `overloaded_error` …), when it named one. */
    readonly type?: string,
  ) {
    super(message);
    this.name = 'AnswerStreamError';
  }
}

export interface AnswerReader {
  /** The parts one SSE event completes; throws AnswerStreamError for an error event. */
  push(event: SseEvent): AnswerPart[];
  /** The stream ended: throws AnswerStreamError when the answer never said it was complete. */
  end(): void;
}

/**
 * The readers of the formats the bridge's own clients speak (each protocol's primary format), and whether the
 * format's final event alone says the answer is complete (Anthropic's message_stop) or its finish reason does.
 */
const READERS: Partial<Record<WireFormat['id'], () => { reader: AnswerEventReader; completeAtFinalEvent: boolean }>> = {
  anthropicMessages: () => ({ reader: new MessagesEventReader(), completeAtFinalEvent: true }),
  openaiChat: () => ({ reader: new ChatEventReader(), completeAtFinalEvent: false }),
  geminiGenerate: () => ({ reader: new GeminiEventReader(), completeAtFinalEvent: true }),
};

export function answerReader(protocol: Protocol): AnswerReader {
  const format = primaryFormat(protocol);
  const make = READERS[format.id];
  if (!make) throw new Error(`no answer reader for ${format.label}`);
  const { reader, completeAtFinalEvent } = make();
  return new BridgeAnswerReader(reader, completeAtFinalEvent);
}

/** The answer model as response parts: text at once, a tool call when its block ends (or the next one starts). */
class PartsSink implements AnswerSink {
  parts: AnswerPart[] = [];
  finishReason: FinishReason | undefined;
  private call: { id: string; name: string; json: string } | undefined;
  private calls = 0;

  start(): void {
    /* nothing to report */
  }

  text(delta: string): void {
    this.blockEnd();
    if (delta !== '') this.parts.push({ kind: 'text', text: delta });
  }

  refusal(delta: string): void {
    this.text(delta);
  }

  // Reasoning stays out: VS Code's stable API has no part for it.
  reasoning(): void {
    /* not reported */
  }

  reasoningSignature(): void {
    /* not reported */
  }

  toolCall(id: string, name: string): void {
    this.blockEnd();
    this.call = { id: id || `call_${this.calls}`, name, json: '' };
    this.calls++;
  }

  toolArguments(delta: string): void {
    if (this.call) this.call.json += delta;
  }

  blockEnd(): void {
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    this.parts.push({ kind: 'toolCall', callId: call.id, name: call.name, input: toolArguments(call.json) });
  }

  usage(): void {
    /* not reported */
  }

  finish(reason: FinishReason): void {
    this.finishReason = reason;
  }

  other(): void {
    /* nothing to report */
  }

  take(): AnswerPart[] {
    const parts = this.parts;
    this.parts = [];
    return parts;
  }
}

/**
 * Reads the bridge's stream in either protocol. An error event (the bridge ends a failed stream with one) is
 * thrown; an answer is complete at Anthropic's message_stop, or once a Chat stream said how it finished.
 */
class BridgeAnswerReader implements AnswerReader {
  private readonly sink = new PartsSink();
  private finalSeen = false;

  constructor(
    private readonly reader: AnswerEventReader,
    private readonly completeAtFinalEvent: boolean,
  ) {}

  push(event: SseEvent): AnswerPart[] {
    if (event.data === undefined || this.finalSeen) return [];
    const json = event.data === '[DONE]' ? undefined : parseWire(event.data);
    const error = json?.type === 'error' ? asWire(json.error) : asWire(json?.error);
    if (error) throw new AnswerStreamError(stringOr(error.message, 'the provider ended the answer with an error'), stringOr(error.type, '') || undefined);
    this.finalSeen = json ? this.reader.readJson(event.name, json, this.sink) : this.reader.read(event, this.sink);
    if (this.finalSeen) {
      // `[DONE]` without a finish reason: the answer was cut short.
      if (!this.complete) throw new AnswerStreamError('the answer ended before it was complete');
      this.sink.blockEnd();
    }
    return this.sink.take();
  }

  end(): void {
    if (!this.complete) throw new AnswerStreamError('the answer ended before it was complete');
  }

  private get complete(): boolean {
    if (this.completeAtFinalEvent) return this.finalSeen;
    const finish = this.sink.finishReason;
    return finish !== undefined && finish !== 'cut';
  }
}
