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
    assert.equal(kind(400, { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } }), 'quota');
    assert.equal(kind(400, { type: 'error', error: { type: 'billing_error', message: 'x' } }), 'quota');
  });

  it('blames the key on 401, and on 403 only when the body speaks of the key', () => {
    assert.equal(kind(401, { error: { code: 'invalid_api_key' } }), 'auth');
    assert.equal(kind(403, { type: 'error', error: { type: 'permission_error', message: 'This API key does not have permission to use this resource.' } }), 'auth');
    assert.equal(kind(403, { error: { message: 'Project does not have access to model gpt-x' } }), 'caller');
    assert.equal(kind(403, { error: { message: 'unsupported_country_region_territory' } }), 'caller');
  });

  it('treats 5xx and 529 as provider-transient, caller faults as verbatim', () => {
    for (const status of [500, 502, 503, 504, 529]) assert.equal(kind(status, {}), 'transient');
    for (const status of [400, 404, 409, 413, 415, 422]) assert.equal(kind(status, { error: { message: 'bad field' } }), 'caller');
  });

  it('lets context-length errors fail over but keeps content-policy errors verbatim', () => {
    assert.equal(kind(400, { error: { code: 'context_length_exceeded', message: "This model's maximum context length is 128000 tokens" } }), 'context_length');
    assert.equal(kind(400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' } }), 'context_length');
    assert.equal(kind(400, { error: { code: 'content_policy_violation', message: 'Your request was rejected by our safety system' } }), 'caller');
  });

  it('classifies in-stream errors of each protocol', () => {
    assert.equal(classifyStreamError(errorFactsFromJson({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).kind, 'transient');
    assert.equal(classifyStreamError(errorFactsFromJson({ error: { type: 'insufficient_quota', code: 'insufficient_quota' } })).kind, 'quota');
    assert.equal(classifyStreamError(errorFactsFromJson({ type: 'response.failed', response: { error: { code: 'rate_limit_exceeded', message: 'x' } } })).kind, 'rate_limit');
    assert.equal(classifyStreamError(errorFactsFromJson({ type: 'response.failed', response: { error: { code: 'server_error', message: 'x' } } })).kind, 'transient');
  });

  it('maps transport errors: header timeouts move on, resets are transient', () => {
    assert.equal(classifyTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' }).kind, 'timeout');
    assert.equal(classifyTransportError({ code: 'ECONNRESET' }).kind, 'transient');
    assert.equal(classifyTransportError({ code: 'UND_ERR_SOCKET', message: 'other side closed' }).kind, 'transient');
    assert.equal(classifyTransportError(new Error('x')).kind, 'transient');
    assert.deepEqual(parseErrorFacts('not json'), {});
  });
});
