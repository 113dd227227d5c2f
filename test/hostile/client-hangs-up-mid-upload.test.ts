// Guards against a client that hangs up while still sending its request body (an agent killed mid-upload of
// a large prompt): nothing reaches the provider, the bridge does not log it as an internal error, and it
// keeps serving.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { rawExchange, rawRequest } from './rawHttp';

describe('a client hanging up mid-upload', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('drops the request quietly and keeps serving', async () => {
    for (let i = 0; i < 5; i++) {
      const head = rawRequest(
        'POST',
        '/openai/v1/chat/completions',
        [
          ['Host', `127.0.0.1:${h.bridge.port}`],
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', 'application/json'],
          ['Content-Length', '100000'],
        ],
        '{"model":"gpt-test","messages":[',
      );
      const answer = await rawExchange(h.bridge.port, head, { timeoutMs: 200 });
      assert.equal(answer.status, undefined, 'no answer to a request that never arrived whole');
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      h.logs.filter((l) => l.startsWith('error') || l.startsWith('warn')),
      [],
    );
    assert.equal(h.bridge.activeRequests, 0);
    assert.equal(h.provider.ledger.length, 0);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
  });
});
