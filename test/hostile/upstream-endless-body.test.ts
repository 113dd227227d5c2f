// Guards against an upstream that sends an endless non-streamed body: the bridge relays it with
// backpressure (never buffering it), stops the upstream request at once when the client gives up, and keeps
// serving. (An endless SSE event is upstream-endless-event.test.ts.)
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';

describe('an upstream sending an endless body', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('relays with backpressure, and aborts upstream as soon as the client hangs up', async () => {
    h.provider.fault('oa-key-1', { kind: 'endlessBody' });
    const req = request(`${h.openaiBase}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(chatBody()));
    const res = await new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
    assert.equal(res.statusCode, 200);

    // A client that stops reading holds the upstream back: the bridge does not pile the body up in memory.
    res.pause();
    await new Promise((r) => setTimeout(r, 500));
    const before = process.memoryUsage().arrayBuffers;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(process.memoryUsage().arrayBuffers - before < 8 * 1024 * 1024, 'no buffering while the client does not read');

    let received = 0;
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > 16 * 1024 * 1024) req.destroy();
    });
    res.resume();
    await new Promise((r) => res.once('close', r));
    const closedAt = Date.now();
    const upstream = await h.provider.waitFor((e) => e.aborted, 2_000);
    assert.ok((upstream.abortedAt ?? 0) - closedAt < 500, `the upstream stopped ${(upstream.abortedAt ?? 0) - closedAt} ms after the client`);
    assert.equal(h.bridge.activeRequests, 0);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200, 'still serving');
  });
});
