import type { ReplyPlan } from './replyPlan';
import { typedEvent, type Json } from './sse';
import type { InStreamError, SseEvent } from './types';
import { must } from '../helpers/must';

export const ANTHROPIC_DEFAULT_MODEL = 'claude-sonnet-4-5';

export function anthropicError(type: string, message: string, requestId: string): Json {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

function toolUseId(p: ReplyPlan): string {
  return p.tool?.id ?? `toolu_${p.idTail}`;
}

export function message(p: ReplyPlan): Json {
  const content: Json[] = [];
  if (p.textDeltas) content.push({ type: 'text', text: p.text });
  if (p.tool) content.push({ type: 'tool_use', id: toolUseId(p), name: p.tool.name, input: JSON.parse(p.tool.argumentsJson) });
  return {
    id: `msg_${p.idTail}`,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content,
    stop_reason: p.tool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: usage(p, p.usage.output),
  };
}

function usage(p: ReplyPlan, output: number): Json {
  return {
    input_tokens: p.usage.input,
    cache_creation_input_tokens: p.usage.cacheWrite ?? 0,
    cache_read_input_tokens: p.usage.cacheRead ?? 0,
    output_tokens: output,
    service_tier: 'standard',
  };
}

export function messageStreamEvents(p: ReplyPlan): SseEvent[] {
  const events: SseEvent[] = [];
  const push = (type: string, payload: Json, phase: SseEvent['phase']): void => {
    events.push(typedEvent(type, { type, ...payload }, phase));
  };
  const ping = (): void => push('ping', {}, 'preamble');
  push(
    'message_start',
    {
      message: {
        id: `msg_${p.idTail}`,
        type: 'message',
        role: 'assistant',
        model: p.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usage(p, 1),
      },
    },
    'preamble',
  );
  let index = 0;
  let pinged = false;
  if (p.textDeltas) {
    push('content_block_start', { index, content_block: { type: 'text', text: '' } }, 'open');
    ping();
    pinged = true;
    for (const text of p.textDeltas) push('content_block_delta', { index, delta: { type: 'text_delta', text } }, 'content');
    push('content_block_stop', { index }, 'close');
    index++;
  }
  if (p.tool) {
    push('content_block_start', { index, content_block: { type: 'tool_use', id: toolUseId(p), name: p.tool.name, input: {} } }, 'open');
    if (!pinged) ping();
    pinged = true;
    for (const partial_json of p.tool.argumentDeltas) {
      push('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }, 'content');
    }
    push('content_block_stop', { index }, 'close');
  }
  if (!pinged) ping();
  push('message_delta', { delta: { stop_reason: p.tool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: p.usage.output } }, 'close');
  push('message_stop', {}, 'terminal');
  return events;
}

const ANTHROPIC_STREAM_ERRORS: Record<InStreamError, { type: string; message: string }> = {
  overloaded: { type: 'overloaded_error', message: 'Overloaded' },
  rateLimit: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  quota: {
    type: 'billing_error',
    message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
  },
  server: { type: 'api_error', message: 'Internal server error' },
};

export function anthropicErrorEvent(err: InStreamError): SseEvent {
  const e = ANTHROPIC_STREAM_ERRORS[err];
  return typedEvent('error', { type: 'error', error: { type: e.type, message: e.message } }, 'terminal');
}

export function countTokens(input: number): Json {
  return { input_tokens: input };
}

const ANTHROPIC_MODELS: Array<[string, string, string]> = [
  ['claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', '2025-09-29T00:00:00Z'],
  ['claude-haiku-4-5-20251001', 'Claude Haiku 4.5', '2025-10-01T00:00:00Z'],
  ['claude-opus-4-1-20250805', 'Claude Opus 4.1', '2025-08-05T00:00:00Z'],
];

export function anthropicModel(id: string): Json {
  const known = ANTHROPIC_MODELS.find((m) => m[0] === id);
  return { type: 'model', id, display_name: known ? known[1] : id, created_at: known ? known[2] : '2025-01-01T00:00:00Z' };
}

export function anthropicModelList(): Json {
  const data = ANTHROPIC_MODELS.map((m) => anthropicModel(m[0]));
  return { data, has_more: false, first_id: must(data[0]).id, last_id: must(data[data.length - 1]).id };
}
