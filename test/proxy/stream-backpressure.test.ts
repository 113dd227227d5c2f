// Guards backpressure: a client that stops reading must slow the upstream down, not make the bridge buffer
// the whole answer in memory.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';

describe('stream backpressure', () => {
  let h: Harness;
  // `claude-translated` goes to the OpenAI pool: a translated stream must hold back the same way.
  before(
    async () =>
      (h = await startHarness({
        provider: { streamEvents: 1000 },
        routes: [{ protocol: 'anthropic', match: 'claude-translated', targets: [{ pool: 'oa', model: 'gpt-test' }] }],
      })),
  );
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  for (const model of ['claude-test', 'claude-translated']) {
    it(`stops pulling from the provider while the client does not read (${model === 'claude-test' ? 'relayed' : 'translated from Chat'})`, async function () {
      this.timeout(90_000); // 32–96 MiB through three loopback hops on a busy 2-core machine
      const big = 'x'.repeat(32 * 1024);
      // Socket buffers on three loopback hops hold a varying share of a stream: a few hundred 32 KiB events
      // here, and up to 1,200 (38 MiB) of a translated stream on a CI machine whose loopback buffers grow
      // large. The translated stream is made three times as long so that "held back" stays far from "all sent".
      const events = model === 'claude-test' ? 1000 : 3000;
      h.provider.setResponder(() => ({ text: big.repeat(events), events }));
      const req = request(`${h.anthropicBase}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': TOKEN } });
      req.end(JSON.stringify({ model, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve));
      res.pause();
      // Buffers fill at the machine's pace (a loaded CI machine translating 32 KiB events took over half a
      // second): wait until the provider has stopped sending for a while, then hold it to that.
      const paused = await settledCount(() => h.provider.ledger[0].eventsSent);
      await new Promise((r) => setTimeout(r, 1_800)); // longer than the idle timeout: a slow reader is not a stall
      assert.equal(h.provider.ledger[0].eventsSent, paused, 'no progress upstream while the client is not reading');
      assert.ok(paused < events * 0.6, `only socket buffers' worth was sent (${paused} of ~${events} events of 32 KiB)`);
      assert.equal(h.provider.ledger[0].completed, false, 'the provider is still holding the rest of the answer');
      let received = 0;
      res.on('data', (c: Buffer) => (received += c.length));
      res.resume();
      await new Promise<void>((resolve) => res.on('end', () => resolve()));
      assert.ok(received > events * 32 * 1024, 'everything arrives once the client reads');
      assert.equal(h.provider.ledger[0].completed, true);
      assert.equal(h.provider.ledger[0].aborted, false);
      assert.equal(h.provider.ledger[0].endpoint, model === 'claude-test' ? 'messages' : 'chat');
    });
  }
});

/** The count once it has not moved for a second (checked every 100 ms, for at most 20 s). */
async function settledCount(read: () => number): Promise<number> {
  let last = read();
  let still = 0;
  for (let waited = 0; waited < 20_000 && still < 1_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    const now = read();
    still = now === last ? still + 100 : 0;
    last = now;
  }
  return last;
}
