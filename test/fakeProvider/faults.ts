import type { OutgoingHttpHeaders } from 'node:http';
import { anthropicError } from './anthropicWire';
import { openaiError } from './openaiWire';
import { MALFORMED_EVENT, type Json } from './sse';
import type { Fault, InStreamError, Protocol, SseEvent } from './types';

export interface HttpReply {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string | Buffer;
}

export interface ErrorContext {
  protocol: Protocol;
  requestId: string;
  key: string | undefined;
  model: string;
  method: string;
  path: string;
}

const JSON_TYPE = 'application/json';

function json(status: number, body: Json | Json[], headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** 'test-key-1' → 'test****ey-1': error messages quote keys the way providers do, never whole. */
function maskKey(key: string | undefined): string {
  if (!key) return '';
  return key.length <= 8 ? '****' : `${key.slice(0, 4)}****${key.slice(-4)}`;
}

/** The provider's answer to an HTTP-level fault; undefined for faults that are not a plain error response. */
export function httpFaultReply(fault: Fault, c: ErrorContext): HttpReply | undefined {
  const oa = c.protocol === 'openai';
  const an = (status: number, type: string, message: string, headers?: Record<string, string>): HttpReply =>
    json(status, anthropicError(type, message, c.requestId), headers);
  switch (fault.kind) {
    case 'rateLimit':
      return oa
        ? json(
            429,
            openaiError(
              `Rate limit reached for ${c.model} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again later.`,
              'requests',
              'rate_limit_exceeded',
            ),
            fault.headers,
          )
        : an(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', fault.headers);
    case 'quota':
      return oa
        ? json(
            429,
            openaiError(
              'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
              'insufficient_quota',
              'insufficient_quota',
            ),
          )
        : an(
            400,
            'invalid_request_error',
            'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
          );
    case 'spendLimit': {
      const message = `You have reached your specified API usage limits. You will regain access on ${fault.regainOn ?? '2027-01-01 at 00:00 UTC'}.`;
      return oa ? json(400, openaiError(message, 'invalid_request_error', null)) : an(400, 'invalid_request_error', message);
    }
    case 'gemini': {
      const error = { code: 429, message: geminiMessage(fault.error, c.model), status: 'RESOURCE_EXHAUSTED' };
      return json(429, fault.shape === 'object' ? { error } : [{ error }]);
    }
    case 'invalidKey':
      return oa
        ? json(
            401,
            openaiError(
              `Incorrect API key provided: ${maskKey(c.key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
              'invalid_request_error',
              'invalid_api_key',
            ),
          )
        : an(401, 'authentication_error', 'invalid x-api-key');
    case 'forbiddenKey':
      return oa
        ? json(
            403,
            openaiError(
              'This API key is not allowed to make this request: it is restricted and lacks the scope model.request.',
              'invalid_request_error',
              'api_key_not_allowed',
            ),
          )
        : an(403, 'permission_error', 'This API key does not have permission to use the specified resource.');
    case 'forbiddenRequest':
      return oa
        ? json(403, openaiError('Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory'))
        : an(403, 'permission_error', `Request not allowed: model ${c.model} is not available for this request.`);
    case 'serverError': {
      const status = fault.status ?? 500;
      return oa
        ? json(status, openaiError('The server had an error while processing your request. Sorry about that!', 'server_error', null))
        : an(status, 'api_error', 'Internal server error');
    }
    case 'overloaded':
      return oa
        ? json(503, openaiError('The engine is currently overloaded, please try again later.', 'server_error', null))
        : an(529, 'overloaded_error', 'Overloaded');
    case 'html': {
      const status = fault.status ?? 502;
      const title = `${status} ${status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : 'Error'}`;
      return {
        status,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`,
      };
    }
    case 'status':
      return statusReply(fault, c);
    case 'contextLength':
      return oa
        ? json(
            400,
            openaiError(
              "This model's maximum context length is 128000 tokens. However, your messages resulted in 250000 tokens. Please reduce the length of the messages.",
              'invalid_request_error',
              'context_length_exceeded',
              'messages',
            ),
          )
        : an(400, 'invalid_request_error', 'prompt is too long: 250000 tokens > 200000 maximum');
    case 'contentPolicy':
      return oa
        ? json(
            400,
            openaiError(
              'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
              'invalid_request_error',
              'content_policy_violation',
            ),
          )
        : an(
            400,
            'invalid_request_error',
            'This request was flagged as potentially violating our Usage Policy (https://www.anthropic.com/legal/aup). Please rephrase your request.',
          );
    default:
      return undefined;
  }
}

/** Gemini's words: a spent prepaid balance, and the free tier's per-minute limit (which also speaks of quota and billing). */
function geminiMessage(error: 'creditsDepleted' | 'freeTierPerMinute', model: string): string {
  if (error === 'creditsDepleted')
    return 'Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.';
  return (
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. ' +
    'To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n' +
    `* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 15, model: ${model}\n` +
    'Please retry in 20.5s.'
  );
}

function statusReply(fault: Extract<Fault, { kind: 'status' }>, c: ErrorContext): HttpReply {
  const headers: OutgoingHttpHeaders = {};
  let body: string | Buffer;
  if (fault.body === undefined) {
    if (fault.status >= 400) {
      const generic =
        c.protocol === 'openai'
          ? openaiError(`Fake status ${fault.status}`, 'api_error', null)
          : anthropicError('api_error', `Fake status ${fault.status}`, c.requestId);
      body = JSON.stringify(generic);
      headers['content-type'] = JSON_TYPE;
    } else {
      body = '';
    }
  } else if (typeof fault.body === 'string') {
    body = fault.body;
    headers['content-type'] = /^\s*[[{]/.test(body) ? JSON_TYPE : 'text/plain; charset=utf-8';
  } else if (Buffer.isBuffer(fault.body) || fault.body instanceof Uint8Array) {
    body = Buffer.from(fault.body);
    headers['content-type'] = 'application/octet-stream';
  } else {
    body = JSON.stringify(fault.body);
    headers['content-type'] = JSON_TYPE;
  }
  return { status: fault.status, headers: { ...headers, ...(fault.headers ?? {}) }, body };
}

/** A non-streaming request hit by errorEvent gets the matching HTTP error instead. */
export function httpFaultForInStreamError(err: InStreamError): Fault {
  switch (err) {
    case 'overloaded':
      return { kind: 'overloaded' };
    case 'rateLimit':
      return { kind: 'rateLimit' };
    case 'quota':
      return { kind: 'quota' };
    case 'server':
      return { kind: 'serverError' };
  }
}

export function missingKeyReply(c: ErrorContext): HttpReply {
  return c.protocol === 'openai'
    ? json(
        401,
        openaiError(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          'invalid_request_error',
          null,
        ),
      )
    : json(401, anthropicError('authentication_error', 'x-api-key header is required', c.requestId));
}

export function notFoundReply(c: ErrorContext): HttpReply {
  return c.protocol === 'openai'
    ? json(404, openaiError(`Invalid URL (${c.method} ${c.path})`, 'invalid_request_error', null))
    : json(404, anthropicError('not_found_error', 'Not Found', c.requestId));
}

export function badJsonReply(c: ErrorContext): HttpReply {
  return c.protocol === 'openai'
    ? json(
        400,
        openaiError(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          'invalid_request_error',
          null,
        ),
      )
    : json(400, anthropicError('invalid_request_error', 'There was an error parsing the body of your request: not valid JSON', c.requestId));
}

/** The 400 a real API answers to a body that breaks its rules (strictRequests). */
export function invalidRequestReply(c: ErrorContext, message: string): HttpReply {
  return c.protocol === 'openai'
    ? json(400, openaiError(message, 'invalid_request_error', null))
    : json(400, anthropicError('invalid_request_error', message, c.requestId));
}

export interface StreamScript {
  events: SseEvent[];
  /** How the stream ends after the last scripted event. */
  then: 'end' | 'cut' | 'stall';
  firstDelayMs: number;
}

/** Rewrites a normal event list according to a stream fault. */
export function scriptStream(events: SseEvent[], fault: Fault | undefined, errorEvent: (err: InStreamError, sequenceNumber: number) => SseEvent): StreamScript {
  switch (fault?.kind) {
    case 'cut':
      return { events: events.slice(0, Math.max(0, fault.afterEvents)), then: 'cut', firstDelayMs: 0 };
    case 'stall':
      return { events: events.slice(0, Math.max(0, fault.afterEvents)), then: 'stall', firstDelayMs: 0 };
    case 'slowFirstEvent':
      return { events, then: 'end', firstDelayMs: Math.max(0, fault.ms) };
    case 'empty':
      return { events: [], then: 'end', firstDelayMs: 0 };
    case 'noDone':
      return { events: events.filter((e) => e.phase !== 'terminal'), then: 'end', firstDelayMs: 0 };
    case 'malformed': {
      const firstContent = events.findIndex((e) => e.phase === 'content');
      const at = firstContent >= 0 ? firstContent + 1 : Math.min(1, events.length);
      return { events: [...events.slice(0, at), MALFORMED_EVENT, ...events.slice(at)], then: 'end', firstDelayMs: 0 };
    }
    case 'errorEvent': {
      const n = Math.max(0, fault.afterEvents ?? 0);
      let kept: SseEvent[];
      if (n === 0) {
        kept = events.filter((e) => e.phase === 'preamble');
      } else {
        kept = [];
        let content = 0;
        for (const e of events) {
          if (e.phase === 'terminal') break;
          kept.push(e);
          if (e.phase === 'content' && ++content >= n) break;
        }
      }
      kept.push(errorEvent(fault.error, kept.length));
      return { events: kept, then: 'end', firstDelayMs: 0 };
    }
    default:
      return { events, then: 'end', firstDelayMs: 0 };
  }
}
