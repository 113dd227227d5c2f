// Guards against request smuggling: conflicting or obfuscated Content-Length / Transfer-Encoding framing,
// broken chunks and bare line feeds get a 400 and a closed connection, and a request hidden after them never
// runs; a body that carries a whole HTTP request reaches the provider as one body, once; and a malformed
// request pipelined behind a streaming answer is never spliced into that answer's bytes.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';
import { at } from '../helpers/json';

describe('request smuggling', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ provider: { streamEvents: 20, eventGapMs: 20 } })));
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  const smuggled = (host: string): string => `GET /openai/v1/models HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
  const json = JSON.stringify(chatBody());
  const cases: [string, (host: string) => Buffer][] = [
    [
      'Content-Length with Transfer-Encoding (CL.TE)',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Content-Type', 'application/json'],
            ['Content-Length', '4'],
            ['Transfer-Encoding', 'chunked'],
          ],
          `0\r\n\r\n${smuggled(host)}`,
        ),
    ],
    [
      'two different Content-Lengths',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Content-Length', String(json.length)],
            ['Content-Length', '0'],
          ],
          `${json}${smuggled(host)}`,
        ),
    ],
    [
      'Transfer-Encoding: chunked, identity',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Transfer-Encoding', 'chunked, identity'],
          ],
          `0\r\n\r\n${smuggled(host)}`,
        ),
    ],
    [
      'Transfer-Encoding: xchunked',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Transfer-Encoding', 'xchunked'],
          ],
          `0\r\n\r\n${smuggled(host)}`,
        ),
    ],
    [
      'a space before the Transfer-Encoding colon',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Transfer-Encoding ', 'chunked'],
          ],
          `0\r\n\r\n${smuggled(host)}`,
        ),
    ],
    [
      'two Transfer-Encoding headers',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Transfer-Encoding', 'chunked'],
            ['Transfer-Encoding', 'identity'],
          ],
          `0\r\n\r\n${smuggled(host)}`,
        ),
    ],
    [
      'a chunk size that is not hex',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['Transfer-Encoding', 'chunked'],
          ],
          `zz\r\n{}\r\n0\r\n\r\n${smuggled(host)}`,
        ),
    ],
    [
      'bare LF line ends',
      (host) =>
        Buffer.from(`POST /openai/v1/chat/completions HTTP/1.1\nHost: ${host}\nAuthorization: Bearer ${TOKEN}\nContent-Length: 2\n\n{}${smuggled(host)}`),
    ],
    [
      'a NUL byte in a header',
      (host) =>
        rawRequest(
          'POST',
          '/openai/v1/chat/completions',
          [
            ['Host', host],
            ['Authorization', `Bearer ${TOKEN}`],
            ['X-Trick', 'a\0b'],
            ['Content-Length', '2'],
          ],
          `{}${smuggled(host)}`,
        ),
    ],
  ];

  for (const [name, build] of cases) {
    it(`refuses ${name} with a 400, closes, and runs nothing hidden behind it`, async () => {
      const answer = await rawExchange(h.bridge.port, build(`127.0.0.1:${h.bridge.port}`));
      assert.equal(answer.status, 400, answer.text.slice(0, 200));
      assert.ok(errorMessage(answer.body), `a JSON error body: ${answer.text.slice(0, 300)}`);
      assert.equal(answer.closedByServer, true);
      assert.equal((answer.text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'one answer only: the hidden request never ran');
      assert.equal(h.provider.ledger.length, 0);
    });
  }

  it('sends a body that carries a whole HTTP request upstream as one body, once', async () => {
    const host = `127.0.0.1:${h.bridge.port}`;
    const body = JSON.stringify(chatBody({ note: `\r\n\r\n${smuggled(host)}POST /v1/embeddings HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}` }));
    const res = await post(`${h.openaiBase}/chat/completions`, body);
    assert.equal(res.status, 200);
    assert.equal(h.provider.ledger.length, 1);
    assert.equal(h.provider.ledger[0].bodyBytes, Buffer.byteLength(body));
    const next = await post(`${h.openaiBase}/embeddings`, { model: 'emb', input: ['x'] });
    assert.equal(at(next.json(), 'object'), 'list', 'the upstream connection was not desynchronised');
  });

  it('never splices an error for a bad pipelined request into a streaming answer under way', async () => {
    const host = `127.0.0.1:${h.bridge.port}`;
    const body = JSON.stringify(chatBody({ stream: true }));
    const first = rawRequest(
      'POST',
      '/openai/v1/chat/completions',
      [
        ['Host', host],
        ['Authorization', `Bearer ${TOKEN}`],
        ['Content-Type', 'application/json'],
        ['Content-Length', String(body.length)],
      ],
      body,
    );
    // The garbage follows once the answer has started, as on a connection the client reuses while reading.
    const text = await new Promise<string>((resolve) => {
      const socket = connect(h.bridge.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => socket.destroy(), 5_000);
      socket.on('data', (chunk: Buffer) => {
        if (chunks.push(chunk) === 1) socket.write('NOT HTTP AT ALL\r\n\r\n');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      });
      socket.write(first);
    });
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.equal((text.match(/HTTP\/1\.1 /g) ?? []).length, 1, 'no second status line inside the stream');
    assert.doesNotMatch(text, /malformed HTTP request/);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200, 'still serving');
  });
});
