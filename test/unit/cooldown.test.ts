// Guards the order of the providers' rate-limit signals and the formats each one uses (docs/ARCHITECTURE.md §3).
import assert from 'node:assert/strict';
import { cooldownFromHeaders, jitteredDefault, parseGoDuration, parseRetryAfter } from '../../src/core/keys/cooldown';

const NOW = Date.parse('2026-11-21T10:00:00Z');

describe('cooldown from provider headers', () => {
  it('parses Go durations as OpenAI sends them', () => {
    assert.equal(parseGoDuration('1s'), 1000);
    assert.equal(parseGoDuration('6m0s'), 360_000);
    assert.equal(parseGoDuration('12ms'), 12);
    assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseGoDuration('0.5s'), 500);
    assert.equal(parseGoDuration('soon'), undefined);
    assert.equal(parseGoDuration('5'), undefined);
    assert.equal(parseGoDuration(''), undefined);
  });

  it('parses retry-after as seconds (with fractions) or as an HTTP date', () => {
    assert.equal(parseRetryAfter('2', NOW), 2000);
    assert.equal(parseRetryAfter('1.5', NOW), 1500);
    assert.equal(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW), 30_000);
    assert.equal(parseRetryAfter('later', NOW), undefined);
  });

  it('prefers retry-after-ms over retry-after over reset headers', () => {
    const headers = { 'retry-after-ms': '250.5', 'retry-after': '9', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1m0s' };
    assert.equal(cooldownFromHeaders(headers, NOW), 250.5);
    const { ['retry-after-ms']: _ms, ...withoutMs } = headers;
    assert.equal(cooldownFromHeaders(withoutMs, NOW), 9000);
    const { ['retry-after']: _s, ...resetOnly } = withoutMs;
    assert.equal(cooldownFromHeaders(resetOnly, NOW), 60_000);
  });

  it('uses OpenAI reset headers only for an exhausted window, the longer of requests and tokens', () => {
    assert.equal(cooldownFromHeaders({ 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '20s' }, NOW), undefined);
    const both = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    assert.equal(cooldownFromHeaders(both, NOW), 360_000);
  });

  it('uses Anthropic RFC 3339 reset headers when remaining is 0', () => {
    const headers = {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': new Date(NOW + 42_000).toISOString(),
      'anthropic-ratelimit-tokens-remaining': '1000',
      'anthropic-ratelimit-tokens-reset': new Date(NOW + 99_000).toISOString(),
    };
    assert.equal(cooldownFromHeaders(headers, NOW), 42_000);
  });

  it('returns undefined when no signal is usable, and the default is jittered within ±20%', () => {
    assert.equal(cooldownFromHeaders({ 'retry-after': 'soon' }, NOW), undefined);
    assert.equal(cooldownFromHeaders({}, NOW), undefined);
    assert.equal(
      jitteredDefault(10_000, () => 0),
      8_000,
    );
    assert.equal(
      jitteredDefault(10_000, () => 1),
      12_000,
    );
  });

  it('reads fractional Go durations and surrounding space, and refuses trailing text', () => {
    assert.equal(parseGoDuration('1.25s'), 1250);
    assert.equal(parseGoDuration(' 2s '), 2000);
    assert.equal(parseGoDuration('1s later'), undefined);
    assert.equal(parseGoDuration('1s2'), undefined);
  });

  it('reads Retry-After: 0 as no wait at all, not as no hint', () => {
    assert.equal(parseRetryAfter('0', NOW), 0);
    assert.equal(cooldownFromHeaders({ 'retry-after': '0', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1m0s' }, NOW), 0);
  });

  it('reads retry-after only as plain seconds or a date with a month or weekday name', () => {
    assert.equal(parseRetryAfter(' 2 ', NOW), 2000);
    assert.equal(parseRetryAfter('1.25', NOW), 1250);
    assert.equal(parseRetryAfter('2x', NOW), undefined);
    assert.equal(parseRetryAfter('x2', NOW), undefined);
    assert.equal(parseRetryAfter('2026-11-21 10:00:30', NOW), undefined, 'no name of a month or day: not an HTTP date');
  });

  it('reads integer, fractional and padded retry-after-ms, and nothing but plain milliseconds', () => {
    assert.equal(cooldownFromHeaders({ 'retry-after-ms': '1500' }, NOW), 1500);
    assert.equal(cooldownFromHeaders({ 'retry-after-ms': '12.25' }, NOW), 12.25);
    assert.equal(cooldownFromHeaders({ 'retry-after-ms': ' 250 ' }, NOW), 250);
    assert.equal(
      cooldownFromHeaders({ 'retry-after-ms': '1e3', 'retry-after': '5' }, NOW),
      5000,
      'an exponent is not plain milliseconds: the next signal decides',
    );
  });

  it('ignores a hint too large to be a number; an Anthropic reset already past means no wait', () => {
    assert.equal(cooldownFromHeaders({ 'retry-after': '9'.repeat(400) }, NOW), undefined);
    const past = { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': new Date(NOW - 5_000).toISOString() };
    assert.equal(cooldownFromHeaders(past, NOW), 0);
  });

  it('caps a cooldown at a day', () => {
    assert.equal(cooldownFromHeaders({ 'retry-after': String(3 * 86_400) }, NOW), 86_400_000);
  });

  it('a reset header it cannot read does not hide one it can', () => {
    const openai = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': 'soon',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '2s',
    };
    assert.equal(cooldownFromHeaders(openai, NOW), 2000);
    const anthropic = {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': 'soon',
      'anthropic-ratelimit-tokens-remaining': '0',
      'anthropic-ratelimit-tokens-reset': new Date(NOW + 3_000).toISOString(),
    };
    assert.equal(cooldownFromHeaders(anthropic, NOW), 3000);
  });

  it('reads each Anthropic limit that ran out: requests, tokens, input and output tokens', () => {
    for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
      const headers = { [`anthropic-ratelimit-${kind}-remaining`]: '0', [`anthropic-ratelimit-${kind}-reset`]: new Date(NOW + 7_000).toISOString() };
      assert.equal(cooldownFromHeaders(headers, NOW), 7000, kind);
    }
  });
});
