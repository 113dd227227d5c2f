// Guards successful answers against a provider that echoes the key: a header of any 2xx answer (streamed or
// not), and the body of a non-streamed one, even when the quote is split across two chunks of the body. The
// client gets the answer with the key masked, its Content-Length still true. (Streamed bodies are relayed
// event by event without such scrubbing; the README's Security section says so.) Key-shaped values are
// split after their prefix.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bridge } from '../../src/core/bridge';
import { TEST_TUNING } from '../helpers/harness';

const KEY = 'sk-' + 'ok2xx-Kq3vX9mP2rT8wY5zA1bC';
const TOKEN = 'kb-success-echo-token';
const material = KEY.slice(9);

describe('a key echoed in a successful answer', () => {
  let upstream: Server;
  let bridge: Bridge;

  before(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        const stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
        if (stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'x-echo-key': key });
          res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'hi' } }] })}\n\n`);
          return void res.end('data: [DONE]\n\n');
        }
        // The key cut across two writes, far apart in a body of several chunks.
        const text = JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          note: `${'x'.repeat(70_000)} your key ${key} ${'y'.repeat(70_000)}`,
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        });
        const cut = text.indexOf(key) + 10;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-echo-key': `key=${key}` });
        res.write(text.slice(0, cut));
        setTimeout(() => res.end(text.slice(cut)), 30);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    bridge = new Bridge({
      config: {
        pools: [
          {
            id: 'oa',
            protocol: 'openai',
            baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
            strategy: 'fill-first',
            keys: [{ id: 'k1', secret: KEY }],
          },
        ],
        routes: [],
        tuning: TEST_TUNING,
      },
      port: 0,
      token: TOKEN,
      adminToken: 'kb-success-echo-admin',
    });
    await bridge.start();
  });
  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const chat = (stream: boolean) =>
    fetch(`${bridge.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: [], stream }),
    });

  it('masks the key in the headers and body of a non-streamed answer, keeping its length', async () => {
    const res = await chat(false);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(text));
    const json = JSON.parse(text) as { note: string; choices: unknown[] };
    assert.equal(json.choices.length, 1);
    assert.match(json.note, /your key \*+ y/);
    assert.ok(!text.includes(material.slice(0, 12)) && !text.includes(material.slice(-12)), 'the key reached the client in the body');
    assert.equal(res.headers.get('x-echo-key'), 'key=sk-...A1bC');
  });

  it('masks the key in the headers of a streamed answer', async () => {
    const res = await chat(true);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /\[DONE\]/);
    assert.equal(res.headers.get('x-echo-key'), 'sk-...A1bC');
  });
});
