import type { AnswerSink, UsageReport } from '../conversation/answerEvents';
import type { ReportedUsage } from './transcriptState';

/** What the transcript takes from the answer model: text delivered, a reason not to continue, the finish. */
export interface TranscriptNotes {
  appendText(text: string): void;
  block(reason: string): void;
  /** The answer reached its last content (a finish reason): nothing is left to continue. */
  finish(): void;
}

/**
 * The answer model as a continuation sees it: text can be continued; a tool call, reasoning, a refusal or anything
 * the model does not carry cannot. Usage is kept in the client protocol's own terms (Anthropic's input without the
 * cache reads and writes), which is how the splice writes it back.
 */
export class TranscriptSink implements AnswerSink {
  constructor(
    private readonly notes: TranscriptNotes,
    readonly usageKept: ReportedUsage,
    /** Anthropic Messages: input is counted apart from the cache, and reasoning comes as thinking blocks. */
    private readonly anthropic: boolean,
  ) {}

  start(): void {
    /* the place in the stream is noted apart */
  }

  text(delta: string): void {
    this.notes.appendText(delta);
  }

  refusal(): void {
    this.notes.block('a refusal');
  }

  reasoning(): void {
    this.notes.block(this.anthropic ? 'a thinking block' : 'reasoning');
  }

  reasoningSignature(): void {
    this.reasoning();
  }

  toolCall(): void {
    this.notes.block('a tool call');
  }

  toolArguments(): void {
    this.notes.block('a tool call');
  }

  blockEnd(): void {
    /* nothing to note */
  }

  usage(report: UsageReport): void {
    const u = this.usageKept;
    if (report.output !== undefined) u.output = report.output;
    if (!this.anthropic) {
      if (report.input !== undefined) u.input = report.input;
      return;
    }
    if (report.cacheRead !== undefined) u.cacheReadInput = report.cacheRead;
    if (report.cacheWrite !== undefined) u.cacheCreationInput = report.cacheWrite;
    if (report.input !== undefined) u.input = report.input - (u.cacheReadInput ?? 0) - (u.cacheCreationInput ?? 0);
  }

  finish(): void {
    this.notes.finish();
  }

  other(what: string): void {
    this.notes.block(what);
  }
}
