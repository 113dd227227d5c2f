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
  /** Quota: when the provider said the key regains access (epoch ms); its re-test is due then. */
  until?: number;
  /** Rate limit: how long the provider's words asked to wait (ms), for providers that say it in the body only. */
  retryInMs?: number;
}

/** The parts of a provider error body that decide its class. */
export interface ErrorFacts {
  type?: string;
  code?: string;
  message?: string;
  /** Google's status name (`RESOURCE_EXHAUSTED`): named in the reason when the error has no code or type. */
  status?: string;
  /** Google's `RetryInfo.retryDelay` detail, in ms. */
  retryDelayMs?: number;
  /** Google's `QuotaFailure` detail: the quota ids and metrics each violation names. */
  quotas?: string[];
  /** Google's `ErrorInfo.reason` detail (`API_KEY_INVALID`). */
  reason?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Reads OpenAI, Anthropic, Google and Responses-stream error payloads alike. */
export function errorFactsFromJson(json: unknown): ErrorFacts {
  // Gemini's OpenAI-compatible endpoint sends its errors as a one-element array: `[{"error":{code,message,status}}]`.
  if (Array.isArray(json)) return json.length > 0 ? errorFactsFromJson(json[0]) : {};
  if (!json || typeof json !== 'object') return {};
  const root = json as Record<string, unknown>;
  // Responses stream: {"type":"response.failed","response":{"error":{code,message}}}
  const response = root.response as Record<string, unknown> | undefined;
  const inner = root.error ?? response?.error;
  if (inner && typeof inner === 'object') {
    const e = inner as Record<string, unknown>;
    const facts: ErrorFacts = { type: str(e.type), code: str(e.code), message: str(e.message) };
    if (typeof e.status === 'string') facts.status = e.status;
    if (Array.isArray(e.details)) readGoogleDetails(e.details as unknown[], facts);
    return facts;
  }
  if (typeof inner === 'string') return { message: inner };
  // Responses stream `error` event: {"type":"error","code":..,"message":..}
  if (root.type === 'error') return { code: str(root.code), message: str(root.message) };
  return {};
}

const DURATION = /^(\d+(?:\.\d+)?)s$/;

/** Google's error details (`google.rpc.RetryInfo`, `QuotaFailure`, `ErrorInfo`), named by their `@type`. */
function readGoogleDetails(details: unknown[], facts: ErrorFacts): void {
  for (const detail of details) {
    if (!detail || typeof detail !== 'object') continue;
    const d = detail as Record<string, unknown>;
    const type = typeof d['@type'] === 'string' ? d['@type'] : '';
    if (type.endsWith('.RetryInfo')) {
      const m = typeof d.retryDelay === 'string' ? DURATION.exec(d.retryDelay) : null;
      if (m) facts.retryDelayMs = Math.round(Number(m[1]) * 1000);
    } else if (type.endsWith('.QuotaFailure') && Array.isArray(d.violations)) {
      for (const v of d.violations as unknown[]) {
        if (!v || typeof v !== 'object') continue;
        const { quotaId, quotaMetric } = v as Record<string, unknown>;
        for (const name of [quotaId, quotaMetric]) if (typeof name === 'string') (facts.quotas ??= []).push(name);
      }
    } else if (type.endsWith('.ErrorInfo') && typeof d.reason === 'string') {
      facts.reason = d.reason;
    }
  }
}

export function parseErrorFacts(body: string): ErrorFacts {
  try {
    return errorFactsFromJson(JSON.parse(body));
  } catch {
    return {};
  }
}

// "You have reached your specified API usage limits" is Anthropic's spend limit; "credits are depleted" Gemini's prepaid balance.
const QUOTA =
  /insufficient[_ ]quota|billing|credit balance|exceeded your current quota|out of credits|payment required|insufficient (credits|balance|funds)|specified API usage limits|credits are depleted/i;
// Gemini words its per-minute (and per-day) limits like a billing problem ("You exceeded your current quota, please
// check your plan and billing details … Quota exceeded for metric: …free_tier_requests, limit: 15 … Please retry in
// 20s"), but they end by themselves: a rate limit. OpenAI's spent balance says the same first sentence without these.
const QUOTA_WINDOW = /quota exceeded for (quota )?metric|please retry in \d|docs\/rate-limits/i;
const RATE = /rate[_ ]limit/i;
const CONTEXT = /context[_ ]length|context window|prompt is too long|maximum context|input length and `?max_tokens`? exceed|too many tokens/i;
const POLICY = /content[_ ]policy|content[_ ]filter|usage polic|safety system/i;
// 403 bodies that speak about the key or account itself, not about this request.
const KEY_FORBIDDEN =
  /api[_ ]key|this key|your key|organization (has been|is) (disabled|deactivated|suspended)|account (has been|is) (disabled|deactivated|suspended)|not allowed to use this key/i;
// Anthropic's spend limit names the day it lifts: "You will regain access on 2027-01-01 at 00:00 UTC."
const REGAIN_ACCESS = /regain access on (\d{4})-(\d{2})-(\d{2})(?: at (\d{1,2}):(\d{2}))?/i;
const RETRY_IN = /please retry in (\d+(?:\.\d+)?)s\b/i;
const DAY_MS = 24 * 60 * 60_000;
// Spent money, whatever else the words say: Gemini's prepaid balance, a project without billing.
const MONEY_SPENT = /insufficient_quota|credits are depleted|prepayment credits|billing (is not|has not been) enabled|enable billing/i;
// Google's QuotaFailure names a quota that resets daily (`GenerateRequestsPerDayPerProjectPerModel-FreeTier`).
const DAILY_QUOTA = /per ?day/i;
// Google's ErrorInfo reasons that speak about the key or its project, not the request.
const KEY_REASON = /^(API_KEY_|CONSUMER_SUSPENDED|SERVICE_DISABLED)/;

function describe(status: number | undefined, facts: ErrorFacts): string {
  // A numeric code repeats the status (Google's `"code": 429`): its status name says more.
  const code = facts.code !== undefined && /^\d+$/.test(facts.code) ? undefined : facts.code;
  const label = code ?? facts.type ?? facts.status;
  const head = status !== undefined ? `HTTP ${status}` : 'stream error';
  return label ? `${head} ${label}` : head;
}

function textOf(facts: ErrorFacts): string {
  return `${facts.type ?? ''} ${facts.code ?? ''} ${facts.message ?? ''}`;
}

/** The key's balance or spend limit is used up: words of a quota, unless they name a window that ends by itself. */
function quotaSpent(text: string): boolean {
  if (MONEY_SPENT.test(text)) return true;
  return QUOTA.test(text) && !QUOTA_WINDOW.test(text);
}

/** A quota verdict, with the day the provider said access returns when it said one. */
function quota(reason: string, facts: ErrorFacts): Verdict {
  const m = REGAIN_ACCESS.exec(facts.message ?? '');
  if (!m) return { kind: 'quota', reason };
  // The time is optional in the words: without it, access returns at the day's start.
  const [, year, month, day, hour = '0', minute = '0'] = m as (string | undefined)[];
  const until = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute));
  return Number.isFinite(until) ? { kind: 'quota', reason, until } : { kind: 'quota', reason };
}

/**
 * Daily quotas reset at midnight Pacific time (Google's rate-limit documentation): the next one after `now`.
 * Pacific time is UTC-8, or UTC-7 under daylight saving; the hour is read from the zone's own clock.
 */
export function nextPacificMidnight(now: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(now);
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const sinceMidnight = ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000 + (now % 1000);
  return now - sinceMidnight + DAY_MS;
}

/** A 429 whose QuotaFailure names only daily quotas: the key is spent until they reset, not cooling for a minute. */
function dailyQuota(facts: ErrorFacts): boolean {
  const ids = facts.quotas?.filter((q) => !q.includes('/'));
  return ids !== undefined && ids.length > 0 && ids.every((id) => DAILY_QUOTA.test(id));
}

/** A rate-limit verdict, with the wait the provider asked for when it asked one (Google's RetryInfo, Gemini's "Please retry in 20.5s"). */
function rateLimit(reason: string, facts: ErrorFacts): Verdict {
  if (facts.retryDelayMs !== undefined) return { kind: 'rate_limit', reason, retryInMs: Math.min(facts.retryDelayMs, DAY_MS) };
  const m = RETRY_IN.exec(facts.message ?? '');
  // Never longer than a day, as with the headers' hints: a key is not shelved on one body's say-so.
  return m ? { kind: 'rate_limit', reason, retryInMs: Math.min(Math.round(Number(m[1]) * 1000), DAY_MS) } : { kind: 'rate_limit', reason };
}

/** Classifies an error payload that arrived without a telling status (in-stream errors). */
export function classifyStreamError(facts: ErrorFacts): Verdict {
  const text = textOf(facts);
  const reason = describe(undefined, facts);
  if (quotaSpent(text)) return quota(reason, facts);
  if (RATE.test(text) || QUOTA_WINDOW.test(text)) return rateLimit(reason, facts);
  if (/authentication|invalid_api_key|permission/i.test(text)) return { kind: 'auth', reason };
  if (CONTEXT.test(text)) return { kind: 'context_length', reason };
  if (POLICY.test(text) || /invalid_request/i.test(text)) return { kind: 'caller', reason };
  return { kind: 'transient', reason };
}

/** Classifies a non-2xx upstream response from its status and error body. */
export function classifyResponse(status: number, facts: ErrorFacts): Verdict {
  const text = textOf(facts);
  const reason = describe(status, facts);
  if (status === 401) return { kind: 'auth', reason };
  if (status === 402) return quota(reason, facts);
  if (status === 429) {
    if (quotaSpent(text)) return quota(reason, facts);
    return dailyQuota(facts) ? { kind: 'quota', reason, until: nextPacificMidnight(Date.now()) } : rateLimit(reason, facts);
  }
  if (facts.reason !== undefined && KEY_REASON.test(facts.reason) && (status === 400 || status === 403)) return { kind: 'auth', reason };
  if (status === 403) {
    if (MONEY_SPENT.test(text)) return quota(reason, facts);
    return KEY_FORBIDDEN.test(facts.message ?? '') ? { kind: 'auth', reason } : { kind: 'caller', reason };
  }
  if (status === 408 || status >= 500) return { kind: 'transient', reason };
  if (status === 400 || status === 413 || status === 422) {
    if (POLICY.test(text)) return { kind: 'caller', reason };
    // Anthropic reports an empty credit balance and a reached spend limit as a 400.
    if (quotaSpent(text)) return quota(reason, facts);
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
  if (
    code === 'UND_ERR_NOT_SUPPORTED' ||
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'ERR_INVALID_ARG_VALUE' ||
    code === 'ERR_INVALID_CHAR' ||
    code === 'ERR_HTTP_INVALID_HEADER_VALUE'
  ) {
    return { kind: 'client', reason: `request refused before sending (${code})` };
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') return { kind: 'transient', reason: 'upstream headers too large' };
  return { kind: 'transient', reason: `connection failed (${code})` };
}
