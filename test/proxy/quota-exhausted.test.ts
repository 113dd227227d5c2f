// Guards quota handling: an out-of-credit key is exhausted (not cooling), is not retried, and is marked even
// when the quota error arrives inside a stream that has already started.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, startHarness, type Harness } from '../helpers/harness';

describe('quota and billing errors', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  const stateOf = (pool: string, index: number) => h.bridge.status().pools.find((p) => p.id === pool)!.keys[index];

  it('marks OpenAI insufficient_quota exhausted and moves on', async () => {
    h.provider.fault('oa-key-1', { kind: 'quota' });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.equal(stateOf('oa', 0).state, 'exhausted');
    assert.ok(stateOf('oa', 0).retestAt! > Date.now() + 60_000, 'exhausted keys are re-tested on a long interval');
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-2', 'oa-key-2']);
  });

  it('marks an Anthropic credit-balance 400 exhausted, not a caller fault', async () => {
    h.provider.fault('an-key-1', { kind: 'quota' });
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200);
    assert.equal(stateOf('an', 0).state, 'exhausted');
  });

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
