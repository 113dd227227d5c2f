// Guards client disconnects: when the agent goes away (Ctrl-C, its own timeout), the upstream request is
// aborted at once, before and after the commit point, so no provider keeps generating tokens for nobody.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { chatBody, messagesBody, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';

function openStream(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ firstChunk: Promise<void>; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers } }, (res) => {
      const firstChunk = new Promise<void>((r) => res.once('data', () => r()));
      resolve({ firstChunk, destroy: () => req.destroy() });
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body));
    setTimeout(() => resolve({ firstChunk: Promise.resolve(), destroy: () => req.destroy() }), 400);
    req.on('error', reject);
  });
}

describe('client disconnect', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ provider: { streamEvents: 50, eventGapMs: 20 } })));
  afterEach(async () => h.close());

  it('aborts a committed stream upstream within 200 ms', async () => {
    const stream = await openStream(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    await stream.firstChunk;
    const closedAt = Date.now();
    stream.destroy();
    const entry = await h.provider.waitFor((e) => e.aborted, 1_000);
    assert.ok(must(entry.abortedAt) - closedAt <= 200, `provider saw the abort after ${must(entry.abortedAt) - closedAt} ms`);
    assert.equal(entry.completed, false);
  });

  it('aborts an upstream request that has not answered yet', async () => {
    h.provider.fault('oa-key-1', { kind: 'slowFirstByte', ms: 2_000 });
    const stream = await openStream(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    await h.provider.waitFor((e) => e.key === 'oa-key-1', 1_000);
    const closedAt = Date.now();
    stream.destroy();
    const entry = await h.provider.waitFor((e) => e.aborted, 1_000);
    assert.ok(must(entry.abortedAt) - closedAt <= 200, `provider saw the abort after ${must(entry.abortedAt) - closedAt} ms`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.provider.ledger.length, 1, 'a client that left is not failed over for');
  });
});
