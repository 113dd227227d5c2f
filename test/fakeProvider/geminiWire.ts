import type { ReplyPlan } from './replyPlan';
import type { Json } from './sse';
import type { Endpoint, InStreamError, SseEvent } from './types';

/*
 * Gemini's native API (`generativelanguage.googleapis.com`, v1beta), written from its API reference and recorded
 * answers (our own values): `models/{model}:generateContent`, `:streamGenerateContent` (SSE with `alt=sse`, else one
 * JSON array written as it grows), `:countTokens`, and the paged model list.
 */

export const GEMINI_DEFAULT_MODEL = 'gemini-2.5-flash';

const METHODS: Partial<Record<string, { endpoint: Endpoint; stream: boolean }>> = {
  generateContent: { endpoint: 'generate_content', stream: false },
  streamGenerateContent: { endpoint: 'generate_content', stream: true },
  countTokens: { endpoint: 'count_tokens', stream: false },
};

export interface GeminiRoute {
  endpoint: Endpoint;
  modelId?: string;
  stream?: boolean;
}

/**
 * A Gemini path: `/v1beta/models/{model}:{method}` (v1 and v1alpha too), `GET /v1beta/models` and
 * `GET /v1beta/models/{model}`; undefined for anything else. A bare `/v1/models` is OpenAI's or Anthropic's
 * unless the request carries a Gemini key (`keyed`).
 */
export function geminiRoute(method: string, pathname: string, keyed: boolean): GeminiRoute | undefined {
  const m = /^\/(v1beta|v1alpha|v1)\/models(?:\/([^/]+))?$/.exec(pathname);
  if (!m || (m[1] === 'v1' && !keyed && !pathname.includes(':'))) return undefined;
  let name: string;
  try {
    // The model segment is an optional group: absent for a bare `/models`.
    name = decodeURIComponent(m.at(2) ?? '');
  } catch {
    return undefined;
  }
  const colon = name.lastIndexOf(':');
  if (method === 'POST' && colon > 0) {
    const called = METHODS[name.slice(colon + 1)];
    return called ? { ...called, modelId: name.slice(0, colon) } : { endpoint: 'other' };
  }
  if (method === 'GET' && colon < 0) return name === '' ? { endpoint: 'models' } : { endpoint: 'models', modelId: name };
  return { endpoint: 'other' };
}

/** Gemini 2.5 and 3 think before they answer (and count it in `thoughtsTokenCount`). */
function thinks(model: string): boolean {
  return /^gemini-(2\.5|3)/.test(model);
}

/** Gemini 3 signs its steps: the first function call of each, or the last part of an answer without one. */
function signsThoughts(model: string): boolean {
  return /^gemini-3/.test(model);
}

export interface GeminiAnswerOptions {
  /** `generationConfig.thinkingConfig.includeThoughts`: a thought summary comes first. */
  includeThoughts: boolean;
  /** A new thought signature, remembered so that strict mode takes it back. */
  sign: () => string;
}

/** What the request asks for: thought summaries. */
export function geminiAnswerOptions(body: Json, sign: () => string): GeminiAnswerOptions {
  const config = (body.generationConfig ?? body.generation_config) as Json | undefined;
  const thinking = (config?.thinkingConfig ?? config?.thinking_config) as Json | undefined;
  return { includeThoughts: (thinking?.includeThoughts ?? thinking?.include_thoughts) === true, sign };
}

/** The parts of each chunk of the answer, in order: thought summary, text deltas, the function call. */
function chunkParts(p: ReplyPlan, o: GeminiAnswerOptions): Json[][] {
  const chunks: Json[][] = [];
  if (o.includeThoughts) chunks.push([{ text: `Reasoning about reply ${p.seq}: the tool or the answer comes next.`, thought: true }]);
  for (const text of p.textDeltas ?? []) chunks.push([{ text }]);
  if (p.tool) {
    const call: Json = { name: p.tool.name, args: JSON.parse(p.tool.argumentsJson) as unknown };
    if (p.tool.id !== undefined) call.id = p.tool.id;
    chunks.push([{ functionCall: call }]);
  }
  if (chunks.length === 0 || chunks.every((parts) => parts.every((part) => part.thought === true))) chunks.push([{ text: '' }]);
  if (signsThoughts(p.model)) {
    const signed = p.tool ? chunks[chunks.length - 1] : chunks.filter((parts) => parts.some((part) => part.thought !== true)).at(-1);
    const part = signed?.at(-1);
    if (part) part.thoughtSignature = o.sign();
  }
  return chunks;
}

function usageMetadata(p: ReplyPlan, final: boolean): Json {
  const thoughts = p.usage.thoughts ?? (thinks(p.model) ? 12 : 0);
  const usage: Json = { promptTokenCount: p.usage.input };
  if (final) usage.candidatesTokenCount = p.usage.output;
  usage.totalTokenCount = p.usage.input + (final ? p.usage.output : 0) + thoughts;
  if (p.usage.cacheRead) usage.cachedContentTokenCount = p.usage.cacheRead;
  usage.promptTokensDetails = [{ modality: 'TEXT', tokenCount: p.usage.input }];
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
  return usage;
}

function response(p: ReplyPlan, parts: Json[], final: boolean): Json {
  const candidate: Json = { content: { parts, role: 'model' } };
  if (final) candidate.finishReason = 'STOP';
  candidate.index = 0;
  return { candidates: [candidate], usageMetadata: usageMetadata(p, final), modelVersion: p.model, responseId: `fake${p.idTail}` };
}

/** `:generateContent`: one response with every part; the text deltas joined into one part. */
export function generateContentResponse(p: ReplyPlan, o: GeminiAnswerOptions): Json {
  const parts: Json[] = [];
  for (const part of chunkParts(p, o).flat()) {
    const last = parts.at(-1);
    if (
      last &&
      typeof part.text === 'string' &&
      typeof last.text === 'string' &&
      part.thought !== true &&
      last.thought !== true &&
      last.thoughtSignature === undefined
    ) {
      last.text += part.text;
      if (part.thoughtSignature !== undefined) last.thoughtSignature = part.thoughtSignature;
    } else {
      parts.push(part);
    }
  }
  return response(p, parts, true);
}

/** The framing of a streamed answer: SSE events (`alt=sse`), or the elements of one JSON array. */
type StreamForm = 'sse' | 'array';

function frame(payload: Json, form: StreamForm, first: boolean, last: boolean): string {
  const json = JSON.stringify(payload);
  // Gemini ends its SSE events with CRLF pairs.
  if (form === 'sse') return `data: ${json}\r\n\r\n`;
  return `${first ? '[' : ',\r\n'}${json}${last ? '\n]' : ''}`;
}

/**
 * `:streamGenerateContent`: a whole GenerateContentResponse per chunk (a function call arrives whole, never
 * in pieces); the last carries `finishReason` and the final usage, and is the stream's terminal event.
 */
export function generateContentStreamEvents(p: ReplyPlan, o: GeminiAnswerOptions, form: StreamForm): SseEvent[] {
  const chunks = chunkParts(p, o);
  return chunks.map((parts, i) => {
    const last = i === chunks.length - 1;
    return { text: frame(response(p, parts, last), form, i === 0, last), phase: last ? 'terminal' : 'content' };
  });
}

/** Google's status names for the HTTP codes it answers with. */
export const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A `google.rpc.Status` as Google's JSON APIs send it. */
export function googleError(code: number, message: string, details?: Json[], status = GOOGLE_STATUS[code] ?? 'UNKNOWN'): Json {
  const error: Json = { code, message, status };
  if (details) error.details = details;
  return { error };
}

const IN_STREAM: Record<InStreamError, Json> = {
  overloaded: googleError(503, 'The model is overloaded. Please try again later.'),
  rateLimit: googleError(429, 'Resource has been exhausted (e.g. check quota).'),
  quota: googleError(429, 'You exceeded your current quota, please check your plan and billing details.'),
  server: googleError(500, 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'),
};

/** An error inside a stream: a `data:` event (or array element) holding a `google.rpc.Status`. */
export function geminiErrorEvent(form: StreamForm): (err: InStreamError, sequenceNumber: number) => SseEvent {
  return (err, n) => ({ text: frame(IN_STREAM[err], form, n === 0, true), phase: 'terminal' });
}

/** `:countTokens`. */
export function geminiCountTokens(total: number): Json {
  return { totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] };
}

// ---------- models ----------

/** id, display name, input and output token limits, thinking. */
const GEMINI_MODELS: Array<[string, string, number, number, boolean]> = [
  ['gemini-2.5-pro', 'Gemini 2.5 Pro', 1_048_576, 65_536, true],
  ['gemini-2.5-flash', 'Gemini 2.5 Flash', 1_048_576, 65_536, true],
  ['gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 1_048_576, 65_536, true],
  ['gemini-3-pro-preview', 'Gemini 3 Pro Preview', 1_048_576, 65_536, true],
  ['gemini-3-flash-preview', 'Gemini 3 Flash Preview', 1_048_576, 65_536, true],
  ['gemini-2.0-flash', 'Gemini 2.0 Flash', 1_048_576, 8_192, false],
];

/** `models/{id}`; undefined for a model Gemini does not have. */
export function geminiModel(id: string): Json | undefined {
  const found = GEMINI_MODELS.find((m) => m[0] === id.replace(/^models\//, ''));
  if (!found) return undefined;
  const [name, displayName, inputTokenLimit, outputTokenLimit, thinking] = found;
  return {
    name: `models/${name}`,
    version: name.replace(/^gemini-/, '').split('-')[0],
    displayName,
    description: `${displayName} (fake provider)`,
    inputTokenLimit,
    outputTokenLimit,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking,
  };
}

/** A page of `GET models`: `pageSize` (default 50, at most 1000) from the offset `pageToken` names. */
export function geminiModelPage(query: URLSearchParams): Json | undefined {
  const size = Math.min(1000, Math.max(1, Number(query.get('pageSize')) || 50));
  const token = query.get('pageToken');
  let start = 0;
  if (token) {
    start = Number(
      Buffer.from(token, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(start) || start < 0 || start > GEMINI_MODELS.length) return undefined;
  }
  const models = GEMINI_MODELS.slice(start, start + size).map((m) => geminiModel(m[0]));
  const page: Json = { models };
  if (start + size < GEMINI_MODELS.length) page.nextPageToken = Buffer.from(`offset:${start + size}`).toString('base64url');
  return page;
}
