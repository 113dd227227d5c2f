import type { SseEvent } from '../sse';
import { usageReader } from '../tokenUsage';
import { isJsonFormat, type BridgeErrorType, type JsonObject, type WireFormat } from '../protocol';

/** Anthropic's error envelope: `{ type: 'error', error: { type, message } }`; it has no timeout type of its own. */
export function anthropicErrorBody(type: BridgeErrorType, message: string): string {
  return JSON.stringify({ type: 'error', error: { type: type === 'timeout_error' ? 'api_error' : type, message } });
}

/** Anthropic's error type for a status, as its API documents them. */
function anthropicType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** A provider's refusal with `status`, in Anthropic's envelope (a translated target's error answer). */
export function anthropicStatusErrorBody(status: number, message: string): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicType(status), message } });
}

/** Anthropic Messages (`POST /v1/messages`): what Claude Code speaks. */
export const anthropicMessagesFormat: WireFormat = {
  id: 'anthropicMessages',
  protocol: 'anthropic',
  label: 'Messages',
  endpoint: 'messages',
  path: '/v1/messages',
  requestPath() {
    return this.path;
  },
  routing: { model: 'model', stream: 'stream' },
  usage: usageReader({ input: ['input_tokens'], output: ['output_tokens'], cacheRead: 'cache_read_input_tokens', cacheWrite: 'cache_creation_input_tokens' }),
  chainsAnswers: false,
  carriesReasoning: true,
  terminalRepeatsFacts: false,

  terminalStreamError: (message) => `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`,

  isPreamble: (event: SseEvent) => event.name === 'message_start' || event.name === 'ping',

  isTerminal: (event: SseEvent) => event.name === 'message_stop',
  terminalMarks: ['message_stop'],

  continuation: {
    limitFields: ['max_tokens'],
    turnsField: 'messages',
    // A final assistant message is the prefill already; the prefix flag is not a Messages field.
    prefill: (declared) => (declared === 'prefix' ? 'assistant' : declared),
    clientPrefill: true,
    // Anthropic refuses a prefill while extended thinking is on, and a thinking block in the middle of the answer
    // would be signed by another account; the thinking behind this answer is over anyway.
    prefillDropsThinking: true,
    refusal: (body: JsonObject) => (!Array.isArray(body.messages) || body.messages.length === 0 ? 'the request has no messages' : undefined),
    structuredOutput: (body: JsonObject) => body.output_format != null || isJsonFormat((body.output_config as JsonObject | undefined)?.format),
  },
};
