import { modelEntries, type ProtocolAdapter } from './protocol';
import type { SseEvent } from './sse';

/** The version Anthropic's API requires when a client sends none (e.g. a bare `GET /v1/models`). */
const DEFAULT_VERSION = '2023-06-01';

export const anthropicProtocol: ProtocolAdapter = {
  protocol: 'anthropic',
  testPath: '/v1/models',

  authHeaders: (secret) => ({ 'x-api-key': secret }),

  defaultHeaders: () => ({ 'anthropic-version': DEFAULT_VERSION }),

  errorBody(type, message) {
    return JSON.stringify({ type: 'error', error: { type: type === 'timeout_error' ? 'api_error' : type, message } });
  },

  terminalStreamError(_endpoint, message) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message } })}\n\n`;
  },

  isPreamble: (event: SseEvent) => event.name === 'message_start' || event.name === 'ping',

  isTerminal: (event: SseEvent) => event.name === 'message_stop',

  modelPageParams: ['after_id', 'before_id'],

  // Claude Code's `/model` picker shows `display_name` ("From gateway"); `created_at` is required by the SDKs' types.
  listModels(routed, upstream) {
    const ours = routed.map((m) => ({ type: 'model', id: m.id, display_name: m.label, created_at: '1970-01-01T00:00:00Z' }));
    const ids = new Set(routed.map((m) => m.id));
    const data = [...ours, ...modelEntries(upstream).filter((e) => !ids.has(e.id as string))];
    return { ...upstream, data, has_more: upstream?.has_more === true, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  },
};
