import type { AnswerUsage, FinishReason } from '../../conversation/answerEvents';
import type { Wire } from '../wire';

/** Our finish reasons as Chat's finish_reason. */
const FINISH_REASONS: Record<FinishReason, string> = {
  end: 'stop',
  stop_sequence: 'stop',
  pause: 'stop',
  cut: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReason(finish: FinishReason | undefined): string {
  return FINISH_REASONS[finish ?? 'end'];
}

/** Usage as Chat writes it: cache reads and writes inside prompt_tokens, the reads again as cached_tokens. */
export function chatUsageWire(usage: AnswerUsage): Wire {
  const out: Wire = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
  if (usage.cacheRead > 0) out.prompt_tokens_details = { cached_tokens: usage.cacheRead };
  if (usage.reasoning > 0) out.completion_tokens_details = { reasoning_tokens: usage.reasoning };
  return out;
}
