// Guards against slowloris: clients that send their request headers a byte at a time to hold connections
// open. Everyone else keeps being served, and each slow connection is cut with a 408 once the 15-second
// header timeout has passed (not up to 30 s later, when Node's default connection check would notice).
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';

const HEADER_TIMEOUT_MS = 15_000;

describe('slowloris', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('keeps serving while 20 clients dribble headers, then cuts each with a 408 at the header timeout', async () => {
    const head = rawRequest('POST', '/openai/v1/chat/completions', [
      ['Host', `127.0.0.1:${h.bridge.port}`],
      ['Authorization', `Bearer ${TOKEN}`],
      ['X-Padding', 'a'.repeat(400)], // never finished: 250 ms a byte outlasts the timeout
    ]);
    const slow = Array.from({ length: 20 }, () => rawExchange(h.bridge.port, head, { byteGapMs: 250, timeoutMs: 25_000 }));

    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
      assert.equal(res.status, 200);
      assert.ok(Date.now() - started < 2_000, `a normal request took ${Date.now() - started} ms`);
      await new Promise((r) => setTimeout(r, 1_000));
    }

    for (const answer of await Promise.all(slow)) {
      assert.equal(answer.closedByServer, true, 'the bridge closed the slow connection itself');
      assert.equal(answer.status, 408);
      assert.match(errorMessage(answer.body) ?? '', /not received in time/);
      assert.ok(answer.ms >= HEADER_TIMEOUT_MS - 500 && answer.ms <= HEADER_TIMEOUT_MS + 2_500, `cut after ${answer.ms} ms`);
    }
    assert.equal(h.provider.ledger.length, 5, 'only the normal requests reached the provider');
  });
});
