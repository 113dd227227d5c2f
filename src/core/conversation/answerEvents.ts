/**
 * The answer side of our own conversation model: what a provider's answer says, read once from its wire format
 * (streamed or not) and written in the client's (docs/ARCHITECTURE.md §9). A reader calls a sink once per thing
 * it learns, so a translated stream allocates no model objects of its own: the events are these calls.
 *
 * A delta that is empty opens its block with no text yet (a reader says at once that the answer holds reasoning
 * or a refusal); a writer opens the block and writes no delta.
 *
 * Blocks follow one another: text, reasoning or a tool call opens a block and closes the one open before (Chat
 * has no block ends of its own); `blockEnd` closes the open one early where the upstream says so.
 */
export interface AnswerSink {
  /** The answer begins: the upstream's id and the model that answered (usage comes through `usage`). */
  start(id: string, model: string | undefined): void;
  text(delta: string): void;
  /** A refusal in place of text (OpenAI's `refusal`). */
  refusal(delta: string): void;
  /** Reasoning text, as the provider streamed it (`reasoning_content`, a thinking delta, a reasoning summary). */
  reasoning(delta: string): void;
  /** The provider's own proof of the reasoning block open now (Anthropic's `signature`): for that provider alone. */
  reasoningSignature(signature: string): void;
  /**
   * A tool call begins under the provider's id. `thoughtSignature` is Gemini's for this call: Gemini 3 refuses a
   * later turn that does not give it back with the call.
   */
  toolCall(id: string, name: string, thoughtSignature: string | undefined): void;
  /** A fragment of the open tool call's JSON arguments, passed on as it came (never buffered to the end). */
  toolArguments(delta: string): void;
  /** The open block is complete. */
  blockEnd(): void;
  /** Token counts as far as the provider reported them; later reports overwrite, fields left out are unchanged. */
  usage(usage: UsageReport): void;
  /** How the answer ended; may come before the last usage report. */
  finish(reason: FinishReason): void;
  /**
   * Something this model does not carry (a server tool's block, a second choice): translation leaves it out,
   * a continuation does not extend an answer that holds it.
   */
  other(what: string): void;
}

/**
 * How an answer ended, in our own terms: each writer says it in its client's words. `cut` is an answer the
 * provider stopped for its own reasons (DeepSeek's `insufficient_system_resource`): not a finished answer.
 */
export type FinishReason = 'end' | 'stop_sequence' | 'tool_use' | 'max_tokens' | 'refusal' | 'pause' | 'cut';

/**
 * Token counts. `input` is every input token, the cache reads and writes among them (OpenAI's sense; Anthropic
 * counts them apart, and its writer subtracts them); `reasoning` is among `output`.
 */
export interface AnswerUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export type UsageReport = Partial<AnswerUsage>;

/** Usage as the writers keep it: every count 0 until reported. */
export function emptyUsage(): AnswerUsage {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };
}

/** Takes a report into the kept usage: a reported count replaces the one kept (providers report totals). */
export function mergeUsage(kept: AnswerUsage, report: UsageReport): void {
  if (report.input !== undefined) kept.input = report.input;
  if (report.output !== undefined) kept.output = report.output;
  if (report.cacheRead !== undefined) kept.cacheRead = report.cacheRead;
  if (report.cacheWrite !== undefined) kept.cacheWrite = report.cacheWrite;
  if (report.reasoning !== undefined) kept.reasoning = report.reasoning;
}
