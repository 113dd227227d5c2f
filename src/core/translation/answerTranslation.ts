import type { AnswerSink } from '../conversation/answerEvents';
import { dialectTraits, type DialectId } from '../providers/dialect';
import { readMessagesAnswer } from '../protocols/anthropicMessages/answerReader';
import { MessagesAnswerWriter } from '../protocols/anthropicMessages/answerWriter';
import { MessagesEventReader } from '../protocols/anthropicMessages/eventReader';
import { MessagesEventWriter } from '../protocols/anthropicMessages/eventWriter';
import type { AnswerEventReader, AnswerEventWriter, PieceRedactor } from '../protocols/answerStream';
import { readChatAnswer } from '../protocols/openaiChat/answerReader';
import { ChatAnswerWriter } from '../protocols/openaiChat/answerWriter';
import { ChatEventReader } from '../protocols/openaiChat/eventReader';
import { ChatEventWriter } from '../protocols/openaiChat/eventWriter';
import { writeResponsesAnswer } from '../protocols/openaiResponses/answerWriter';
import { ResponsesEventWriter } from '../protocols/openaiResponses/eventWriter';
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

  end(): SseEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return this.writer.end();
  }
}

/** The dialect whose reasoning state goes to the client, when the provider wants it back on later turns. */
export function carriedDialect(dialect: DialectId | undefined): DialectId | undefined {
  return dialectTraits(dialect).reasoningReturn === 'none' ? undefined : dialect;
}

/** A Chat Completions stream as an Anthropic Messages stream. */
export function chatToMessagesStream(model: string, redact?: PieceRedactor, carry?: DialectId): StreamTranslator {
  return new TranslatedStream(new ChatEventReader(), new MessagesEventWriter(model, redact, carry));
}

/**
 * A non-streamed Chat completion as an Anthropic message, under the model name the client knows; undefined (as
 * for every non-streamed answer below) when the provider stopped it unfinished, which is not an answer to pass on.
 */
export function chatToMessagesAnswer(chat: Wire, model: string, carry?: DialectId): Wire | undefined {
  const writer = new MessagesAnswerWriter(model, carry);
  readChatAnswer(chat, writer);
  return writer.finishSeen ? writer.message() : undefined;
}

/** An Anthropic Messages stream as a Chat Completions stream; `includeUsage`: the client asked for a usage chunk. */
export function messagesToChatStream(model: string, created: number, includeUsage: boolean, redact?: PieceRedactor): StreamTranslator {
  return new TranslatedStream(new MessagesEventReader(), new ChatEventWriter(model, created, includeUsage, redact));
}

/** A non-streamed Anthropic message as a Chat completion. */
export function messagesToChatAnswer(message: Wire, model: string, created: number): Wire | undefined {
  const writer = new ChatAnswerWriter(model, created);
  readMessagesAnswer(message, writer);
  return writer.finishSeen ? writer.completion() : undefined;
}

/** An Anthropic Messages stream as a Responses stream. */
export function messagesToResponsesStream(model: string, createdAt: number, redact?: PieceRedactor): StreamTranslator {
  return new TranslatedStream(new MessagesEventReader(), new ResponsesEventWriter(model, createdAt, redact));
}

/** A non-streamed Anthropic message as a Responses response. */
export function messagesToResponsesAnswer(message: Wire, model: string, createdAt: number): Wire | undefined {
  return writeResponsesAnswer((sink: AnswerSink) => readMessagesAnswer(message, sink), model, createdAt);
}

/** A Chat Completions stream as a Responses stream. */
export function chatToResponsesStream(model: string, createdAt: number, redact?: PieceRedactor, carry?: DialectId): StreamTranslator {
  return new TranslatedStream(new ChatEventReader(), new ResponsesEventWriter(model, createdAt, redact, carry));
}

/** A non-streamed Chat completion as a Responses response. */
export function chatToResponsesAnswer(chat: Wire, model: string, createdAt: number, carry?: DialectId): Wire | undefined {
  return writeResponsesAnswer((sink) => readChatAnswer(chat, sink), model, createdAt, carry);
}
