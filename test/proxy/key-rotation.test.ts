// Guards the first switch after a rate limit: immediate, to another key, with the 429-ed key cooling for
// as long as the provider asked (the retry-before-rotate bug wasted the budget on a key known to be limited).
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';
import { SkippingClock } from '../helpers/skippingClock';

describe('key rotation on a rate limit', () => {
  let h: Harness;
  let clock: SkippingClock;
  beforeEach(async () => {
    clock = new SkippingClock();
    h = await startHarness({ clock });
  });
  afterEach(async () => h.close());

  it('switches to the next key at once and cools the limited one by retry-after', async () => {
    h.provider.fault('oa-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-2']);
    const [first, second] = h.provider.ledger;
    assert.ok(second.startedAt - first.startedAt < 200, `the first switch is immediate (${second.startedAt - first.startedAt} ms)`);
    const key = must(h.bridge.status().pools.find((p) => p.id === 'oa')).keys[0];
    assert.equal(key.state, 'ready', 'key-wide the key stays usable: the limit is for one model');
    assert.equal(key.cooling?.length, 1);
    const [cooling] = must(key.cooling);
    assert.equal(cooling.scope, 'gpt-test', 'cooling for the model the 429 was answered for');
    assert.ok(cooling.until >= started + 29_000 && cooling.until <= Date.now() + 30_000, 'cooldown follows retry-after');
    assert.equal(cooling.reason, 'HTTP 429 rate_limit_exceeded');
  });

  it('does not send to a cooling key before its deadline', async () => {
    h.provider.fault('an-key-1', { kind: 'rateLimit', headers: { 'retry-after-ms': '20000' } });
    for (let i = 0; i < 3; i++) assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['an-key-1', 'an-key-2', 'an-key-2', 'an-key-2']);
    clock.skip(20_050);
    const key = must(h.bridge.status().pools.find((p) => p.id === 'an')).keys[0];
    assert.equal(key.cooling, undefined, 'cooling ends by itself when the deadline passes');
  });

  it('takes the cooldown from OpenAI reset headers and Anthropic reset timestamps', async () => {
    h.provider.fault('oa-key-1', { kind: 'rateLimit', headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' } });
    const reset = new Date(Date.now() + 90_000).toISOString();
    h.provider.fault('an-key-1', {
      kind: 'rateLimit',
      headers: { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': reset },
    });
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    const pools = h.bridge.status().pools;
    const oaUntil = must(must(pools.find((p) => p.id === 'oa')).keys[0].cooling)[0].until - Date.now();
    const anUntil = must(must(pools.find((p) => p.id === 'an')).keys[0].cooling)[0].until - Date.now();
    assert.ok(oaUntil > 350_000 && oaUntil <= 360_000, `6m0s → ${oaUntil}`);
    assert.ok(anUntil > 85_000 && anUntil <= 90_000, `reset timestamp → ${anUntil}`);
  });
});
