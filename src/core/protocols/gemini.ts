import { bareModel, geminiErrorBody, geminiGenerateFormat, geminiStatusErrorBody } from './geminiGenerate/format';
import type { Endpoint, JsonObject, PathRoute, ProtocolAdapter } from './protocol';

// Gemini's fixed paths below its base URL (the server root): the model list; the rest name a model (below).
const ENDPOINTS: readonly (readonly [string, Endpoint])[] = [
  ['/v1beta/models', 'models'],
  ['/v1/models', 'models'],
];

/** `/{version}/models/{model}:{method}`: the model and the method are the path's. */
const MODEL_METHOD = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

/**
 * A model method's path: its endpoint, the model it names, and whether it streams. `streamGenerateContent` streams
 * events only with `alt=sse`; without it the answer is a JSON array, which the bridge treats as one body.
 */
function routeModelMethod(rest: string, query: string): PathRoute | undefined {
  const m = MODEL_METHOD.exec(rest);
  if (!m) return undefined;
  const [, version, model, method] = m;
  const endpoint: Endpoint = method === 'countTokens' ? 'count_tokens' : 'generate';
  const stream = method === 'streamGenerateContent' && /[?&]alt=sse(&|$)/.test(query);
  return {
    endpoint,
    upstreamPath: rest + query,
    model: decodeURIComponent(model),
    stream,
    ...(method === 'streamGenerateContent' && !stream ? { answerInList: true } : {}),
    pathForModel: (other) => `/${version}/models/${encodeURIComponent(bareModel(other))}:${method}${query}`,
  };
}

/** The entries of Gemini's model list (`models`), only objects with a string name. */
function geminiModels(list: JsonObject | undefined): JsonObject[] {
  const models = list?.models;
  if (!Array.isArray(models)) return [];
  return models.filter((entry): entry is JsonObject => typeof entry === 'object' && entry !== null && typeof (entry as JsonObject).name === 'string');
}

export const geminiProtocol: ProtocolAdapter = {
  protocol: 'gemini',
  label: 'Gemini',
  providerKind: 'a Gemini provider',
  modelExample: 'gemini-2.5-pro',
  wireName: 'Gemini',
  clients: 'Gemini clients (Gemini CLI, `/gemini`)',
  formats: [geminiGenerateFormat],
  clientPrefix: '/gemini',
  routedPrefix: '/gemini/',
  barePrefix: '',
  endpoints: ENDPOINTS,
  routePath: routeModelMethod,
  // Gemini's clients are given `/gemini`; no bare `/v1/...` path is theirs.
  claimsBarePath: () => false,
  claimsUnknownUrl: (url, headers) => url.startsWith('/gemini') || headers['x-goog-api-key'] !== undefined,
  queryToken: 'key',
  ownHeaderPrefix: 'x-goog-',
  defaultPrefill: 'none',
  signsThinking: false,
  testPath: '/v1beta/models?pageSize=1',

  authHeaders: (secret) => ({ 'x-goog-api-key': secret }),

  defaultHeaders: () => ({}),

  errorBody: geminiErrorBody,

  statusErrorBody: (status, message) => geminiStatusErrorBody(status, message),

  terminalStreamError: (_endpoint, message, facts) => geminiGenerateFormat.terminalStreamError(message, facts),

  isPreamble: () => false,

  isTerminal: (event) => geminiGenerateFormat.isTerminal(event),
  terminalMarks: geminiGenerateFormat.terminalMarks,

  tokenCountBody: (tokens) => ({ totalTokens: tokens }),

  modelPageParams: ['pageToken'],

  // Gemini CLI and the SDK read `name` (`models/…`), `displayName` and the methods a model supports.
  listModels(routed, upstream) {
    const ours = routed.map((m) => ({
      name: `models/${bareModel(m.id)}`,
      displayName: m.label,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
    }));
    const names = new Set(ours.map((m) => m.name));
    return { ...upstream, models: [...ours, ...geminiModels(upstream).filter((e) => !names.has(e.name as string))] };
  },
};
