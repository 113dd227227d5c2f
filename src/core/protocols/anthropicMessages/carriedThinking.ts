import type { AnswerUsage, FinishReason } from '../../conversation/answerEvents';
import { encodeCarriedReasoning } from '../../conversation/reasoningCarry';
import type { DialectId } from '../../providers/dialect';
import type { Wire } from '../wire';

/** Our finish reasons as Anthropic's stop_reason (a cut answer has none of its own: it ends the turn). */
const STOP_REASONS: Record<FinishReason, string> = {
  end: 'end_turn',
  stop_sequence: 'stop_sequence',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  refusal: 'refusal',
  pause: 'pause_turn',
  cut: 'end_turn',
};

export function stopReason(finish: FinishReason | undefined): string {
  return STOP_REASONS[finish ?? 'end'];
}

/** Usage as Anthropic writes it: cache reads and writes apart from `input_tokens`, each only when there were any. */
export function anthropicUsage(usage: AnswerUsage): Wire {
  const out: Wire = { input_tokens: Math.max(0, usage.input - usage.cacheRead - usage.cacheWrite), output_tokens: usage.output };
  if (usage.cacheRead > 0) out.cache_read_input_tokens = usage.cacheRead;
  if (usage.cacheWrite > 0) out.cache_creation_input_tokens = usage.cacheWrite;
  return out;
}

/**
 * The signature of a thinking block that carries a Chat provider's reasoning state through an Anthropic client
 * (docs/ARCHITECTURE.md §9): the dialect alone for reasoning text the provider wants back (DeepSeek, Kimi), or a
 * Gemini thought signature under the tool call's id as the client sees it.
 */
export function carrierSignature(dialect: DialectId, call?: { id: string; thoughtSignature: string }): string {
  return encodeCarriedReasoning(call ? { dialect, thoughtSignatures: { [call.id]: call.thoughtSignature } } : { dialect });
}
