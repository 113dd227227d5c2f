// Guards backpressure: a client that stops reading must slow the upstream down, not make the bridge buffer
// the whole answer in memory.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';

describe('stream backpressure', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ provider: { streamEvents: 1000 } })));
  after(async () => h.close());

  it('stops pulling from the provider while the client does not read', async function () {
    this.timeout(30_000); // 32 MiB through three loopback hops on a busy 2-core machine
    const big = 'x'.repeat(32 * 1024);
    h.provider.setResponder(() => ({ text: big.repeat(1000) }));
    const req = request(`${h.anthropicBase}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': TOKEN } });
    req.end(JSON.stringify({ model: 'claude-test', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve));
    res.pause();
    await new Promise((r) => setTimeout(r, 500));
    const paused = h.provider.ledger[0].eventsSent;
    await new Promise((r) => setTimeout(r, 1_800)); // longer than the idle timeout: a slow reader is not a stall
    assert.equal(h.provider.ledger[0].eventsSent, paused, 'no progress upstream while the client is not reading');
    assert.ok(paused < 600, `only socket buffers' worth was sent (${paused} of ~1000 events of 32 KiB)`);
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.length));
    res.resume();
    await new Promise<void>((resolve) => res.on('end', () => resolve()));
    assert.ok(received > 1000 * 32 * 1024, 'everything arrives once the client reads');
    assert.equal(h.provider.ledger[0].completed, true);
    assert.equal(h.provider.ledger[0].aborted, false);
  });
});
