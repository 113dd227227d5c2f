// Guards against bytes that are not UTF-8: in the body (a lone continuation byte, an overlong encoding, an
// encoded surrogate, a sequence cut short at the end) each gets a 400 in the client's protocol and nothing
// reaches the provider; in a header value or the URL it never crashes the bridge or trips the provider's
// circuit breaker; valid multi-byte text and escaped lone surrogates go through byte for byte.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';
import { at, parseJson } from '../helpers/json';

describe('invalid UTF-8', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  const host = (): [string, string] => ['Host', `127.0.0.1:${h.bridge.port}`];
  const withBytes = (bytes: number[]): Buffer =>
    Buffer.concat([Buffer.from('{"model":"gpt-test","messages":[{"role":"user","content":"'), Buffer.from(bytes), Buffer.from('"}]}')]);
  const bad: [string, number[]][] = [
    ['a lone continuation byte', [0x80]],
    ['0xFF', [0xff]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an encoded surrogate (CESU-8)', [0xed, 0xa0, 0x80]],
    ['a two-byte lead before ASCII', [0xc3, 0x28]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ];

  for (const [name, bytes] of bad) {
    it(`refuses a body with ${name} with a 400 in the client's protocol`, async () => {
      for (const [path, auth, anthropic] of [
        ['/openai/v1/chat/completions', ['Authorization', `Bearer ${TOKEN}`], false],
        ['/anthropic/v1/messages', ['x-api-key', TOKEN], true],
      ] as const) {
        const body = withBytes(bytes);
        const answer = await rawExchange(
          h.bridge.port,
          rawRequest(
            'POST',
            path,
            [host(), [...auth], ['Content-Type', 'application/json'], ['Content-Length', String(body.length)], ['Connection', 'close']],
            body,
          ),
        );
        assert.equal(answer.status, 400, path);
        assert.match(errorMessage(answer.body) ?? '', /not valid UTF-8/, path);
        if (anthropic) assert.equal(at(parseJson(answer.body ?? '{}'), 'type'), 'error');
      }
      assert.equal(h.provider.ledger.length, 0);
    });
  }

  it('refuses a body whose last character is cut short', async () => {
    const body = Buffer.concat([Buffer.from('{"model":"gpt-test"}'), Buffer.from([0xe2, 0x82])]);
    const answer = await rawExchange(
      h.bridge.port,
      rawRequest(
        'POST',
        '/openai/v1/chat/completions',
        [host(), ['Authorization', `Bearer ${TOKEN}`], ['Content-Type', 'application/json'], ['Content-Length', String(body.length)], ['Connection', 'close']],
        body,
      ),
    );
    assert.equal(answer.status, 400);
    assert.equal(h.provider.ledger.length, 0);
  });

  it('forwards valid multi-byte text and an escaped lone surrogate byte for byte', async () => {
    const body = JSON.stringify(chatBody({ messages: [{ role: 'user', content: 'naïve 日本語 🚀 \ud800 end' }] }));
    assert.equal((await post(`${h.openaiBase}/chat/completions`, body)).status, 200);
    assert.equal(h.provider.ledger[0].bodyBytes, Buffer.byteLength(body));
  });

  it('passes non-ASCII header bytes through without crashing or opening the circuit', async () => {
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify(chatBody());
      const head = rawRequest(
        'POST',
        '/openai/v1/chat/completions',
        [
          host(),
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', 'application/json'],
          ['X-Session-Id', 'caf\xe9-\xff\xfe'],
          ['Content-Length', String(body.length)],
          ['Connection', 'close'],
        ],
        body,
      );
      const answer = await rawExchange(h.bridge.port, head);
      assert.equal(answer.status, 200, answer.text.slice(0, 200));
    }
    assert.equal(h.bridge.status().pools.find((p) => p.id === 'oa')?.breaker, 'closed');
  });

  it('refuses raw non-ASCII bytes in the URL with a 400', async () => {
    const head = Buffer.concat([
      Buffer.from('GET /openai/v1/models'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1:${h.bridge.port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`),
    ]);
    const answer = await rawExchange(h.bridge.port, head);
    assert.equal(answer.status, 400);
    assert.ok(errorMessage(answer.body));
    assert.equal(h.provider.ledger.length, 0);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200, 'still serving');
  });
});
