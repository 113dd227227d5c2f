// Guards against an upstream that answers with an enormous header (1 MiB): the bridge refuses to buffer it
// (undici stops at 64 KiB), treats it as a provider failure (retry once, then the next target), answers
// in the client's protocol when nothing is left, and keeps serving.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import { at, strAt } from '../helpers/json';

describe('an upstream sending an enormous header', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  it('retries once and serves the answer when the provider recovers', async () => {
    h.provider.fault('oa-key-1', { kind: 'hugeHeader' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.equal(at(res.json(), 'object'), 'chat.completion');
    assert.equal(h.provider.ledger.length, 2);
  });

  it('answers 502 in the client protocol when the provider keeps doing it, without blaming keys', async () => {
    for (const key of ['an-key-1', 'an-key-2', 'an-key-3']) h.provider.always(key, { kind: 'hugeHeader' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 502);
    assert.equal(at(res.json(), 'type'), 'error');
    assert.match(strAt(res.json(), 'error', 'message'), /upstream headers too large/);
    assert.ok(res.text.length < 1_000, 'none of the header reached the client');
    assert.deepEqual(
      new Set(
        h.bridge
          .status()
          .pools.find((p) => p.id === 'an')
          ?.keys.map((k) => k.state),
      ),
      new Set(['ready']),
    );
    h.provider.reset();
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200, 'still serving');
  });
});
