// Guards the ways a request body and a non-streamed answer arrive, each taking its own path through the bridge
// (docs/ARCHITECTURE.md §2): a body already buffered with its headers is taken in one read, anything else as it
// arrives; an answer that came with its headers, or whose end came while the relay held it, goes out in one write,
// anything else through the pump. Whichever way, the provider gets the client's body and the client gets the
// provider's answer byte for byte, with the key masked and the usage booked.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Bridge } from '../../src/core/bridge';
import { TEST_TUNING } from '../helpers/harness';

const KEY = 'sk-test-arrival.Vb7nQ2wE9rT4yU1iO6pA'; // the dot keeps it from reading as a real key
const TOKEN = 'kb-answer-arrival-token';

/** The provider's answer for a model name: the key quoted once, a usage object at the end. */
function answerFor(model: string, requestBody: string): string {
  return JSON.stringify({
    id: 'chatcmpl-arrival',
    object: 'chat.completion',
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content: `you sent ${requestBody.length} bytes; your key ${KEY} ${'z'.repeat(300)}` }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 41, completion_tokens: 7 },
  });
}

describe('how bodies and answers arrive', () => {
  let upstream: Server;
  let bridge: Bridge;
  const received: string[] = [];

  before(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push(body);
        const { model } = JSON.parse(body) as { model: string };
        const text = answerFor(model, body);
        const sized = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
        if (model === 'whole') return void res.writeHead(200, sized).end(text);
        if (model === 'whole-chunked') return void res.writeHead(200, { 'content-type': 'application/json' }).end(text);
        if (model === 'headers-first') {
          res.writeHead(200, sized).flushHeaders();
          return void setTimeout(() => res.end(text), 40);
        }
        // in-pieces: the body in two parts, the second a moment later.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(text.slice(0, 100));
        setTimeout(() => res.end(text.slice(100)), 40);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    bridge = new Bridge({
      config: {
        pools: [{ id: 'oa', protocol: 'openai', baseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: KEY }] }],
        routes: [],
        tuning: TEST_TUNING,
      },
      port: 0,
      token: TOKEN,
      adminToken: 'kb-answer-arrival-admin',
    });
    await bridge.start();
  });
  beforeEach(() => (received.length = 0));
  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const stats = (): { inputTokens: number; outputTokens: number } => {
    const key = bridge.engine.pools.get('oa')?.keys[0];
    assert.ok(key);
    return key.stats;
  };
  const masked = (model: string, body: string): string => answerFor(model, body).replace(KEY, '*'.repeat(KEY.length));

  for (const model of ['whole', 'whole-chunked', 'headers-first', 'in-pieces']) {
    it(`relays an answer that comes ${model}, masked, whole, its usage booked`, async () => {
      const before = stats().outputTokens;
      const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'héllo' }] });
      const res = await fetch(`${bridge.url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), masked(model, body));
      assert.deepEqual(received, [body]);
      assert.equal(stats().outputTokens - before, 7);
    });
  }

  /** Writes raw bytes (in parts, `gapMs` apart) on one connection; resolves with what came back once `answers` responses ended. */
  function exchange(parts: Buffer[], gapMs: number, answers: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(bridge.port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`only this came back: ${text.slice(0, 400)}`));
      }, 5_000);
      socket.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if ((text.match(/"usage":\{"prompt_tokens":41,"completion_tokens":7\}\}/g) ?? []).length >= answers) {
          clearTimeout(timer);
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      void (async () => {
        for (const [i, part] of parts.entries()) {
          if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
          socket.write(part);
        }
      })();
    });
  }
  const request = (body: string): { head: Buffer; body: Buffer } => ({
    head: Buffer.from(
      `POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    ),
    body: Buffer.from(body),
  });

  it('takes two pipelined requests written at once, each with its own body, and answers both in order', async () => {
    const first = JSON.stringify({ model: 'whole', messages: [{ role: 'user', content: 'first' }] });
    const second = JSON.stringify({ model: 'whole-chunked', messages: [{ role: 'user', content: 'the second one' }] });
    const a = request(first);
    const b = request(second);
    const text = await exchange([Buffer.concat([a.head, a.body, b.head, b.body])], 0, 2);
    assert.deepEqual(received, [first, second]);
    assert.ok(text.indexOf(`you sent ${first.length} bytes`) < text.indexOf(`you sent ${second.length} bytes`), 'answered in order');
    assert.equal(text.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 2);
  });

  it('takes a body that comes after its headers, and one cut in two', async () => {
    const late = JSON.stringify({ model: 'whole', messages: [{ role: 'user', content: 'late body' }] });
    const r = request(late);
    await exchange([r.head, r.body], 60, 1);
    const cut = JSON.stringify({ model: 'whole', messages: [{ role: 'user', content: 'a body in two parts' }] });
    const c = request(cut);
    await exchange([Buffer.concat([c.head, c.body.subarray(0, 20)]), c.body.subarray(20)], 60, 1);
    assert.deepEqual(received, [late, cut]);
  });
});
