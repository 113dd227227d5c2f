import type { Endpoint, StreamFacts } from '../protocols/protocol';
import type { SseEvent } from '../protocols/sse';
import type { AnswerHold } from '../upstream/answerHold';
import { MessagesEventReader } from '../protocols/anthropicMessages/eventReader';
import type { AnswerEventReader } from '../protocols/answerStream';
import { ChatEventReader } from '../protocols/openaiChat/eventReader';
import { ResponsesEventReader } from '../protocols/openaiResponses/eventReader';
import { parseWire } from '../protocols/wire';
import { TranscriptSink } from './answerNotes';
import { notePosition } from './streamPosition';
import type { ReportedUsage, StreamPosition } from './transcriptState';

/** The streamed endpoints a continuation can extend. */
export type ContinuableEndpoint = StreamPosition['endpoint'];

/** What the transcript needs of each format it can extend: where it starts, its event reader, what it releases. */
interface TranscriptFormat<E extends ContinuableEndpoint> {
  position(): Extract<StreamPosition, { endpoint: E }>;
  reader(): AnswerEventReader;
  /** Anthropic Messages: input is counted apart from the cache, and reasoning comes as thinking blocks. */
  messagesUsage: boolean;
  /** Drops what it holds only to end a continuation's answer (the Responses output items). */
  release(position: Extract<StreamPosition, { endpoint: E }>): void;
  /** What a terminal error written now must repeat. */
  facts(position: Extract<StreamPosition, { endpoint: E }>): StreamFacts;
}

const FORMATS: { [E in ContinuableEndpoint]: TranscriptFormat<E> } = {
  messages: {
    position: () => ({ endpoint: 'messages', nextIndex: 0 }),
    reader: () => new MessagesEventReader(),
    messagesUsage: true,
    release: () => undefined,
    facts: (p) => ({ responseId: p.id, model: p.model }),
  },
  chat: {
    position: () => ({ endpoint: 'chat' }),
    reader: () => new ChatEventReader(),
    messagesUsage: false,
    release: () => undefined,
    facts: (p) => ({ responseId: p.id, model: p.model }),
  },
  responses: {
    position: () => ({ endpoint: 'responses', doneItems: [], nextOutputIndex: 0 }),
    reader: () => new ResponsesEventReader(),
    messagesUsage: false,
    release: (p) => {
      p.doneItems.length = 0;
      p.openItem = undefined;
    },
    facts: (p) => ({ responseId: p.id, model: p.model, createdAt: p.createdAt, lastSequence: p.lastSequence }),
  },
};

export function isContinuableEndpoint(endpoint: Endpoint): endpoint is ContinuableEndpoint {
  return Object.hasOwn(FORMATS, endpoint);
}

/** The transcript format of an endpoint, typed loosely: each entry is called only with its own position. */
function formatOf(endpoint: ContinuableEndpoint): TranscriptFormat<ContinuableEndpoint> {
  return FORMATS[endpoint] as unknown as TranscriptFormat<ContinuableEndpoint>;
}

/** A rough count for text a provider has not reported tokens for yet; about four characters a token. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * What the client has received of a committed stream, fed with every whole
 * event written to it, in order: the text, whether a continuation could
 * extend it, and where the client's message stands (ids, indices, sequence).
 */
export class StreamTranscript {
  readonly position: StreamPosition;
  readonly usage: ReportedUsage = {};
  private delivered = '';
  private blocker: string | undefined;
  private finished = false;
  private terminated = false;
  /** The client's format's own event reader: a continuation reads the answer as translation does. */
  private readonly reader: AnswerEventReader;
  private readonly sink: TranscriptSink;
  /** The text outgrew its room: it is no longer kept, and the answer is not continued. */
  private overflowed = false;
  /** A continuation is spliced in: its last event is built from the output items, so all are kept. */
  private splicing = false;

  constructor(
    readonly endpoint: ContinuableEndpoint,
    /** Room for the delivered text (capped, counted in the memory budget); without one, tests only, it is unbounded. */
    private readonly hold?: AnswerHold,
  ) {
    const format = formatOf(endpoint);
    this.position = format.position();
    this.reader = format.reader();
    const notes = {
      appendText: (text: string) => this.keepText(text),
      block: (reason: string) => (this.blocker ??= reason),
      finish: () => (this.finished = true),
    };
    this.sink = new TranscriptSink(notes, this.usage, format.messagesUsage);
  }

  /** Takes one whole event exactly as the client received it. */
  note(event: SseEvent): void {
    const data = event.data;
    if (data === undefined) return;
    if (data === '[DONE]') {
      this.terminated = true;
      return;
    }
    const json = parseWire(data);
    // The client got something we cannot read; continuing after it could contradict it.
    if (!json) {
      this.blocker ??= 'an event that is not JSON';
      return;
    }
    const position = this.position;
    notePosition(position, event.name, json);
    if (this.reader.readJson(event.name, json, this.sink)) this.terminated = true;
    // The output items are kept only to end a continuation's response; an answer that cannot be continued needs none
    // (a tool call's arguments could be hundreds of megabytes).
    if (this.blocker !== undefined && !this.splicing) formatOf(this.endpoint).release(position);
  }

  /** A continuation is being spliced in: keep every output item from here, even once it could not be continued again. */
  keepOutputItems(): void {
    this.splicing = true;
  }

  /** Gives back the memory the text held; the attempt calls it however the answer ended. */
  releaseHold(): void {
    this.hold?.release();
  }

  /** Text the client received, kept while there is room for it; past that the answer is not continued. */
  private keepText(text: string): void {
    if (this.overflowed) return;
    this.delivered += text;
    const limit = this.hold?.growTo(this.delivered.length);
    if (limit === undefined) return;
    this.overflowed = true;
    this.blocker ??= `more text than ${limit}`;
    this.delivered = '';
    this.hold?.release();
  }

  /** The client's stream has its terminal event (or an in-band error). */
  get ended(): boolean {
    return this.terminated;
  }

  /** All text the client has received, across text blocks or items. */
  get text(): string {
    return this.delivered;
  }

  /** Why the answer cannot be continued, or undefined when it can. */
  get notContinuableBecause(): string | undefined {
    if (this.terminated) return 'the stream already ended';
    if (this.blocker) return `the answer contains ${this.blocker}`;
    if (this.finished) return 'the answer was already complete';
    return undefined;
  }

  /** Text only so far (no tool call, thinking, reasoning or refusal), and neither finished nor ended. */
  get continuable(): boolean {
    return this.notContinuableBecause === undefined;
  }

  /** Output tokens the delivered text cost: the provider's count when it reported one that covers it, else an estimate. */
  get deliveredOutputTokens(): number {
    return Math.max(this.usage.output ?? 0, estimateTokens(this.delivered));
  }

  /** What a terminal error written now must repeat (Responses: id, model, sequence). */
  get facts(): StreamFacts {
    return formatOf(this.endpoint).facts(this.position);
  }
}
