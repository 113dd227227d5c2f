// Guards against an upstream that streams an endless SSE event (data without a blank line, ever): before the
// first event the bridge buffered all of it until the first-byte timeout (tens of MB a second, gigabytes at
// the default 300 s), and after it the unfinished event grew without bound. Now an event over 4 MiB is a
// provider failure: failed over before the commit point, ended with the protocol's terminal error after it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

const CHUNK = Buffer.alloc(64 * 1024, 'a');

/** An OpenAI-style provider whose stream never closes its event; counts what it managed to send. */
async function startEndlessProvider(): Promise<{ server: Server; url: string; sent: number[] }> {
  const sent: number[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const slot = sent.push(0) - 1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if ((JSON.parse(body) as { model?: string }).model === 'committed-then-endless') {
        res.write(
          `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' } }] })}\n\n`,
        );
      }
      res.write('data: {"endless":"');
      const pump = (): void => {
        while (!res.destroyed && sent[slot] < 256 * 1024 * 1024) {
          sent[slot] = sent[slot] + CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, sent };
}

describe('an upstream streaming an endless event', function () {
  this.timeout(60_000);
  let h: Harness;
  let endless: Awaited<ReturnType<typeof startEndlessProvider>>;
  before(async () => {
    endless = await startEndlessProvider();
    h = await startHarness({
      pools: (provider) => [
        { id: 'endless', protocol: 'openai', baseUrl: endless.url, strategy: 'fill-first', keys: [{ id: 'e1', secret: 'endless-key-1' }] },
        { id: 'oa', protocol: 'openai', baseUrl: provider.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'oa-key-1' }] },
        { id: 'an', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'an-key-1' }] },
      ],
      routes: [
        { protocol: 'openai', match: 'endless-*', targets: [{ pool: 'endless' }, { pool: 'oa' }] },
        { protocol: 'openai', match: 'committed-*', targets: [{ pool: 'endless' }] },
      ],
      // A first-byte timeout far beyond the test's own: only the size limit can end these attempts in time.
      tuning: { breakerMinRequests: 100, firstByteTimeoutMs: 30_000, firstEventTimeoutMs: 30_000, headersTimeoutMs: 30_000 },
    });
  });
  after(async () => {
    await h.close();
    endless.server.closeAllConnections();
    await new Promise((r) => endless.server.close(r));
  });

  it('gives up on a first event that never ends after a few MiB, and fails over', async () => {
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'endless-first', stream: true }));
    assert.equal(res.status, 200);
    assert.equal(sseEvents(res.text).at(-1)?.data, '[DONE]', 'the next target answered in full');
    assert.equal(h.provider.ledger.length, 1);
    // About 3 s here; the margin is for a loaded CI machine, still far from the 30 s timeout.
    assert.ok(Date.now() - started < 20_000, `answered after ${Date.now() - started} ms, long before the first-byte timeout`);
    for (const bytes of endless.sent) assert.ok(bytes <= 24 * 1024 * 1024, `the bridge read ${(bytes / 1024 / 1024).toFixed(0)} MiB of one unfinished event`);
  });

  it('ends a committed stream with the terminal error when an event never ends', async () => {
    endless.sent.length = 0;
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'committed-then-endless', stream: true }));
    assert.equal(res.status, 200);
    const events = sseEvents(res.text);
    assert.match(events[0]?.data ?? '', /"Hello"/, 'the complete event got through');
    assert.match(events.at(-2)?.data ?? '', /"code":"stream_interrupted"/);
    assert.equal(events.at(-1)?.data, '[DONE]');
    assert.ok(!res.text.includes('endless'), 'no byte of the unfinished event reached the client');
    assert.ok((endless.sent[0] ?? 0) <= 24 * 1024 * 1024, `the bridge read ${((endless.sent[0] ?? 0) / 1024 / 1024).toFixed(0)} MiB of one unfinished event`);
  });
});
