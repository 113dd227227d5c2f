import { openaiErrorBody, openaiStatusErrorBody } from './openaiErrors';
import { openaiChatFormat } from './openaiChat/format';
import { openaiResponsesFormat } from './openaiResponses/format';
import { modelEntries, type Endpoint, type ProtocolAdapter } from './protocol';

// OpenAI's paths below its base URL (which holds the version).
const ENDPOINTS: readonly (readonly [string, Endpoint])[] = [
  [openaiChatFormat.path, 'chat'],
  [openaiResponsesFormat.path, 'responses'],
  ['/embeddings', 'embeddings'],
  ['/models', 'models'],
];

export const openaiProtocol: ProtocolAdapter = {
  protocol: 'openai',
  label: 'OpenAI',
  providerKind: 'an OpenAI-compatible provider',
  modelExample: 'gpt-4.1',
  wireName: 'OpenAI Chat',
  clients: 'OpenAI clients (Codex, Chat Completions, `/openai/v1`)',
  formats: [openaiChatFormat, openaiResponsesFormat],
  clientPrefix: '/openai/v1',
  routedPrefix: '/openai/v1/',
  barePrefix: '/v1',
  endpoints: ENDPOINTS,
  // The default protocol: it takes every bare path and unknown URL another protocol does not claim.
  claimsBarePath: () => false,
  claimsUnknownUrl: () => false,
  ownHeaderPrefix: 'openai-',
  defaultPrefill: 'none',
  signsThinking: false,
  testPath: '/models',

  authHeaders: (secret) => ({ authorization: `Bearer ${secret}` }),

  defaultHeaders: () => ({}),

  errorBody: openaiErrorBody,

  statusErrorBody: openaiStatusErrorBody,

  terminalStreamError: (endpoint, message, facts) =>
    (endpoint === openaiResponsesFormat.endpoint ? openaiResponsesFormat : openaiChatFormat).terminalStreamError(message, facts),

  isPreamble: (event) => openaiResponsesFormat.isPreamble(event),

  isTerminal: (event) => openaiChatFormat.isTerminal(event) || openaiResponsesFormat.isTerminal(event),
  terminalMarks: [...openaiChatFormat.terminalMarks, ...openaiResponsesFormat.terminalMarks],

  // Never asked: OpenAI has no token count endpoint of its own.
  tokenCountBody: (tokens) => ({ input_tokens: tokens }),

  modelPageParams: ['after'],

  // OpenAI's list has no display name: `owned_by` is the one free-text field clients show beside the id.
  listModels(routed, upstream) {
    const ours = routed.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.label }));
    const ids = new Set(routed.map((m) => m.id));
    return { ...upstream, object: 'list', data: [...ours, ...modelEntries(upstream).filter((e) => !ids.has(e.id as string))] };
  },
};
