import { dialectTraits, type DialectId } from '../providers/dialect';
import { anthropicMessagesCodec } from '../protocols/anthropicMessages/codec';
import type { AnswerEventReader, AnswerEventWriter, PieceRedactor } from '../protocols/answerStream';
import type { AnswerContext, FormatCodec } from '../protocols/codec';
import { openaiChatCodec } from '../protocols/openaiChat/codec';
import { openaiResponsesCodec } from '../protocols/openaiResponses/codec';
import type { SseEvent } from '../protocols/sse';
import type { StreamTranslator } from './streamTranslator';
import type { Wire } from './wire';

/**
 * One upstream stream as the client's, event by event: the upstream format's reader turns each event into the
 * answer model, the client format's writer writes it (docs/ARCHITECTURE.md §9). N formats need N readers and N
 * writers, not a translator per pair.
 */
class TranslatedStream implements StreamTranslator {
  private ended = false;

  constructor(
    private readonly reader: AnswerEventReader,
    private readonly writer: AnswerEventWriter,
  ) {}

  get finishSeen(): boolean {
    return this.writer.finishSeen;
  }

  get heldChars(): number {
    return this.writer.heldChars;
  }

  get facts() {
    return this.writer.facts;
  }

  push(upstream: SseEvent): SseEvent[] {
    if (this.ended) return [];
    if (!this.reader.read(upstream, this.writer)) return this.writer.take();
    // The upstream's last event: a cut answer is not closed here, so the relay ends it with the client's error.
    return this.writer.finishSeen ? this.end() : this.writer.take();
  }

  /** Every writer ends its answer once (a second end has nothing to write), so this only stops later pushes. */
  end(): SseEvent[] {
    this.ended = true;
    return this.writer.end();
  }
}

/** The dialect whose reasoning state goes to the client, when the provider wants it back on later turns. */
export function carriedDialect(dialect: DialectId | undefined): DialectId | undefined {
  return dialectTraits(dialect).reasoningReturn === 'none' ? undefined : dialect;
}

/** The upstream format's stream as the client format's, event by event. */
export function translatedStream(upstream: FormatCodec, client: FormatCodec, context: AnswerContext): StreamTranslator {
  return new TranslatedStream(upstream.eventReader(), client.eventWriter(context));
}

/**
 * The upstream format's non-streamed answer as the client format's; undefined when the provider stopped it
 * unfinished, which is not an answer to pass on.
 */
export function translatedAnswer(upstream: FormatCodec, client: FormatCodec, answer: Wire, context: AnswerContext): Wire | undefined {
  const read = upstream.readAnswer;
  if (!read) throw new Error(`no answer reader for ${upstream.name}`);
  return client.writeAnswer(context, (sink) => read(answer, sink));
}

// Each direction by name, for the tests that pin one: the pairs above, nothing of their own.

export function chatToMessagesStream(model: string, redact?: PieceRedactor, carry?: DialectId): StreamTranslator {
  return translatedStream(openaiChatCodec, anthropicMessagesCodec, { model, createdAt: 0, client: {}, redact, carry });
}

export function chatToMessagesAnswer(chat: Wire, model: string, carry?: DialectId): Wire | undefined {
  return translatedAnswer(openaiChatCodec, anthropicMessagesCodec, chat, { model, createdAt: 0, client: {}, carry });
}

/** `includeUsage`: the client asked for a usage chunk. */
export function messagesToChatStream(model: string, created: number, includeUsage: boolean, redact?: PieceRedactor): StreamTranslator {
  return translatedStream(anthropicMessagesCodec, openaiChatCodec, {
    model,
    createdAt: created,
    client: { stream_options: { include_usage: includeUsage } },
    redact,
  });
}

export function messagesToChatAnswer(message: Wire, model: string, created: number): Wire | undefined {
  return translatedAnswer(anthropicMessagesCodec, openaiChatCodec, message, { model, createdAt: created, client: {} });
}

export function messagesToResponsesStream(model: string, createdAt: number, redact?: PieceRedactor): StreamTranslator {
  return translatedStream(anthropicMessagesCodec, openaiResponsesCodec, { model, createdAt, client: {}, redact });
}

export function messagesToResponsesAnswer(message: Wire, model: string, createdAt: number): Wire | undefined {
  return translatedAnswer(anthropicMessagesCodec, openaiResponsesCodec, message, { model, createdAt, client: {} });
}

export function chatToResponsesStream(model: string, createdAt: number, redact?: PieceRedactor, carry?: DialectId): StreamTranslator {
  return translatedStream(openaiChatCodec, openaiResponsesCodec, { model, createdAt, client: {}, redact, carry });
}

export function chatToResponsesAnswer(chat: Wire, model: string, createdAt: number, carry?: DialectId): Wire | undefined {
  return translatedAnswer(openaiChatCodec, openaiResponsesCodec, chat, { model, createdAt, client: {}, carry });
}
