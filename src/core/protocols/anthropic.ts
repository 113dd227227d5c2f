import { anthropicErrorBody, anthropicMessagesFormat, anthropicStatusErrorBody } from './anthropicMessages/format';
import { modelEntries, type Endpoint, type ProtocolAdapter } from './protocol';

/** The version Anthropic's API requires when a client sends none (e.g. a bare `GET /v1/models`). */
const DEFAULT_VERSION = '2023-06-01';

// Anthropic's paths below its base URL (the server root) hold the version.
const ENDPOINTS: readonly (readonly [string, Endpoint])[] = [
  [anthropicMessagesFormat.path, 'messages'],
  ['/v1/messages/count_tokens', 'count_tokens'],
  ['/v1/models', 'models'],
];

export const anthropicProtocol: ProtocolAdapter = {
  protocol: 'anthropic',
  label: 'Anthropic',
  providerKind: 'an Anthropic provider',
  modelExample: 'claude-sonnet-4-5',
  wireName: 'Anthropic',
  clients: 'Anthropic clients (Claude Code, `/anthropic`)',
  formats: [anthropicMessagesFormat],
  clientPrefix: '/anthropic',
  routedPrefix: '/anthropic/v1/',
  barePrefix: '',
  endpoints: ENDPOINTS,
  // Of the bare `/v1/...` paths, `/v1/messages*` is Anthropic's, and `/v1/models` when it carries Anthropic's headers.
  claimsBarePath: (path, headers) =>
    path === '/v1/messages' ||
    path.startsWith('/v1/messages/') ||
    (path === '/v1/models' && (headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined)),
  claimsUnknownUrl: (url, headers) => url.startsWith('/anthropic') || url.startsWith('/v1/messages') || headers['anthropic-version'] !== undefined,
  ownHeaderPrefix: 'anthropic-',
  defaultPrefill: 'assistant',
  signsThinking: true,
  testPath: '/v1/models',

  authHeaders: (secret) => ({ 'x-api-key': secret }),

  defaultHeaders: () => ({ 'anthropic-version': DEFAULT_VERSION }),

  errorBody: anthropicErrorBody,

  statusErrorBody: (status, message) => anthropicStatusErrorBody(status, message),

  terminalStreamError: (_endpoint, message, facts) => anthropicMessagesFormat.terminalStreamError(message, facts),

  isPreamble: (event) => anthropicMessagesFormat.isPreamble(event),

  isTerminal: (event) => anthropicMessagesFormat.isTerminal(event),
  terminalMarks: anthropicMessagesFormat.terminalMarks,

  tokenCountBody: (tokens) => ({ input_tokens: tokens }),

  modelPageParams: ['after_id', 'before_id'],

  // Claude Code's `/model` picker shows `display_name` ("From gateway"); `created_at` is required by the SDKs' types.
  listModels(routed, upstream) {
    const ours = routed.map((m) => ({ type: 'model', id: m.id, display_name: m.label, created_at: '1970-01-01T00:00:00Z' }));
    const ids = new Set(routed.map((m) => m.id));
    const data = [...ours, ...modelEntries(upstream).filter((e) => !ids.has(e.id as string))];
    return { ...upstream, data, has_more: upstream?.has_more === true, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  },
};
