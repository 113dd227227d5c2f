import { emptyUsage, mergeUsage, type AnswerSink, type FinishReason, type UsageReport } from '../conversation/answerEvents';
import type { StreamFacts } from './protocol';
import type { SseEvent } from './sse';

/** Reads one wire format's stream events into the answer model (docs/ARCHITECTURE.md §9). */
export interface AnswerEventReader {
  /**
   * Reads one upstream event, already parsed, into `sink`; true when it is the stream's last (the answer's
   * final event, or an error in its place). `name` is the SSE event name, empty where the format has none.
   */
  readJson(name: string, json: Record<string, unknown>, sink: AnswerSink): boolean;
  /** The same for an event as it came; `[DONE]` and comment-only events included. */
  read(event: SseEvent, sink: AnswerSink): boolean;
}

/** Writes the answer model as one wire format's stream events, for a client of that format. */
export interface AnswerEventWriter extends AnswerSink {
  /** The client's events the calls since the last take wrote. */
  take(): SseEvent[];
  /** Closes the client's answer (open blocks, finish, usage, the final event); nothing when it is closed already. */
  end(): SseEvent[];
  /** Whether the answer said how it ended (a finish that is not a cut). */
  readonly finishSeen: boolean;
  /** Characters held for a later event (0 for a format whose last event repeats nothing). */
  readonly heldChars: number;
  /** What a terminal error written now must repeat, where the format has any. */
  readonly facts?: StreamFacts;
}

/**
 * Masks quotes of the attempt's key in a piece of text a writer passes on (a text delta, a tool call's argument
 * fragment). `field` names the text the piece continues, so a quote split across pieces is found; the result has
 * the piece's length. The relay supplies it (docs/security.md); writers only call it.
 */
export type PieceRedactor = (field: string, piece: string) => string;

/** For answers written where no key is involved (the VS Code language-model answer reader, tests). */
export const passPieces: PieceRedactor = (_field, piece) => piece;

/**
 * What every format's event writer keeps alike: the events written since the last take, how the answer finished
 * and the usage reported so far. Each writer adds its format's events.
 */
export abstract class EventWriterBase {
  protected out: SseEvent[] = [];
  protected finishReason: FinishReason | undefined;
  protected readonly usageKept = emptyUsage();

  get finishSeen(): boolean {
    return this.finishReason !== undefined && this.finishReason !== 'cut';
  }

  take(): SseEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  usage(report: UsageReport): void {
    mergeUsage(this.usageKept, report);
  }

  finish(reason: FinishReason): void {
    this.finishReason = reason;
  }

  other(): void {
    /* nothing to write */
  }
}
