// Guards quota handling: an out-of-credit key is exhausted (not cooling), is not retried, and is marked even
// when the quota error arrives inside a stream that has already started. Providers' own words decide (issue 19,
// item 7): Anthropic's spend limit is a 400 that names the day access returns, Gemini sends its errors as a JSON
// array and words its free tier's per-minute limit like a billing problem.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';

describe('quota and billing errors', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  const stateOf = (pool: string, index: number) => must(h.bridge.status().pools.find((p) => p.id === pool)).keys[index];

  it('marks OpenAI insufficient_quota exhausted and moves on', async () => {
    h.provider.fault('oa-key-1', { kind: 'quota' });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.equal(stateOf('oa', 0).state, 'exhausted');
    assert.ok(must(stateOf('oa', 0).retestAt) > Date.now() + 60_000, 'exhausted keys are re-tested on a long interval');
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-2', 'oa-key-2']);
  });

  it('marks an Anthropic credit-balance 400 exhausted, not a caller fault', async () => {
    h.provider.fault('an-key-1', { kind: 'quota' });
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200);
    assert.equal(stateOf('an', 0).state, 'exhausted');
  });

  it("fails Anthropic's spend-limit 400 over to the next key and rests the key until the day it names", async () => {
    h.provider.fault('an-key-1', { kind: 'spendLimit', regainOn: '2027-01-01 at 00:00 UTC' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(keysSeen(h.provider), ['an-key-1', 'an-key-2']);
    assert.equal(stateOf('an', 0).state, 'exhausted');
    assert.equal(stateOf('an', 0).retestAt, Date.UTC(2027, 0, 1), 're-tested on the day access returns, not after the usual 30 minutes');
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider).slice(2), ['an-key-2'], 'the exhausted key is left alone');
  });

  it("marks a key exhausted on Gemini's spent credits, sent as a JSON array, and moves on", async () => {
    h.provider.fault('oa-key-1', { kind: 'gemini', error: 'creditsDepleted' });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-2']);
    assert.equal(stateOf('oa', 0).state, 'exhausted');
    assert.match(stateOf('oa', 0).reason ?? '', /HTTP 429 RESOURCE_EXHAUSTED/);
  });

  for (const shape of ['array', 'object'] as const) {
    it(`cools a key on Gemini's free-tier per-minute limit (${shape}) for the wait it names, never marks it exhausted`, async () => {
      h.provider.fault('oa-key-1', { kind: 'gemini', error: 'freeTierPerMinute', shape });
      const sent = Date.now();
      assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
      assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-2']);
      const key = stateOf('oa', 0);
      assert.equal(key.state, 'ready', 'usable for other models');
      assert.deepEqual(
        key.cooling?.map((c) => c.scope),
        ['gpt-test'],
      );
      const ms = must(key.cooling)[0].until - sent;
      assert.ok(ms >= 20_000 && ms <= 21_000 + (Date.now() - sent), `cooling for the 20.5 s Gemini asked, not the default: ${ms} ms`);
    });
  }

  it('marks a 402 exhausted', async () => {
    h.provider.fault('oa-key-1', { kind: 'status', status: 402, body: { error: { message: 'Payment Required' } } });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.equal(stateOf('oa', 0).state, 'exhausted');
  });

  it('marks the key exhausted when the quota error arrives mid-stream, without splicing another answer', async () => {
    h.provider.fault('oa-key-1', { kind: 'errorEvent', error: 'quota', afterEvents: 2 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.text, /insufficient_quota/);
    assert.equal(h.provider.ledger.length, 1, 'a committed stream is never retried');
    assert.equal(stateOf('oa', 0).state, 'exhausted');
  });
});
