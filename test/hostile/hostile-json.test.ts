// Guards the body parser against hostile and broken JSON: non-objects, trailing data, a byte-order mark,
// 100,000 levels of nesting, prototype-pollution keys on a route that rewrites the body, and an over-limit
// body sent chunked (no Content-Length to refuse up front). Each gets a clear 4xx in the client's protocol
// or goes through intact; nothing crashes the bridge or pollutes its objects.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { at, parseJson, strAt } from '../helpers/json';

describe('hostile JSON bodies', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({
        routes: [{ protocol: 'openai', match: 'rename-*', targets: [{ pool: 'oa', model: 'renamed-model' }] }],
        tuning: { maxBodyBytes: 512 * 1024 },
      })),
  );
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  const refused: [string, string, RegExp][] = [
    ['JSON null', 'null', /must be a JSON object/],
    ['a JSON array', '[{"model":"x"}]', /must be a JSON object/],
    ['a JSON string', '"model"', /must be a JSON object/],
    ['a truncated object', '{"model":"x","messages":[', /not valid JSON/],
    ['two objects back to back', '{"model":"x"}{"model":"y"}', /not valid JSON/],
    ['a byte-order mark', '\ufeff{"model":"x"}', /not valid JSON/],
    ['single quotes', "{'model':'x'}", /not valid JSON/],
    ['a trailing comma', '{"model":"x",}', /not valid JSON/],
  ];

  for (const [name, body, message] of refused) {
    it(`refuses ${name} with a 400 in both protocols`, async () => {
      const oa = await post(`${h.openaiBase}/chat/completions`, body);
      assert.equal(oa.status, 400);
      assert.match(strAt(oa.json(), 'error', 'message'), message);
      const an = await post(`${h.anthropicBase}/v1/messages`, body, { authorization: '', 'x-api-key': TOKEN });
      assert.equal(an.status, 400);
      assert.equal(at(an.json(), 'type'), 'error');
      assert.equal(h.provider.ledger.length, 0);
    });
  }

  it('forwards 100,000 levels of nesting byte for byte, without a stack overflow', async () => {
    const body = `{"model":"gpt-test","deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await post(`${h.openaiBase}/chat/completions`, body);
    assert.equal(res.status, 200);
    assert.equal(h.provider.ledger[0].bodyBytes, body.length);
  });

  it('rewrites a body with __proto__ and constructor keys without polluting any prototype', async () => {
    const res = await post(
      `${h.openaiBase}/chat/completions`,
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"model":"rename-me"}',
    );
    assert.equal(res.status, 200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    const forwarded = h.provider.ledger[0].body as Record<string, unknown>;
    assert.equal(forwarded.model, 'renamed-model');
    assert.deepEqual(Object.getOwnPropertyDescriptor(forwarded, '__proto__')?.value, { polluted: 'yes' }, 'kept as plain data');
  });

  it('refuses a chunked body over the limit while it streams in, and closes the connection', async () => {
    const answer = await new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      const req = request(
        `${h.openaiBase}/chat/completions`,
        { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, text }));
        },
      );
      req.on('error', reject);
      const chunk = `"${'x'.repeat(64 * 1024)}",`;
      let sent = 0;
      const write = (): void => {
        while (sent++ < 64) if (!req.write(chunk)) return void req.once('drain', write);
        req.end();
      };
      req.write('{"model":"gpt-test","pad":[');
      write();
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.connection, 'close');
    assert.match(strAt(parseJson(answer.text), 'error', 'message'), /over the 524288-byte limit/);
    assert.equal(h.provider.ledger.length, 0);
  });
});
