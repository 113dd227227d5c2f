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
    assert.equal(jitteredDefault(10_000, () => 0), 8_000);
    assert.equal(jitteredDefault(10_000, () => 1), 12_000);
  });
});
