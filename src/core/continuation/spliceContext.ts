import type { StreamTranscript } from './streamTranscript';
import type { Wire } from '../protocols/wire';
import type { ReportedUsage } from './transcriptState';
import { RepeatGuard } from './repeatGuard';
import { splitTrailingWhitespace, WhitespaceJoin } from './whitespaceJoin';

/** One event to write: the name (empty for unnamed events) and its data, as the transcript takes them. */
export interface SplicedEvent {
  name: string;
  data: string;
}

/** Maps the continuation's events, one at a time, onto the client's open stream. */
export interface SpliceMapper {
  /** Events for the client in place of this continuation event (often none, or the same one renumbered). */
  map(name: string, json: Wire): SplicedEvent[];
}

/** What every mapper needs from the moment the splice began. */
export class SpliceContext {
  private readonly repeats: RepeatGuard;
  private readonly join: WhitespaceJoin;
  /** Output tokens of the delivered part, counted once, before the continuation adds to the transcript. */
  readonly deliveredOutputTokens: number;
  /** Usage the original stream reported (Anthropic: input and cache counts in message_start). */
  readonly originalUsage: ReportedUsage;

  /** `prefilled`: the continuation was asked for with a true prefill, so it carries on where the text stopped. */
  constructor(
    readonly transcript: StreamTranscript,
    prefilled: boolean,
  ) {
    this.repeats = new RepeatGuard(transcript.text, !prefilled);
    this.join = new WhitespaceJoin(splitTrailingWhitespace(transcript.text).tail);
    this.deliveredOutputTokens = transcript.deliveredOutputTokens;
    this.originalUsage = { ...transcript.usage };
  }

  /** The part of a continuation text delta the client needs: without what repeats the delivered text, joined onto it. */
  text(delta: string): string {
    return this.join.next(this.repeats.push(delta));
  }

  /** The continuation's text ended (its block, part or choice is done): whatever was held back, if it is new. */
  endText(): string {
    return this.join.next(this.repeats.end());
  }

  /** Why the continuation cannot be joined onto the delivered text, if it cannot. */
  get failure(): string | undefined {
    return this.repeats.failure;
  }

  /**
   * Output = delivered + what the continuation produced. Input = the original request's count when its stream
   * reported one (the client has seen it, and it measures the conversation the answer belongs to), else the
   * continuation's: it read the same conversation plus the delivered text, so it never under-reports.
   */
  mergedTokens(continuationInput: unknown, continuationOutput: unknown): { input: number | undefined; output: number } {
    const input = this.originalUsage.input ?? (typeof continuationInput === 'number' ? continuationInput : undefined);
    const output = this.deliveredOutputTokens + (typeof continuationOutput === 'number' ? continuationOutput : 0);
    return { input, output };
  }
}

export function splicedEvent(name: string, json: Wire): SplicedEvent {
  return { name, data: JSON.stringify(json) };
}
