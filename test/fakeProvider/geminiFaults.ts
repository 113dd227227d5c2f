import { httpFaultReply, type ErrorContext, type HttpReply } from './faults';
import { googleError, GOOGLE_STATUS } from './geminiWire';
import type { Json } from './sse';
import type { Fault } from './types';

/*
 * Gemini's native API failing in its own shape: a `google.rpc.Status` object (`code`, `message`, `status`) with
 * typed `details` — `QuotaFailure` naming the quota that ran out (per minute or per day), `RetryInfo` with the
 * `retryDelay` to wait, `ErrorInfo` with a machine-readable reason such as `API_KEY_INVALID`. The messages follow
 * what the API answers (Gemini API troubleshooting guide, rate-limit docs, and errors users reported).
 */

const JSON_TYPE = 'application/json; charset=UTF-8';
const SERVICE = 'generativelanguage.googleapis.com';
const RATE_LIMIT_DOCS = 'https://ai.google.dev/gemini-api/docs/rate-limits';

function json(status: number, body: Json, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

const help: Json = { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: RATE_LIMIT_DOCS }] };

const retryInfo = (seconds: number): Json => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` });

interface Quota {
  metric: string;
  id: string;
  value: number;
}

const quotaFailure = (q: Quota, model: string): Json => ({
  '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
  violations: [{ quotaMetric: `${SERVICE}/${q.metric}`, quotaId: q.id, quotaDimensions: { location: 'global', model }, quotaValue: String(q.value) }],
});

/** The quotas a 429 names: requests per minute or per day, on a paid or the free tier. */
const QUOTAS = {
  minute: { metric: 'generate_content_paid_tier_requests', id: 'GenerateRequestsPerMinutePerProjectPerModel', value: 150 },
  day: { metric: 'generate_content_paid_tier_requests', id: 'GenerateRequestsPerDayPerProjectPerModel', value: 10_000 },
  freeMinute: { metric: 'generate_content_free_tier_requests', id: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', value: 10 },
} satisfies Record<string, Quota>;

/**
 * A 429 RESOURCE_EXHAUSTED over a quota. Google sends RetryInfo for a day's quota too (a short delay that does
 * not bring the day back): only the QuotaFailure's quota id tells a per-day limit from a per-minute one.
 */
function quotaExceeded(q: Quota, model: string, retryS: number, headers?: Record<string, string>): HttpReply {
  const message =
    `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: ${RATE_LIMIT_DOCS}. ` +
    `To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: ${SERVICE}/${q.metric}, limit: ${q.value}, model: ${model}\nPlease retry in ${retryS}s.`;
  return json(429, googleError(429, message, [quotaFailure(q, model), help, retryInfo(retryS)]), headers);
}

const errorInfo = (reason: string): Json => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'googleapis.com',
  metadata: { service: SERVICE },
});

const localized = (message: string): Json => ({ '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message });

const INVALID_KEY = 'API key not valid. Please pass a valid API key.';

/** The Gemini API's answer to an HTTP-level fault; undefined for faults that are not a plain error response. */
export function geminiFaultReply(fault: Fault, c: ErrorContext): HttpReply | undefined {
  switch (fault.kind) {
    case 'rateLimit':
      return quotaExceeded(QUOTAS.minute, c.model, fault.retryDelayS ?? 20, fault.headers);
    case 'quota':
      return quotaExceeded(QUOTAS.day, c.model, 43);
    case 'gemini':
      if (fault.error === 'freeTierPerMinute') return quotaExceeded(QUOTAS.freeMinute, c.model, 20);
      return creditsDepleted();
    case 'spendLimit':
      return creditsDepleted();
    case 'invalidKey':
      return json(400, googleError(400, INVALID_KEY, [errorInfo('API_KEY_INVALID'), localized(INVALID_KEY)]));
    case 'forbiddenKey':
      // A key Google found published and revoked.
      return json(403, googleError(403, 'Your API key was reported as leaked. Please use another API key.'));
    case 'forbiddenRequest':
      return json(400, googleError(400, 'User location is not supported for the API use.', undefined, 'FAILED_PRECONDITION'));
    case 'serverError': {
      const status = fault.status ?? 500;
      const message =
        status === 500
          ? 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'
          : `Fake status ${status}`;
      return json(status, googleError(status, message));
    }
    case 'overloaded':
      return json(503, googleError(503, 'The model is overloaded. Please try again later.'));
    case 'contextLength':
      return json(400, googleError(400, 'The input token count (1250000) exceeds the maximum number of tokens allowed (1048576).'));
    case 'contentPolicy':
      // Gemini blocks a prompt with a 200 that has no candidates, only the reason.
      return json(200, {
        promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
        usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
        modelVersion: c.model,
      });
    case 'status':
      if (fault.body !== undefined || fault.status < 400) return httpFaultReply(fault, c);
      return json(fault.status, googleError(fault.status, `Fake status ${fault.status}`), fault.headers);
    default:
      // html, and the faults that are not a plain answer, are the same whatever the protocol.
      return httpFaultReply(fault, c);
  }
}

/** Prepaid credits spent: a 429 like a rate limit, but nothing comes back until someone pays. */
function creditsDepleted(): HttpReply {
  return json(
    429,
    googleError(429, 'Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.'),
  );
}

export function geminiMissingKeyReply(): HttpReply {
  return json(
    403,
    googleError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    ),
  );
}

export function geminiNotFoundReply(c: ErrorContext): HttpReply {
  const model = /\/models\/([^/:]+)/.exec(c.path)?.[1];
  const message = model
    ? `models/${model} is not found for API version v1beta, or is not supported for this method. Call ListModels to see the list of available models and their supported methods.`
    : 'Method not found.';
  return json(404, googleError(404, message));
}

export function geminiBadJsonReply(): HttpReply {
  return json(400, googleError(400, 'Invalid JSON payload received. Unexpected token.'));
}

export function geminiInvalidRequestReply(message: string): HttpReply {
  return json(400, googleError(400, message, undefined, GOOGLE_STATUS[400]));
}
