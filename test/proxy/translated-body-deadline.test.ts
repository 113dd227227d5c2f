// Guards the deadline of a translated non-streamed answer (issue 11): it is read whole before it is translated,
// and that read keeps the relays' deadlines — a silence longer than the idle deadline fails over, a body that
// keeps coming does not (OpenRouter sends its headers at once and keeps a slow non-streamed answer alive with
// whitespace). Before, the whole body had to arrive within one idle deadline, so a long answer that a relayed
// request would have served failed over or ended in a 504. A quote of the key in it is masked, as in a relayed body.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bridge } from '../../src/core/bridge';
import { TEST_TUNING } from '../helpers/harness';

const TOKEN = 'kb-translated-body-token';
const KEY = 'sk-test-tran-body-0000';

describe('a translated non-streamed answer (read whole before it is translated)', () => {
  let upstream: Server;
  let bridge: Bridge;
  /** Pause between two pieces of the body, per request: set by each test. */
  let gapMs = 0;
  let echo = false;

  before(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // A provider that quotes the key it was sent, inside the answer a translation carries (README, Security).
        const content = echo ? `your key is ${String(req.headers.authorization).replace(/^Bearer /, '')}` : 'slow but sure';
        const answer = JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 4 },
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        const pieces = ['\n', '\n', '\n', '\n', answer];
        const next = (): void => {
          const piece = pieces.shift();
          if (piece === undefined) return void res.end();
          res.write(piece);
          setTimeout(next, gapMs);
        };
        next();
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
        routes: [{ protocol: 'anthropic', match: '*', targets: [{ pool: 'oa', model: 'gpt-slow' }] }],
        // Idle 800 ms; the whole body takes about 4 × 500 ms.
        tuning: { ...TEST_TUNING, idleTimeoutMs: 800, nonStreamTimeoutMs: 5_000 },
      },
      port: 0,
      token: TOKEN,
      adminToken: 'kb-translated-body-admin',
    });
    await bridge.start();
  });
  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const messages = () =>
    fetch(`${bridge.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TOKEN, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    });

  afterEach(() => {
    echo = false;
  });

  it('masks a quote of the key in the answer, as a relayed non-streamed body is masked', async () => {
    gapMs = 0;
    echo = true;
    const res = await messages();
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(text));
    assert.match(text, /your key is/);
    assert.ok(!text.includes(KEY.slice(3, 15)) && !text.includes(KEY.slice(-12)), `the key reached the client: ${text}`);
  });

  it('is served when its body keeps coming, each gap shorter than the idle deadline', async () => {
    gapMs = 500;
    const res = await messages();
    const json = (await res.json()) as { type: string; content: { text: string }[] };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.equal(json.type, 'message');
    assert.equal(json.content[0].text, 'slow but sure');
  });

  it('fails when its body falls silent for longer than the idle deadline', async () => {
    gapMs = 1_200;
    const res = await messages();
    const json = (await res.json()) as { type: string; error: { message: string } };
    assert.equal(res.status, 504);
    assert.equal(json.type, 'error');
  });
});
