import type { ProtocolAdapter } from './protocol';
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
};
