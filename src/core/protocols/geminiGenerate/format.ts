import type { SseEvent } from '../sse';
import type { UsageReader, UsageSeen } from '../tokenUsage';
import type { BridgeErrorType, ErrorContext, JsonObject, WireFormat } from '../protocol';

/** Google's canonical status names (`google.rpc.Code`) for the HTTP statuses they go with. */
function googleStatus(status: number): string {
  if (status === 400 || status === 413 || status === 422) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'ABORTED';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 499) return 'CANCELLED';
  if (status === 501) return 'UNIMPLEMENTED';
  if (status === 503 || status === 529) return 'UNAVAILABLE';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  if (status >= 500) return 'INTERNAL';
  return 'FAILED_PRECONDITION';
}

/** The HTTP status of an error type of ours, where the caller did not say one. */
const TYPE_STATUS: Record<BridgeErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 503,
  timeout_error: 504,
};

/** A `google.rpc.Status` body: `{error: {code, message, status, details}}`. */
function statusBody(code: number, message: string, details?: JsonObject[]): string {
  return JSON.stringify({ error: { code, message, status: googleStatus(code), ...(details ? { details } : {}) } });
}

/**
 * Our own refusal in Google's envelope; a 429 says when to come back in a `RetryInfo` detail, which Gemini's
 * clients read (the SDK's retries, Gemini CLI's backoff).
 */
export function geminiErrorBody(type: BridgeErrorType, message: string, _code?: string, context?: ErrorContext): string {
  const code = context?.status ?? TYPE_STATUS[type];
  const wait = context?.retryAfterMs;
  const details =
    code === 429 && wait !== undefined
      ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.max(1, Math.ceil(wait / 1000))}s` }]
      : undefined;
  return statusBody(code, message, details);
}

/** A provider's refusal with `status`, in Google's envelope (a translated target's error answer). */
export function geminiStatusErrorBody(status: number, message: string): string {
  return statusBody(status, message);
}

const PROMPT = /"promptTokenCount"\s*:\s*(\d+)/;
const CANDIDATES = /"candidatesTokenCount"\s*:\s*(\d+)/;
const THOUGHTS = /"thoughtsTokenCount"\s*:\s*(\d+)/;
const CACHED = /"cachedContentTokenCount"\s*:\s*(\d+)/;

/**
 * Gemini's `usageMetadata`: the prompt counts the cached tokens too (like OpenAI's), and the thinking is billed as
 * output beside `candidatesTokenCount`, so the output is their sum.
 */
export const GEMINI_USAGE: UsageReader = {
  // Every count field's name ends so (promptTokenCount, candidatesTokenCount, …).
  mark: 'TokenCount"',
  scan(text: string, usage: UsageSeen): void {
    if (!text.includes('"usageMetadata"')) return;
    const prompt = PROMPT.exec(text);
    if (prompt) usage.input = Math.max(usage.input, Number(prompt[1]));
    const candidates = CANDIDATES.exec(text);
    const thoughts = THOUGHTS.exec(text);
    if (candidates || thoughts) usage.output = Math.max(usage.output, Number(candidates?.[1] ?? 0) + Number(thoughts?.[1] ?? 0));
    const cached = CACHED.exec(text);
    if (cached) {
      usage.cacheRead = Math.max(usage.cacheRead, Number(cached[1]));
      usage.cachedInInput = true;
    }
  },
};

/** Gemini names models `models/…` in its lists and paths; a route or a client may name them either way. */
export function bareModel(model: string): string {
  return model.startsWith('models/') ? model.slice('models/'.length) : model;
}

/**
 * Gemini's generateContent (`POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`): what
 * Gemini CLI and Google's SDKs speak. The path names the model and whether the answer is streamed; a stream has no
 * final event of its own, and the chunk that says why the answer ended (`finishReason`) is its last.
 */
export const geminiGenerateFormat: WireFormat = {
  id: 'geminiGenerate',
  protocol: 'gemini',
  label: 'generateContent',
  endpoint: 'generate',
  path: '/v1beta/models/{model}:generateContent',
  requestPath: (model, stream) => `/v1beta/models/${encodeURIComponent(bareModel(model))}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
  // The path holds both (gemini.ts): a body naming either is not Gemini's.
  routing: { model: 'model', stream: 'stream' },
  usage: GEMINI_USAGE,
  chainsAnswers: false,
  carriesReasoning: false,
  terminalRepeatsFacts: false,

  // The SDK throws its ApiError for a chunk that is a `google.rpc.Status` with an HTTP error code.
  terminalStreamError: (message) => `data: ${statusBody(503, message)}\n\n`,

  isPreamble: () => false,

  // A quote inside a JSON string is escaped: only the field itself reads `"finishReason"`.
  isTerminal: (event: SseEvent) => event.data !== undefined && event.data.includes('"finishReason"'),
  terminalMarks: ['"finishReason"'],

  continuation: {
    limitFields: [],
    turnsField: 'contents',
    prefill: () => 'none',
    clientPrefill: false,
    prefillDropsThinking: false,
    refusal: () => 'a Gemini answer is not continued by another target',
    structuredOutput: (body: JsonObject) =>
      typeof body.generationConfig === 'object' &&
      body.generationConfig !== null &&
      (body.generationConfig as JsonObject).responseMimeType === 'application/json',
  },
};
