import type { AnswerSink } from '../conversation/answerEvents';
import type { Conversation } from '../conversation/conversation';
import type { DialectId, DialectTraits } from '../providers/dialect';
import type { AnswerEventReader, AnswerEventWriter, PieceRedactor } from './answerStream';
import type { TranslationNotes, Wire } from './wire';

/** What a writer of the client's answer is told: the names it answers with, the client's request, and what it carries. */
export interface AnswerContext {
  /** The model name the client knows. */
  model: string;
  /** Seconds since the epoch, for formats that stamp their answers. */
  createdAt: number;
  /** The client's request: some answers repeat what it asked (Chat's usage chunk when stream_options says so). */
  client: Wire;
  redact?: PieceRedactor;
  /** The dialect whose reasoning state is carried to the client, if it wants it back (reasoningCarry.ts). */
  carry?: DialectId;
}

/**
 * One wire format's side of translation (docs/ARCHITECTURE.md §9): its request into our conversation model and,
 * where pools are reached in it, the model into its request; its answers, streamed or not, into the answer model
 * and back. Translation pairs one format's readers with another's writers; nothing else knows the shapes.
 */
export interface FormatCodec {
  /** How logs and the tree name the format in a translation: "Anthropic Messages → OpenAI Chat". */
  readonly name: string;
  readonly readRequest: (request: Wire) => Conversation;
  /** Absent for a format no translated request is sent in (a pool of its protocol is reached in a sibling format). */
  readonly writeRequest?: (conversation: Conversation, model: string, dialect: DialectTraits) => { body: Wire; notes: TranslationNotes };
  readonly eventReader: () => AnswerEventReader;
  /** A non-streamed answer into the sink; absent where no translated request is sent in this format. */
  readonly readAnswer?: (answer: Wire, sink: AnswerSink) => void;
  readonly eventWriter: (context: AnswerContext) => AnswerEventWriter;
  /** The answer `read` writes, as this format's body; undefined when the provider stopped it unfinished. */
  readonly writeAnswer: (context: AnswerContext, read: (sink: AnswerSink) => void) => Wire | undefined;
}
