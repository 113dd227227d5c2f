// Guards the security rules (README, Security): only loopback, only with the local token, never for a web page (Origin, DNS rebinding);
// the client's credential never reaches the provider, the pool key does; bad input gets a clear error in
// the client's protocol.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { chatBody, messagesBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { at, parseJson, strAt } from '../helpers/json';
import { SkippingClock } from '../helpers/skippingClock';

function rawRequest(port: number, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/openai/v1/chat/completions', headers, setHost: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('security', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ tuning: { maxBodyBytes: 64 * 1024 } })));
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  it('listens on 127.0.0.1 only', async () => {
    assert.match(h.bridge.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    // Bound to 127.0.0.1 itself, not to every address: another loopback address gets no answer.
    await assert.rejects(fetch(`http://127.0.0.2:${h.bridge.port}/`, { signal: AbortSignal.timeout(2_000) }));
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      // Connecting to our own non-loopback address stays on this machine; it must be refused.
      await assert.rejects(fetch(`http://${external.address}:${h.bridge.port}/`, { signal: AbortSignal.timeout(2_000) }));
    }
  });

  it('requires the local token, by Bearer or x-api-key, and answers in the client protocol', async () => {
    const missing = await post(`${h.openaiBase}/chat/completions`, chatBody(), { authorization: '' });
    assert.equal(missing.status, 401);
    assert.equal(at(missing.json(), 'error', 'type'), 'authentication_error');
    assert.match(strAt(missing.json(), 'error', 'message'), /missing local access token/);
    const wrong = await post(`${h.anthropicBase}/v1/messages`, messagesBody(), { authorization: '', 'x-api-key': 'sk-wrong' });
    assert.equal(wrong.status, 401);
    assert.equal(at(wrong.json(), 'type'), 'error');
    assert.equal(at(wrong.json(), 'error', 'type'), 'authentication_error');
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody(), { authorization: '', 'x-api-key': TOKEN })).status, 200);
    assert.equal(h.provider.ledger.length, 1, 'rejected requests never reach the provider');
  });

  it('strips the client credential and injects the pool key in the provider header', async () => {
    await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-api-key': TOKEN, 'openai-organization': 'org-caller', cookie: 'a=b' });
    await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    const [oa, an] = h.provider.ledger;
    assert.equal(oa.headers.authorization, 'Bearer oa-key-1');
    assert.equal(oa.headers['x-api-key'], undefined);
    assert.equal(oa.headers['openai-organization'], undefined);
    assert.equal(oa.headers.cookie, undefined);
    assert.equal(an.headers['x-api-key'], 'an-key-1');
    assert.equal(an.headers.authorization, undefined);
    for (const entry of h.provider.ledger) assert.ok(!JSON.stringify(entry.headers).includes(TOKEN), 'the local token never leaves the machine');
  });

  it('drops hop-by-hop headers and those the Connection header names', async () => {
    const res = await rawRequest(
      h.bridge.port,
      {
        host: `127.0.0.1:${h.bridge.port}`,
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': 'drop me',
        'proxy-authorization': 'Basic abc',
        te: 'trailers',
        'x-kept': 'yes',
      },
      JSON.stringify(chatBody()),
    );
    assert.equal(res.status, 200);
    const headers = h.provider.ledger[0].headers;
    assert.equal(headers['x-secret-hop'], undefined);
    assert.equal(headers['proxy-authorization'], undefined);
    assert.equal(headers.te, undefined);
    assert.equal(headers['x-kept'], 'yes');
  });

  it('rejects a Host that is not ours (DNS rebinding)', async () => {
    const res = await rawRequest(
      h.bridge.port,
      { host: `evil.example:${h.bridge.port}`, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      JSON.stringify(chatBody()),
    );
    assert.equal(res.status, 403);
    assert.match(strAt(parseJson(res.text), 'error', 'message'), /answers only to 127\.0\.0\.1/);
    assert.equal(h.provider.ledger.length, 0);
  });

  it('rejects requests from a browser page (Origin)', async () => {
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody(), { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.match(strAt(res.json(), 'error', 'message'), /web pages/);
    assert.equal(res.headers.get('access-control-allow-origin'), null, 'no CORS');
    assert.equal(h.provider.ledger.length, 0);
  });

  it('logs requests from web pages once a minute, with the count of the others', async () => {
    const clock = new SkippingClock();
    const w = await startHarness({ clock });
    try {
      const fromPage = async () => assert.equal((await post(`${w.openaiBase}/chat/completions`, chatBody(), { origin: 'https://evil.example' })).status, 403);
      const lines = () => w.logs.filter((line) => / 403 refused: /.test(line));
      for (let i = 0; i < 5; i++) await fromPage();
      assert.equal(lines().length, 1, 'one line for five refusals within the minute');
      clock.skip(60_000);
      await fromPage();
      assert.equal(lines().length, 2);
      assert.match(lines()[1], /does not accept requests from web pages\. \(and 4 more refused so since the last line\)$/);
    } finally {
      await w.close();
    }
  });

  it('refuses a body over the limit with 413, without reaching the provider', async () => {
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ padding: 'x'.repeat(70 * 1024) }));
    assert.equal(res.status, 413);
    assert.equal(at(res.json(), 'error', 'type'), 'invalid_request_error');
    assert.match(strAt(res.json(), 'error', 'message'), /over the 65536-byte limit/);
    assert.equal(h.provider.ledger.length, 0);
  });

  it('answers malformed JSON with 400, a wrong content type with 415, invalid UTF-8 with 400', async () => {
    const bad = await post(`${h.openaiBase}/chat/completions`, '{"model": "x",');
    assert.equal(bad.status, 400);
    assert.match(strAt(bad.json(), 'error', 'message'), /not valid JSON/);
    for (const [url, at] of [
      [`${h.openaiBase}/chat/completions`, ['error', 'message']],
      [`${h.anthropicBase}/v1/messages`, ['error', 'message']],
    ] as const) {
      const empty = await post(url, '');
      assert.equal(empty.status, 400, url);
      assert.match(strAt(empty.json(), ...at), /^KeyBridge: the request body is empty; send a JSON object\.$/);
    }
    assert.equal(h.provider.ledger.length, 0, 'an empty body never reaches the provider');
    const type = await post(`${h.anthropicBase}/v1/messages`, 'model=x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(type.status, 415);
    assert.equal(at(type.json(), 'type'), 'error');
    const utf8 = await rawRequest(
      h.bridge.port,
      { host: `127.0.0.1:${h.bridge.port}`, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      '{"model":"\xff"}',
    );
    assert.equal(utf8.status, 200, 'latin1-encoded by node: still valid UTF-8 bytes');
    const invalid = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: h.bridge.port,
          method: 'POST',
          path: '/openai/v1/chat/completions',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    });
    assert.equal(invalid, 400);
  });

  it('logs each request it refuses itself, by path and reason, never the token presented', async () => {
    const presented = 'kb-stale-token-' + 'abcdefghijklmnop';
    const from = h.logs.length;
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody(), { authorization: '', 'x-api-key': presented })).status, 401);
    assert.equal((await post(`${h.openaiBase}/chat/completions?key=${presented}`, chatBody(), { authorization: '' })).status, 401);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, '{"model": "x",')).status, 400);
    const refused = h.logs.slice(from).filter((line) => line.includes('refused'));
    assert.deepEqual(
      refused.map((line) => /^info (POST \S+ \d{3}) refused: (.{0,40})/.exec(line)?.slice(1)),
      [
        ['POST /anthropic/v1/messages 401', 'wrong local access token. Send the KeyBr'],
        ['POST /openai/v1/chat/completions?key=… 401', 'missing local access token. Send the Key'],
        ['POST /openai/v1/chat/completions 400', 'request body is not valid JSON: Expected'],
      ],
      refused.join('\n'),
    );
    assert.ok(!h.logs.some((line) => line.includes(presented)), 'a presented token is logged');
  });

  it('keeps serving after all of the above', async () => {
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
  });
});
