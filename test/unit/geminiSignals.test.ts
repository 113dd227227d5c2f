// Guards what the bridge reads from Google's error details (failover/classify.ts) and how Gemini clients present
// the local token (server/security.ts): RetryInfo, QuotaFailure per minute or per day, spent credits and billing,
// ErrorInfo about the key; `x-goog-api-key` and `?key=` taken, and a `key=` value masked wherever a URL is shown.
import assert from 'node:assert/strict';
import { classifyResponse, nextPacificMidnight, parseErrorFacts } from '../../src/core/failover/classify';
import { presentedToken, withoutQueryKey } from '../../src/core/server/security';

const google = (code: number, message: string, details: unknown[] = [], status = 'RESOURCE_EXHAUSTED') =>
  JSON.stringify({ error: { code, message, status, details } });
const retry = (delay: string) => ({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay });
const quotaFailure = (...ids: string[]) => ({
  '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
  violations: ids.map((quotaId) => ({ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId })),
});
const errorInfo = (reason: string) => ({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com' });
const EXCEEDED =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';

describe('Google error details', () => {
  it('reads RetryInfo, QuotaFailure and ErrorInfo, and skips what is not one of them', () => {
    const facts = parseErrorFacts(
      google(429, 'm', [
        retry('12.5s'),
        quotaFailure('PerMinute'),
        errorInfo('RATE'),
        'junk',
        { '@type': 'x.Help' },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: 'soon' },
        { '@type': 'y.QuotaFailure', violations: ['z', { quotaId: 3 }] },
      ]),
    );
    assert.deepEqual(facts, {
      type: undefined,
      code: '429',
      message: 'm',
      status: 'RESOURCE_EXHAUSTED',
      retryDelayMs: 12_500,
      quotas: ['generativelanguage.googleapis.com/generate_content_free_tier_requests', 'PerMinute'].reverse(),
      reason: 'RATE',
    });
  });

  it('cools a key for the RetryInfo delay, which wins over the words, capped at a day', () => {
    assert.deepEqual(
      classifyResponse(
        429,
        parseErrorFacts(google(429, `${EXCEEDED} Please retry in 3s.`, [quotaFailure('GenerateRequestsPerMinutePerProjectPerModel-FreeTier'), retry('37s')])),
      ),
      {
        kind: 'rate_limit',
        reason: 'HTTP 429 RESOURCE_EXHAUSTED',
        retryInMs: 37_000,
      },
    );
    assert.equal(classifyResponse(429, parseErrorFacts(google(429, 'm', [retry('999999s')]))).retryInMs, 24 * 60 * 60_000);
    assert.equal(classifyResponse(429, parseErrorFacts(google(429, `${EXCEEDED} Please retry in 3s.`))).retryInMs, 3_000, 'the words when no detail says it');
  });

  it('marks a key spent until midnight Pacific when only daily quotas are exceeded', () => {
    const before = Date.now();
    const verdict = classifyResponse(
      429,
      parseErrorFacts(google(429, EXCEEDED, [quotaFailure('GenerateRequestsPerDayPerProjectPerModel-FreeTier'), retry('43s')])),
    );
    assert.equal(verdict.kind, 'quota');
    assert.ok(verdict.until !== undefined && verdict.until > before && verdict.until <= before + 24 * 60 * 60_000 + 1_000);
    assert.equal(
      classifyResponse(
        429,
        parseErrorFacts(
          google(429, EXCEEDED, [
            quotaFailure('GenerateRequestsPerDayPerProjectPerModel-FreeTier', 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier'),
            retry('10s'),
          ]),
        ),
      ).kind,
      'rate_limit',
      'a minute’s limit among them ends first',
    );
  });

  it('finds midnight in Pacific time, standard and daylight saving alike', () => {
    // 2026-01-15 12:00 UTC is 04:00 PST: midnight PST is 08:00 UTC on the 16th.
    assert.equal(nextPacificMidnight(Date.UTC(2026, 0, 15, 12, 0, 0)), Date.UTC(2026, 0, 16, 8, 0, 0));
    // 2026-07-15 06:30:15.5 UTC is 23:30:15.5 PDT on the 14th: midnight PDT is 07:00 UTC on the 15th.
    assert.equal(nextPacificMidnight(Date.UTC(2026, 6, 15, 6, 30, 15, 500)), Date.UTC(2026, 6, 15, 7, 0, 0));
  });

  it('takes spent credits and a project without billing as quota, in a 429 or a 403', () => {
    const credits = 'Your prepayment credits are depleted. Please go to AI Studio at https://ai.studio/projects to manage your project and billing.';
    assert.equal(classifyResponse(429, parseErrorFacts(google(429, credits))).kind, 'quota');
    assert.equal(
      classifyResponse(
        403,
        parseErrorFacts(google(403, 'This API method requires billing to be enabled. Please enable billing on project 1.', [], 'PERMISSION_DENIED')),
      ).kind,
      'quota',
    );
    assert.equal(classifyResponse(429, parseErrorFacts(google(429, EXCEEDED))).kind, 'rate_limit', 'the words of a window are no spent balance');
  });

  it('revokes a key Google says is invalid or blocked, and leaves other refusals to the request', () => {
    const invalid = parseErrorFacts(google(400, 'API key not valid. Please pass a valid API key.', [errorInfo('API_KEY_INVALID')], 'INVALID_ARGUMENT'));
    assert.deepEqual(classifyResponse(400, invalid), { kind: 'auth', reason: 'HTTP 400 INVALID_ARGUMENT' });
    assert.equal(
      classifyResponse(403, parseErrorFacts(google(403, 'Requests to this API are blocked.', [errorInfo('API_KEY_SERVICE_BLOCKED')], 'PERMISSION_DENIED')))
        .kind,
      'auth',
    );
    assert.equal(
      classifyResponse(
        403,
        parseErrorFacts(google(403, 'Permission denied: Consumer has been suspended.', [errorInfo('CONSUMER_SUSPENDED')], 'PERMISSION_DENIED')),
      ).kind,
      'auth',
    );
    assert.equal(
      classifyResponse(403, parseErrorFacts(google(403, 'Your API key was reported as leaked. Please use another API key.', [], 'PERMISSION_DENIED'))).kind,
      'auth',
    );
    assert.equal(
      classifyResponse(400, parseErrorFacts(google(400, 'User location is not supported for the API use.', [errorInfo('LOCATION')], 'FAILED_PRECONDITION')))
        .kind,
      'caller',
    );
    assert.equal(classifyResponse(429, parseErrorFacts(google(429, 'm', [errorInfo('API_KEY_INVALID')]))).kind, 'rate_limit', 'a 429 is about the rate');
  });
});

describe('the local token from Gemini clients', () => {
  it('takes x-goog-api-key, and ?key= only where the protocol names it', () => {
    assert.equal(presentedToken({ 'x-goog-api-key': ' kb-1 ' }), 'kb-1');
    assert.equal(presentedToken({ authorization: 'Bearer kb-2', 'x-goog-api-key': 'kb-1' }), 'kb-2');
    assert.equal(presentedToken({ 'x-api-key': 'kb-3', 'x-goog-api-key': 'kb-1' }), 'kb-3');
    assert.equal(presentedToken({}, '/gemini/v1beta/models?alt=sse&key=kb-4', 'key'), 'kb-4');
    assert.equal(presentedToken({}, '/gemini/v1beta/models?key=kb-4'), undefined, 'not without the protocol saying so');
    assert.equal(presentedToken({}, '/gemini/v1beta/models', 'key'), undefined);
    assert.equal(presentedToken({}, '/gemini/v1beta/models?key=', 'key'), undefined);
    assert.equal(presentedToken({ 'x-goog-api-key': '' }, '/g?other=1', 'key'), undefined);
  });

  it('masks a key= value wherever a URL is shown', () => {
    assert.equal(withoutQueryKey('/gemini/x?alt=sse&key=kb-secret-token&b=2'), '/gemini/x?alt=sse&key=…&b=2');
    assert.equal(withoutQueryKey('/gemini/x?KEY=kb-secret#f'), '/gemini/x?KEY=…#f');
    assert.equal(withoutQueryKey('/gemini/x?monkey=1'), '/gemini/x?monkey=1');
    assert.equal(withoutQueryKey('/openai/v1/chat'), '/openai/v1/chat');
  });
});
