import type { FinishReason, UsageReport } from '../../conversation/answerEvents';
import { numberOr, type Wire } from '../wire';

/** Anthropic's stop_reason in our terms; a full context window stops the answer as the token limit does. */
const FINISH: Partial<Record<string, FinishReason>> = {
  end_turn: 'end',
  stop_sequence: 'stop_sequence',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'max_tokens',
  tool_use: 'tool_use',
  refusal: 'refusal',
  pause_turn: 'pause',
};

export function messagesFinish(stop: unknown): FinishReason {
  return (typeof stop === 'string' ? FINISH[stop] : undefined) ?? 'end';
}

/** The Anthropic usage counts seen so far (undefined: not reported): message_delta restates them cumulatively. */
export interface MessagesCounts {
  input?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/**
 * An Anthropic usage object in our terms: Anthropic counts cache reads and writes apart from `input_tokens`, we
 * count them inside. `counts` keeps what earlier events said, for an event that restates only some of it.
 */
export function messagesUsage(usage: Wire, counts: MessagesCounts): UsageReport {
  counts.input = numberOr(usage.input_tokens, counts.input);
  counts.cacheRead = numberOr(usage.cache_read_input_tokens, counts.cacheRead);
  counts.cacheWrite = numberOr(usage.cache_creation_input_tokens, counts.cacheWrite);
  const report: UsageReport = {};
  if (counts.input !== undefined) report.input = counts.input + (counts.cacheRead ?? 0) + (counts.cacheWrite ?? 0);
  if (counts.cacheRead !== undefined) report.cacheRead = counts.cacheRead;
  if (counts.cacheWrite !== undefined) report.cacheWrite = counts.cacheWrite;
  const output = numberOr(usage.output_tokens, undefined);
  if (output !== undefined) report.output = output;
  return report;
}
