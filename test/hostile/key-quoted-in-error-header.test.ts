// Guards the error answer against its own redaction: a provider 400 whose header quotes the key used to be
// masked with `…`, which is not a legal header character, so Node refused the header and the client got the
// bridge's own 500 instead of the provider's answer. The client must get the provider's status and body,
// with the key masked in ASCII. Key-shaped values are split after their prefix.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bridge } from '../../src/core/bridge';
import { TEST_TUNING } from '../helpers/harness';

const KEY = 'sk-' + 'hdr-Kq3vX9mP2rT8wY5zA1bC';
const TOKEN = 'kb-header-quote-token';

describe('a key quoted in an error header', () => {
  let upstream: Server;
  let bridge: Bridge;

  before(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        res.writeHead(400, { 'content-type': 'application/json', 'x-echo-key': `sent ${key}` });
        res.end(
          JSON.stringify({
            error: { message: 'Unsupported value: temperature', type: 'invalid_request_error', code: 'unsupported_value', param: 'temperature' },
          }),
        );
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
      adminToken: 'kb-header-quote-admin',
    });
    await bridge.start();
  });
  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  it("reaches the client with the provider's status and body, the key masked in ASCII", async () => {
    const res = await fetch(`${bridge.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: [], temperature: 9 }),
    });
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.match(text, /Unsupported value: temperature/);
    assert.equal(res.headers.get('x-echo-key'), 'sent sk-...A1bC');
  });
});
