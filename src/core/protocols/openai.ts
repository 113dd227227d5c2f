import { modelEntries, type BridgeErrorType, type Endpoint, type ProtocolAdapter, type StreamFacts } from './protocol';
import type { SseEvent } from './sse';

// OpenAI has no overloaded/api error types of its own; its SDK only reads `type` and `code` loosely.
const OPENAI_TYPE: Record<BridgeErrorType, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

// `keepalive` is what the Responses API sends during long silences: proof of life, not content.
const RESPONSE_PREAMBLE = new Set(['response.created', 'response.in_progress', 'response.queued', 'keepalive']);

export const openaiProtocol: ProtocolAdapter = {
  protocol: 'openai',
  testPath: '/models',

  authHeaders: (secret) => ({ authorization: `Bearer ${secret}` }),

  defaultHeaders: () => ({}),

  errorBody(type, message, code) {
    return JSON.stringify({ error: { message, type: OPENAI_TYPE[type], param: null, code: code ?? null } });
  },

  terminalStreamError(endpoint: Endpoint, message: string, facts: StreamFacts): string {
    if (endpoint === 'responses') {
      const event = {
        type: 'response.failed',
        sequence_number: (facts.lastSequence ?? 0) + 1,
        response: {
          id: facts.responseId ?? 'resp_keybridge_failed',
          object: 'response',
          created_at: facts.createdAt ?? Math.floor(Date.now() / 1000),
          status: 'failed',
          error: { code: 'server_error', message },
          incomplete_details: null,
          model: facts.model ?? null,
          output: [],
          usage: null,
        },
      };
      return `event: response.failed\ndata: ${JSON.stringify(event)}\n\n`;
    }
    const error = { error: { message, type: 'server_error', param: null, code: 'stream_interrupted' } };
    return `data: ${JSON.stringify(error)}\n\ndata: [DONE]\n\n`;
  },

  isPreamble: (event: SseEvent) => RESPONSE_PREAMBLE.has(event.name),

  isTerminal: (event: SseEvent) =>
    event.data === '[DONE]' || event.name === 'response.completed' || event.name === 'response.incomplete' || event.name === 'response.failed',

  modelPageParams: ['after'],

  // OpenAI's list has no display name: `owned_by` is the one free-text field clients show beside the id.
  listModels(routed, upstream) {
    const ours = routed.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.label }));
    const ids = new Set(routed.map((m) => m.id));
    return { ...upstream, object: 'list', data: [...ours, ...modelEntries(upstream).filter((e) => !ids.has(e.id as string))] };
  },
};
