import { anthropicError } from './anthropicWire';
import type { ErrorContext, HttpReply } from './faults';
import { geminiInvalidRequestReply } from './geminiFaults';
import { openaiError } from './openaiWire';
import { requestProblem } from './requestRules';
import { asObject, type Json } from './sse';
import {
  anthropicSamplingPair,
  anthropicThinkingSignature,
  anthropicThinkingFirst,
  anthropicThinkingTemperature,
  anthropicToolIdPattern,
  anthropicToolSchema,
  deepseekReasoningReturned,
  geminiEmptyParts,
  geminiFunctionTurns,
  geminiGenerationConfig,
  geminiNativeThoughtSignature,
  geminiRequestFields,
  geminiRoles,
  geminiThoughtSignature,
  geminiToolSchemas,
  groqMessageFields,
  mistralToolCallId,
  openaiFunctionName,
  openaiImageDetail,
  openaiImageRole,
  openaiMessageFields,
  openaiReasoningMaxTokens,
  openaiToolCallIdLength,
  type ChatRefusal,
} from './strictRules';
import type { Endpoint, StrictDialect } from './types';

/*
 * The providers the fake can play, each with its own rules on top of the API's general ones (requestRules.ts),
 * refused with its own status and error body, and its own answer shapes (dialectAnswers.ts). A pool reaches one
 * through its base URL: `{url}/dialect/{name}/v1` (OpenAI-compatible) or `{url}/dialect/anthropic`; Gemini's
 * native API is played at `{url}/dialect/gemini` (its paths start `/v1beta/models/`, which the compatible one's never do).
 */

const STRICT_DIALECTS: readonly StrictDialect[] = ['anthropic', 'openai', 'deepseek', 'gemini', 'moonshot', 'mistral', 'groq', 'openrouter'];

const PREFIX = '/dialect/';

/** The dialect a request path names, and the path the API itself would see. */
export function splitDialectPath(pathname: string): { dialect: StrictDialect | undefined; rest: string } {
  if (!pathname.startsWith(PREFIX)) return { dialect: undefined, rest: pathname };
  const end = pathname.indexOf('/', PREFIX.length);
  const name = pathname.slice(PREFIX.length, end < 0 ? undefined : end) as StrictDialect;
  if (!STRICT_DIALECTS.includes(name)) return { dialect: undefined, rest: pathname };
  return { dialect: name, rest: end < 0 ? '/' : pathname.slice(end) };
}

export function dialectBaseUrl(url: string, dialect: StrictDialect, wire?: 'native'): string {
  return dialect === 'anthropic' || (dialect === 'gemini' && wire === 'native') ? `${url}${PREFIX}${dialect}` : `${url}${PREFIX}${dialect}/v1`;
}

/** Top-level Chat fields a provider takes beyond OpenAI's own (the general rules refuse unknown ones). */
const OWN_CHAT_FIELDS: Partial<Record<StrictDialect, readonly string[]>> = {
  deepseek: ['thinking'],
  moonshot: ['thinking'],
  gemini: ['extra_body'],
  openrouter: ['reasoning', 'provider', 'transforms', 'models', 'route', 'usage', 'include_reasoning'],
  groq: ['reasoning_format', 'include_reasoning'],
  mistral: ['safe_prompt', 'random_seed', 'prompt_mode'],
};

/** Signatures this fake handed out, per provider: only those come back valid. */
export interface IssuedSignatures {
  anthropic: Set<string>;
  gemini: Set<string>;
}

/** The dialect's refusal of a request, in its own status and body; undefined when it would be served. */
export function dialectRefusal(dialect: StrictDialect, endpoint: Endpoint, body: Json, issued: IssuedSignatures, c: ErrorContext): HttpReply | undefined {
  if (c.protocol === 'gemini') return endpoint === 'generate_content' ? geminiNativeRefusal(body, c.model, issued) : undefined;
  // The provider's own rules first: they answer in its exact shape (OpenAI's `param`), where the general rules of
  // requestRules.ts, some of which say the same, answer with none.
  const specific = dialectProblem(dialect, endpoint, body, issued);
  if (specific !== undefined) return refusal(dialect, typeof specific === 'string' ? { message: specific, param: null, code: null } : specific, c);
  const own = OWN_CHAT_FIELDS[dialect];
  const general = requestProblem(endpoint, own && endpoint === 'chat' ? withoutFields(body, own) : body);
  return general === undefined ? undefined : refusal(dialect, { message: general, param: null, code: null }, c);
}

function withoutFields(body: Json, fields: readonly string[]): Json {
  return Object.fromEntries(Object.entries(body).filter(([field]) => !fields.includes(field)));
}

function firstOf<T>(...checks: (() => T | undefined)[]): T | undefined {
  for (const check of checks) {
    const found = check();
    if (found !== undefined) return found;
  }
  return undefined;
}

function dialectProblem(dialect: StrictDialect, endpoint: Endpoint, body: Json, issued: IssuedSignatures): string | ChatRefusal | undefined {
  if (dialect === 'anthropic') {
    if (endpoint !== 'messages') return undefined;
    return firstOf(
      () => anthropicToolIdPattern(body),
      () => anthropicToolSchema(body),
      () => anthropicSamplingPair(body),
      () => anthropicThinkingTemperature(body),
      () => anthropicThinkingSignature(body, issued.anthropic),
      () => anthropicThinkingFirst(body),
    );
  }
  if (endpoint !== 'chat') return undefined;
  switch (dialect) {
    case 'openai':
      return firstOf<ChatRefusal>(
        () => openaiMessageFields(body),
        () => openaiImageDetail(body),
        () => openaiImageRole(body),
        () => openaiFunctionName(body),
        () => openaiToolCallIdLength(body),
        () => openaiReasoningMaxTokens(body),
      );
    case 'deepseek':
      return firstOf<string | ChatRefusal>(
        () => openaiFunctionName(body),
        () => deepseekReasoningReturned(body),
      );
    case 'gemini':
      return geminiThoughtSignature(body, issued.gemini);
    case 'mistral':
      return mistralToolCallId(body);
    case 'groq':
      return groqMessageFields(body);
    default:
      return undefined;
  }
}

/**
 * Gemini's native API refusing a generateContent request that breaks its rules, in its words (a 400
 * INVALID_ARGUMENT `google.rpc.Status`). Played by the `gemini` dialect, and by `strictRequests`.
 */
export function geminiNativeRefusal(body: Json, model: string, issued: IssuedSignatures): HttpReply | undefined {
  const problem = firstOf(
    () => geminiRequestFields(body),
    () => geminiRoles(body),
    () => geminiEmptyParts(body),
    () => geminiToolSchemas(body),
    () => geminiGenerationConfig(body),
    () => geminiFunctionTurns(body),
    () => geminiNativeThoughtSignature(body, model, issued.gemini),
  );
  return problem === undefined ? undefined : geminiInvalidRequestReply(problem);
}

const json = (status: number, body: Json | Json[]): HttpReply => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Each provider's 400 body, as it sends it. */
function refusal(dialect: StrictDialect, r: ChatRefusal, c: ErrorContext): HttpReply {
  switch (dialect) {
    case 'anthropic':
      return json(400, anthropicError('invalid_request_error', r.message, c.requestId));
    case 'deepseek':
      return json(400, { error: { message: r.message, type: 'invalid_request_error', param: r.param, code: 'invalid_request_error' } });
    case 'gemini':
      // Gemini's OpenAI-compatible endpoint answers errors as a JSON array of Google error objects.
      return json(400, [{ error: { code: 400, message: r.message, status: 'INVALID_ARGUMENT' } }]);
    case 'mistral':
      return json(400, { object: 'error', message: r.message, type: 'invalid_request_error', param: r.param, code: r.code });
    case 'moonshot':
    case 'groq':
      return json(400, { error: { message: r.message, type: 'invalid_request_error' } });
    case 'openrouter':
      return json(400, { error: { message: r.message, code: 400 } });
    default:
      return json(400, openaiError(r.message, 'invalid_request_error', r.code, r.param));
  }
}

/** Whether a request asks an Anthropic model to think (the answer then starts with a signed thinking block). */
export function asksForThinking(body: Json): boolean {
  const type = asObject(body.thinking).type;
  return type === 'enabled' || type === 'adaptive';
}
