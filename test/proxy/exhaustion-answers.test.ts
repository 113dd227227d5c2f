// Guards what the client hears when nothing is left: a 429 whose Retry-After is the soonest recovery
// (with the provider's rate-limit headers forwarded, for agents that act on them), or a message naming the
// pool and the fix when no key is usable — in the client's own protocol.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import { at, obj, strAt } from '../helpers/json';

describe('answers when every key is spent', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ keys: { oa: ['oa-key-1', 'oa-key-2'], an: ['an-key-1', 'an-key-2'] }, tuning: { waitThresholdMs: 0 } })));
  afterEach(async () => h.close());

  it('answers 429 with Retry-After = soonest recovery rounded up, and the provider headers', async () => {
    h.provider.fault('oa-key-1', {
      kind: 'rateLimit',
      headers: { 'retry-after': '40', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-limit-requests': '500' },
    });
    h.provider.fault('oa-key-2', { kind: 'rateLimit', headers: { 'retry-after-ms': '2500', 'x-ratelimit-remaining-tokens': '0' } });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.ok(Number(res.headers.get('retry-after-ms')) <= 2500);
    assert.equal(res.headers.get('x-ratelimit-remaining-tokens'), '0', 'the last upstream 429’s headers are forwarded');
    assert.equal(at(res.json(), 'error', 'type'), 'rate_limit_error');
    assert.match(strAt(res.json(), 'error', 'message'), /rate-limited for gpt-test; the first recovers in 3 s/);
  });

  it('answers in Anthropic’s format on the Anthropic endpoint', async () => {
    h.provider.always('*', { kind: 'rateLimit', headers: { 'retry-after': '7', 'anthropic-ratelimit-requests-remaining': '0' } });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.equal(res.headers.get('anthropic-ratelimit-requests-remaining'), '0');
    assert.deepEqual(Object.keys(obj(res.json())), ['type', 'error']);
    assert.equal(at(res.json(), 'error', 'type'), 'rate_limit_error');
  });

  it('names the pool and the fix when every key is invalid, exhausted or retired', async () => {
    h.bridge.retireKey('an', 'k2');
    h.provider.fault('an-key-1', { kind: 'invalidKey' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('x-should-retry'), 'false', 'SDKs must not retry a request no key can serve');
    assert.match(strAt(res.json(), 'error', 'message'), /no usable key in "an" \(1 invalid, 1 retired\)\. Add a key, or test and restore keys/);
    assert.equal(h.provider.ledger.length, 1, 'the retired key was never tried');
  });
});
