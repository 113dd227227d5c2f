/**
 * What an upstream failure means for the attempt loop. Every provider quirk
 * about error shapes is decided here, in one place.
 */

type VerdictKind =
  | 'rate_limit' // the key is cooling
  | 'quota' // the key is exhausted (billing, credits, insufficient_quota)
  | 'auth' // the key is invalid or not permitted
  | 'transient' // the provider is struggling; keys are not blamed
  | 'timeout' // the provider is silent; do not retry the same target
  | 'context_length' // the request is too big for this model: a larger one may take it
  | 'caller' // the request itself is at fault: return the provider's answer as it is
  | 'client'; // the request could not even be sent as it is (an option the HTTP client refuses): a 400, never the provider's fault

export interface Verdict {
  kind: VerdictKind;
  /** A short, secret-free summary for logs, the tree and error messages. */
  reason: string;
}

/** The parts of a provider error body that decide its class. */
export interface ErrorFacts {
  type?: string;
  code?: string;
  message?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Reads OpenAI, Anthropic and Responses-stream error payloads alike. */
export function errorFactsFromJson(json: unknown): ErrorFacts {
  if (!json || typeof json !== 'object') return {};
  const root = json as Record<string, unknown>;
  // Responses stream: {"type":"response.failed","response":{"error":{code,message}}}
  const response = root.response as Record<string, unknown> | undefined;
  const inner = root.error ?? response?.error;
  if (inner && typeof inner === 'object') {
    const e = inner as Record<string, unknown>;
    return { type: str(e.type), code: str(e.code), message: str(e.message) };
  }
  if (typeof inner === 'string') return { message: inner };
  // Responses stream `error` event: {"type":"error","code":..,"message":..}
  if (root.type === 'error') return { code: str(root.code), message: str(root.message) };
  return {};
}

export function parseErrorFacts(body: string): ErrorFacts {
  try {
    return errorFactsFromJson(JSON.parse(body));
  } catch {
    return {};
  }
}

const QUOTA = /insufficient[_ ]quota|billing|credit balance|exceeded your current quota|out of credits|payment required|insufficient (credits|balance|funds)/i;
const RATE = /rate[_ ]limit/i;
const CONTEXT = /context[_ ]length|context window|prompt is too long|maximum context|input length and `?max_tokens`? exceed|too many tokens/i;
const POLICY = /content[_ ]policy|content[_ ]filter|usage polic|safety system/i;
// 403 bodies that speak about the key or account itself, not about this request.
const KEY_FORBIDDEN = /api[_ ]key|this key|your key|organization (has been|is) (disabled|deactivated|suspended)|account (has been|is) (disabled|deactivated|suspended)|not allowed to use this key/i;

function describe(status: number | undefined, facts: ErrorFacts): string {
  const label = facts.code ?? facts.type;
  const head = status !== undefined ? `HTTP ${status}` : 'stream error';
  return label ? `${head} ${label}` : head;
}

/** Classifies an error payload that arrived without a telling status (in-stream errors). */
export function classifyStreamError(facts: ErrorFacts): Verdict {
  const text = `${facts.type ?? ''} ${facts.code ?? ''} ${facts.message ?? ''}`;
  const reason = describe(undefined, facts);
  if (QUOTA.test(text)) return { kind: 'quota', reason };
  if (RATE.test(text)) return { kind: 'rate_limit', reason };
  if (/authentication|invalid_api_key|permission/i.test(text)) return { kind: 'auth', reason };
  if (CONTEXT.test(text)) return { kind: 'context_length', reason };
  if (POLICY.test(text) || /invalid_request/i.test(text)) return { kind: 'caller', reason };
  return { kind: 'transient', reason };
}

/** Classifies a non-2xx upstream response from its status and error body. */
export function classifyResponse(status: number, facts: ErrorFacts): Verdict {
  const text = `${facts.type ?? ''} ${facts.code ?? ''} ${facts.message ?? ''}`;
  const reason = describe(status, facts);
  if (status === 401) return { kind: 'auth', reason };
  if (status === 402) return { kind: 'quota', reason };
  if (status === 429) return QUOTA.test(text) ? { kind: 'quota', reason } : { kind: 'rate_limit', reason };
  if (status === 403) return KEY_FORBIDDEN.test(facts.message ?? '') ? { kind: 'auth', reason } : { kind: 'caller', reason };
  if (status === 408 || status >= 500) return { kind: 'transient', reason };
  if (status === 400 || status === 413 || status === 422) {
    if (POLICY.test(text)) return { kind: 'caller', reason };
    // Anthropic reports an empty credit balance as a 400.
    if (QUOTA.test(text)) return { kind: 'quota', reason };
    if (CONTEXT.test(text)) return { kind: 'context_length', reason };
  }
  return { kind: 'caller', reason };
}

interface ErrorWithCode {
  code?: string;
  name?: string;
  message?: string;
  cause?: unknown;
}

/** Classifies a transport failure before headers (undici and socket errors). */
export function classifyTransportError(error: unknown): Verdict {
  const e = (error ?? {}) as ErrorWithCode;
  const code = e.code ?? (e.cause as ErrorWithCode | undefined)?.code ?? e.name ?? 'error';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'FIRST_EVENT_TIMEOUT') {
    return { kind: 'timeout', reason: code === 'UND_ERR_HEADERS_TIMEOUT' ? 'no response headers in time' : 'no first event in time' };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'timeout', reason: 'connect timeout' };
  // undici refuses some requests before sending them (e.g. `Expect: 100-continue`, a header it cannot encode):
  // the request is at fault, and no provider or key may be blamed for it.
  if (code === 'UND_ERR_NOT_SUPPORTED' || code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_CHAR' || code === 'ERR_HTTP_INVALID_HEADER_VALUE') {
    return { kind: 'client', reason: `request refused before sending (${code})` };
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return { kind: 'transient', reason: 'upstream headers too large' };
  return { kind: 'transient', reason: `connection failed (${code})` };
}
