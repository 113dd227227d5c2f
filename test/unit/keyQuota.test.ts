// Guards the reading of what answers report beyond their content (issue 21): the remaining quota in the
// providers' rate-limit headers, and the cache tokens and served model in their usage, without parsing the body.
import assert from 'node:assert/strict';
import { quotaFromHeaders } from '../../src/core/keys/quota';
import { emptyUsage, scanModel } from '../../src/core/protocols/tokenUsage';
import { wireFormatOf } from '../../src/core/protocols/table';

const NOW = Date.parse('2026-11-21T10:00:00Z');

describe('remaining quota and usage from answers', () => {
  it('reads OpenAI rate-limit headers, resets as Go durations', () => {
    const quota = quotaFromHeaders(
      {
        'x-ratelimit-limit-requests': '500',
        'x-ratelimit-remaining-requests': '499',
        'x-ratelimit-reset-requests': '120ms',
        'x-ratelimit-remaining-tokens': '1000',
        'x-ratelimit-reset-tokens': '1m30s',
      },
      'gpt-x',
      NOW,
    );
    assert.deepEqual(quota, {
      model: 'gpt-x',
      seenAt: NOW,
      requests: { limit: 500, remaining: 499, resetAt: NOW + 120 },
      tokens: { limit: undefined, remaining: 1000, resetAt: NOW + 90_000 },
    });
  });

  it('reads Anthropic rate-limit headers, resets as RFC 3339 times', () => {
    const quota = quotaFromHeaders(
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-11-21T10:00:30Z',
        'anthropic-ratelimit-output-tokens-remaining': '800',
        'anthropic-ratelimit-tokens-remaining': 'lots',
      },
      '*',
      NOW,
    );
    assert.deepEqual(quota, {
      model: '*',
      seenAt: NOW,
      requests: { limit: 50, remaining: 0, resetAt: NOW + 30_000 },
      outputTokens: { limit: undefined, remaining: 800, resetAt: undefined },
    });
  });

  it('takes a count only when it is a finite, non-negative number, and the first of repeated headers', () => {
    const remaining = (value: string | string[]): number | undefined =>
      quotaFromHeaders({ 'x-ratelimit-remaining-requests': value }, 'm', NOW)?.requests?.remaining;
    assert.equal(remaining(' 42 '), 42, 'spaces around the number are allowed');
    assert.equal(remaining('0'), 0, 'nothing left is a count');
    assert.equal(remaining(['7', '9']), 7, 'a repeated header: the first value');
    for (const bad of ['', '   ', '-1', 'Infinity', 'NaN', '12abc', 'lots']) {
      assert.equal(quotaFromHeaders({ 'x-ratelimit-remaining-requests': bad }, 'm', NOW), undefined, `"${bad}" is not a count`);
    }
    // An unreadable remaining count still leaves the limit and reset that came with it.
    assert.deepEqual(
      quotaFromHeaders({ 'x-ratelimit-remaining-requests': 'n/a', 'x-ratelimit-limit-requests': '60', 'x-ratelimit-reset-requests': '2s' }, 'm', NOW)?.requests,
      {
        limit: 60,
        remaining: undefined,
        resetAt: NOW + 2_000,
      },
    );
  });

  it('starts reading OpenAI headers from either remaining count, and not from limits or resets alone', () => {
    assert.deepEqual(quotaFromHeaders({ 'x-ratelimit-remaining-tokens': '10', 'x-ratelimit-limit-tokens': '20' }, 'm', NOW), {
      model: 'm',
      seenAt: NOW,
      tokens: { limit: 20, remaining: 10, resetAt: undefined },
    });
    assert.deepEqual(quotaFromHeaders({ 'x-ratelimit-remaining-requests': '3' }, 'm', NOW), {
      model: 'm',
      seenAt: NOW,
      requests: { limit: undefined, remaining: 3, resetAt: undefined },
    });
    assert.equal(quotaFromHeaders({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-reset-requests': '1s' }, 'm', NOW), undefined);
    assert.equal(
      quotaFromHeaders({ 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': 'soon' }, 'm', NOW)?.requests?.resetAt,
      undefined,
      'an unreadable reset is no reset',
    );
  });

  it('starts reading Anthropic headers from the requests, tokens or input-tokens remaining count, and not from limits alone', () => {
    const reset = '2026-11-21T10:01:00Z';
    assert.deepEqual(
      quotaFromHeaders(
        { 'anthropic-ratelimit-tokens-remaining': '900', 'anthropic-ratelimit-tokens-limit': '1000', 'anthropic-ratelimit-tokens-reset': reset },
        'c',
        NOW,
      ),
      {
        model: 'c',
        seenAt: NOW,
        tokens: { limit: 1000, remaining: 900, resetAt: NOW + 60_000 },
      },
    );
    assert.deepEqual(
      quotaFromHeaders({ 'anthropic-ratelimit-input-tokens-remaining': '5', 'anthropic-ratelimit-input-tokens-reset': 'not a time' }, 'c', NOW),
      {
        model: 'c',
        seenAt: NOW,
        inputTokens: { limit: undefined, remaining: 5, resetAt: undefined },
      },
    );
    assert.deepEqual(quotaFromHeaders({ 'anthropic-ratelimit-requests-remaining': '1' }, 'c', NOW)?.requests, {
      limit: undefined,
      remaining: 1,
      resetAt: undefined,
    });
    assert.equal(quotaFromHeaders({ 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-output-tokens-remaining': '8' }, 'c', NOW), undefined);
  });

  it('reports nothing for answers without them', () => {
    assert.equal(quotaFromHeaders({ 'content-type': 'application/json', 'x-ratelimit-reset-tokens': '1s' }, 'm', NOW), undefined);
  });

  it('reads cache tokens in every protocol, and the model an answer names', () => {
    const anthropic = emptyUsage();
    wireFormatOf('messages')?.usage.scan(
      '{"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":5,"cache_creation_input_tokens":7,"cache_read_input_tokens":300,"output_tokens":1}}}',
      anthropic,
    );
    wireFormatOf('messages')?.usage.scan('{"type":"message_delta","usage":{"output_tokens":42}}', anthropic);
    assert.deepEqual(anthropic, { input: 5, output: 42, cacheRead: 300, cacheWrite: 7 });
    const chat = emptyUsage();
    wireFormatOf('chat')?.usage.scan('{"usage":{"prompt_tokens":1000,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":600}}}', chat);
    assert.deepEqual(chat, { input: 1000, output: 9, cacheRead: 600, cacheWrite: 0, cachedInInput: true });
    const responses = emptyUsage();
    wireFormatOf('responses')?.usage.scan(
      '{"type":"response.completed","response":{"usage":{"input_tokens":80,"input_tokens_details":{"cached_tokens":64},"output_tokens":3}}}',
      responses,
    );
    assert.deepEqual(responses, { input: 80, output: 3, cacheRead: 64, cacheWrite: 0, cachedInInput: true });
    assert.equal(scanModel('{"id":"chatcmpl-1","model":"gpt-4.1-2025-04-14","choices":[]}'), 'gpt-4.1-2025-04-14');
    assert.equal(scanModel('{"content":"say \\"model\\": \\"forged\\""}'), undefined, 'a quote inside a string cannot name a model');
  });
});
