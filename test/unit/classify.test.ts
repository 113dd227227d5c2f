// Guards failure classification: which failures blame the key, which the provider, which the caller.
import assert from 'node:assert/strict';
import { classifyResponse, classifyStreamError, classifyTransportError, errorFactsFromJson, parseErrorFacts } from '../../src/core/failover/classify';

const kind = (status: number, body: unknown) => classifyResponse(status, errorFactsFromJson(body)).kind;

describe('failure classification', () => {
  it('tells quota from rate limit on a 429, by type or code', () => {
    assert.equal(kind(429, { error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached' } }), 'rate_limit');
    assert.equal(kind(429, { error: { type: 'insufficient_quota', code: null, message: 'You exceeded your current quota' } }), 'quota');
    assert.equal(kind(429, { error: { type: 'tokens', code: 'insufficient_quota', message: 'x' } }), 'quota');
    assert.equal(kind(429, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }), 'rate_limit');
    assert.equal(kind(429, '<html>too many</html>'), 'rate_limit');
  });

  it('marks billing errors exhausted: 402 and Anthropic credit-balance 400s', () => {
    assert.equal(kind(402, {}), 'quota');
    assert.equal(
      kind(400, { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } }),
      'quota',
    );
    assert.equal(kind(400, { type: 'error', error: { type: 'billing_error', message: 'x' } }), 'quota');
  });

  it("reads Anthropic's spend limit as quota until the day it names, not as the caller's fault", () => {
    const body = {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'You have reached your specified API usage limits. You will regain access on 2027-01-01 at 00:00 UTC.' },
    };
    assert.deepEqual(classifyResponse(400, errorFactsFromJson(body)), { kind: 'quota', reason: 'HTTP 400 invalid_request_error', until: Date.UTC(2027, 0, 1) });
    const later = { error: { message: 'You have reached your specified API usage limits. You will regain access on 2026-04-01 at 13:30 UTC.' } };
    assert.equal(classifyResponse(400, errorFactsFromJson(later)).until, Date.UTC(2026, 3, 1, 13, 30));
    assert.equal(
      classifyResponse(400, { message: 'You have reached your specified API usage limits. You will regain access on 2026-05-01.' }).until,
      Date.UTC(2026, 4, 1),
      'a day without a time: its start',
    );
    assert.equal(classifyStreamError(errorFactsFromJson(body)).until, Date.UTC(2027, 0, 1), 'the same words inside a stream');
    assert.equal(
      classifyResponse(400, errorFactsFromJson({ error: { message: 'Your credit balance is too low to access the Anthropic API.' } })).until,
      undefined,
      'no day named: the usual re-test',
    );
  });

  it("reads Gemini's errors, sent as a JSON array by its OpenAI-compatible endpoint: spent credits are quota, the free tier's per-minute limit a rate limit", () => {
    const gemini = (message: string) => [{ error: { code: 429, message, status: 'RESOURCE_EXHAUSTED' } }];
    const depleted = gemini('Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.');
    assert.deepEqual(errorFactsFromJson(depleted), { type: undefined, code: '429', message: depleted[0].error.message, status: 'RESOURCE_EXHAUSTED' });
    assert.deepEqual(classifyResponse(429, errorFactsFromJson(depleted)), { kind: 'quota', reason: 'HTTP 429 RESOURCE_EXHAUSTED' });
    const perMinute =
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. ' +
      'To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 15, model: gemini-2.0-flash\nPlease retry in 20.5s.';
    for (const body of [gemini(perMinute), gemini(perMinute)[0]]) {
      assert.deepEqual(classifyResponse(429, errorFactsFromJson(body)), { kind: 'rate_limit', reason: 'HTTP 429 RESOURCE_EXHAUSTED', retryInMs: 20_500 });
    }
    assert.equal(classifyStreamError(errorFactsFromJson(gemini(perMinute))).kind, 'rate_limit', 'the same words inside a stream');
    // Without the metric line or the retry, the link to the rate-limit docs still tells Gemini's window from a spent balance.
    assert.equal(
      kind(
        429,
        gemini(
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
        ),
      ),
      'rate_limit',
    );
    assert.equal(kind(429, gemini('Resource has been exhausted (e.g. check quota).')), 'rate_limit');
    assert.equal(classifyResponse(429, errorFactsFromJson(gemini('x Please retry in 9999999s.'))).retryInMs, 24 * 60 * 60_000, 'a day at most');
    assert.deepEqual(errorFactsFromJson([]), {});
  });

  it("keeps OpenAI's spent balance quota: the same first sentence as Gemini's per-minute limit, none of its window", () => {
    const message =
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.';
    assert.equal(kind(429, { error: { message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }), 'quota');
    assert.equal(kind(429, { error: message }), 'quota', 'by its words alone');
    assert.equal(
      kind(429, { error: { message: `${message} Please retry in 20s.`, code: 'insufficient_quota' } }),
      'quota',
      'insufficient_quota is never a window',
    );
  });

  it('blames the key on 401, and on 403 only when the body speaks of the key', () => {
    assert.equal(kind(401, { error: { code: 'invalid_api_key' } }), 'auth');
    assert.equal(
      kind(403, { type: 'error', error: { type: 'permission_error', message: 'This API key does not have permission to use this resource.' } }),
      'auth',
    );
    assert.equal(kind(403, { error: { message: 'Project does not have access to model gpt-x' } }), 'caller');
    assert.equal(kind(403, { error: { message: 'unsupported_country_region_territory' } }), 'caller');
  });

  it('treats 5xx and 529 as provider-transient, caller faults as verbatim', () => {
    for (const status of [500, 502, 503, 504, 529]) assert.equal(kind(status, {}), 'transient');
    for (const status of [400, 404, 409, 413, 415, 422]) assert.equal(kind(status, { error: { message: 'bad field' } }), 'caller');
  });

  it('lets context-length errors fail over but keeps content-policy errors verbatim', () => {
    assert.equal(kind(400, { error: { code: 'context_length_exceeded', message: "This model's maximum context length is 128000 tokens" } }), 'context_length');
    assert.equal(
      kind(400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' } }),
      'context_length',
    );
    assert.equal(kind(400, { error: { code: 'content_policy_violation', message: 'Your request was rejected by our safety system' } }), 'caller');
  });

  it('classifies in-stream errors of each protocol', () => {
    assert.equal(classifyStreamError(errorFactsFromJson({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).kind, 'transient');
    assert.equal(classifyStreamError(errorFactsFromJson({ error: { type: 'insufficient_quota', code: 'insufficient_quota' } })).kind, 'quota');
    assert.equal(
      classifyStreamError(errorFactsFromJson({ type: 'response.failed', response: { error: { code: 'rate_limit_exceeded', message: 'x' } } })).kind,
      'rate_limit',
    );
    assert.equal(
      classifyStreamError(errorFactsFromJson({ type: 'response.failed', response: { error: { code: 'server_error', message: 'x' } } })).kind,
      'transient',
    );
  });

  it('maps transport errors: header timeouts move on, resets are transient', () => {
    assert.equal(classifyTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' }).kind, 'timeout');
    assert.equal(classifyTransportError({ code: 'ECONNRESET' }).kind, 'transient');
    assert.equal(classifyTransportError({ code: 'UND_ERR_SOCKET', message: 'other side closed' }).kind, 'transient');
    assert.equal(classifyTransportError(new Error('x')).kind, 'transient');
    assert.deepEqual(parseErrorFacts('not json'), {});
  });

  it('reads each error body shape: nested objects, a bare string, the Responses error event, numeric codes', () => {
    assert.deepEqual(errorFactsFromJson({ error: { type: 'invalid_request_error', code: 429, message: 'x' } }), {
      type: 'invalid_request_error',
      code: '429',
      message: 'x',
    });
    assert.deepEqual(
      errorFactsFromJson({ error: { type: true, code: null, message: { text: 'x' } } }),
      { type: undefined, code: undefined, message: undefined },
      'only strings and numbers are facts',
    );
    assert.deepEqual(errorFactsFromJson({ error: 'Invalid API key provided' }), { message: 'Invalid API key provided' });
    assert.deepEqual(errorFactsFromJson({ type: 'error', code: 'rate_limit_exceeded', message: 'Rate limit reached' }), {
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached',
    });
    assert.deepEqual(errorFactsFromJson({ type: 'response.completed' }), {});
    assert.deepEqual(errorFactsFromJson({}), {});
    assert.deepEqual(errorFactsFromJson(null), {});
    assert.deepEqual(parseErrorFacts('"overloaded"'), {});
    assert.deepEqual(parseErrorFacts('{"error":"You exceeded your current quota"}'), { message: 'You exceeded your current quota' });
  });

  it('classifies {"error":"…"} string bodies by their text', () => {
    assert.equal(kind(429, { error: 'You exceeded your current quota, please check your plan' }), 'quota');
    assert.equal(kind(400, { error: 'maximum context length is 8192 tokens' }), 'context_length');
    assert.equal(kind(403, { error: 'Your API key is not allowed to use this model' }), 'auth');
  });

  it('names the status and the error code (else its type) in the reason', () => {
    assert.equal(classifyResponse(429, { type: 'tokens', code: 'rate_limit_exceeded' }).reason, 'HTTP 429 rate_limit_exceeded');
    assert.equal(classifyResponse(529, { type: 'overloaded_error' }).reason, 'HTTP 529 overloaded_error');
    assert.equal(classifyResponse(503, {}).reason, 'HTTP 503');
    assert.equal(classifyStreamError({ type: 'overloaded_error' }).reason, 'stream error overloaded_error');
    assert.equal(classifyStreamError({}).reason, 'stream error');
  });

  it('classifies an in-stream error by its type as well as its message', () => {
    const stream = (facts: Parameters<typeof classifyStreamError>[0]) => classifyStreamError(facts).kind;
    assert.equal(stream({ type: 'rate_limit_error', message: 'Number of requests has exceeded your per-minute limit' }), 'rate_limit');
    assert.equal(stream({ type: 'authentication_error', message: 'invalid x-api-key' }), 'auth');
    assert.equal(stream({ type: 'permission_error', message: 'not allowed' }), 'auth');
    assert.equal(stream({ code: 'invalid_api_key', message: 'Incorrect key provided' }), 'auth');
    assert.equal(stream({ message: 'You exceeded your current quota' }), 'quota', 'the message alone can tell');
    assert.equal(stream({ code: 'context_length_exceeded', message: 'too big' }), 'context_length');
    assert.equal(stream({ type: 'invalid_request_error', message: 'messages: field required' }), 'caller');
    assert.equal(stream({ code: 'content_filter', message: 'filtered' }), 'caller');
    assert.equal(stream({ code: 'content_policy_violation', message: 'x' }), 'caller');
    assert.equal(stream({ type: 'api_error', message: 'Internal server error' }), 'transient');
  });

  it('takes 413 and 422 into the context-length path like 400, and no other caller status', () => {
    assert.equal(kind(413, { error: { message: 'prompt is too long: 250000 tokens > 200000 maximum' } }), 'context_length');
    assert.equal(kind(422, { error: { message: "This model's maximum context length is 32768 tokens" } }), 'context_length');
    assert.equal(kind(422, { error: { message: 'Your credit balance is too low' } }), 'quota');
    assert.equal(kind(404, { error: { message: "This model's maximum context length is 32768 tokens" } }), 'caller');
    for (const message of [
      'input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000',
      'input length and max_tokens exceed context limit: 197000 + 8192 > 200000',
    ]) {
      assert.equal(kind(400, { type: 'error', error: { type: 'invalid_request_error', message } }), 'context_length', 'with or without the backticks');
    }
    assert.equal(kind(409, { error: { message: 'billing' } }), 'caller');
  });

  it('keeps a content-policy 400 verbatim even when its text also speaks of length or credits', () => {
    assert.equal(kind(400, { error: { code: 'content_policy_violation', message: 'prompt is too long for the safety system' } }), 'caller');
    assert.equal(kind(400, { error: { code: 'content_filter', message: 'billing notice' } }), 'caller');
  });

  it('retries a 408 like a 5xx', () => {
    assert.equal(kind(408, {}), 'transient');
    assert.equal(kind(499, {}), 'caller');
  });

  it('moves on after any deadline the client enforces: headers, body, connect, first event', () => {
    assert.deepEqual(classifyTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' }), { kind: 'timeout', reason: 'no response headers in time' });
    assert.deepEqual(classifyTransportError({ code: 'FIRST_EVENT_TIMEOUT' }), { kind: 'timeout', reason: 'no first event in time' });
    assert.equal(classifyTransportError({ code: 'UND_ERR_BODY_TIMEOUT' }).kind, 'timeout');
    assert.deepEqual(classifyTransportError({ code: 'UND_ERR_CONNECT_TIMEOUT' }), { kind: 'timeout', reason: 'connect timeout' });
    assert.deepEqual(
      classifyTransportError(Object.assign(new Error('fetch failed'), { cause: { code: 'UND_ERR_CONNECT_TIMEOUT' } })),
      { kind: 'timeout', reason: 'connect timeout' },
      'undici wraps it in a cause',
    );
  });

  it('blames the request, never a provider or key, when the client refuses to send it', () => {
    for (const code of ['UND_ERR_NOT_SUPPORTED', 'UND_ERR_INVALID_ARG', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_CHAR', 'ERR_HTTP_INVALID_HEADER_VALUE']) {
      assert.deepEqual(classifyTransportError({ code }), { kind: 'client', reason: `request refused before sending (${code})` });
    }
  });

  it('names the transport failure in its reason', () => {
    assert.deepEqual(classifyTransportError({ code: 'UND_ERR_HEADERS_OVERFLOW' }), { kind: 'transient', reason: 'upstream headers too large' });
    assert.deepEqual(classifyTransportError({ code: 'ECONNREFUSED' }), { kind: 'transient', reason: 'connection failed (ECONNREFUSED)' });
    assert.deepEqual(classifyTransportError({ name: 'SocketError' }), { kind: 'transient', reason: 'connection failed (SocketError)' });
    assert.deepEqual(classifyTransportError(undefined), { kind: 'transient', reason: 'connection failed (error)' });
  });
});
