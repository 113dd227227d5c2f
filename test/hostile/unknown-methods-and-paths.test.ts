// Guards the edges of the URL space and the method list: methods the bridge does not serve (TRACE would
// echo the token back), CONNECT from a client that took the bridge for an HTTP proxy, methods Node cannot
// parse, paths outside both base URLs, traversal attempts toward the admin API, and admin paths without the
// admin token. Each gets a clear error, none reaches the provider, and nothing echoes the token.
import assert from 'node:assert/strict';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';
import { at, parseJson } from '../helpers/json';

describe('unknown methods and paths', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  afterEach(() => assert.equal(h.provider.ledger.length, 0, 'nothing reached the provider'));

  const send = (method: string, path: string, headers: [string, string][] = []) =>
    rawExchange(
      h.bridge.port,
      rawRequest(method, path, [['Host', `127.0.0.1:${h.bridge.port}`], ['Authorization', `Bearer ${TOKEN}`], ['Connection', 'close'], ...headers]),
    );

  for (const method of ['PUT', 'PATCH', 'TRACE', 'OPTIONS', 'PROPFIND', 'PURGE']) {
    it(`answers ${method} on an API path with a 405 in the protocol's shape, naming the allowed methods`, async () => {
      const openai = await send(method, '/openai/v1/chat/completions', [['X-Echo', TOKEN]]);
      assert.equal(openai.status, 405);
      assert.match(openai.text, /\r\nallow: GET, POST, DELETE, HEAD\r\n/i);
      assert.equal(typeof at(parseJson(openai.body ?? '{}'), 'error', 'type'), 'string');
      assert.ok(!openai.text.includes(TOKEN), 'the token is never echoed');
      const anthropic = await send(method, '/anthropic/v1/messages');
      assert.equal(anthropic.status, 405);
      assert.equal(at(parseJson(anthropic.body ?? '{}'), 'type'), 'error');
    });
  }

  it('tells a client that took the bridge for an HTTP proxy (CONNECT) what it is', async () => {
    const answer = await rawExchange(h.bridge.port, `CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n`);
    assert.equal(answer.status, 405);
    assert.match(errorMessage(answer.body) ?? '', /not an HTTP proxy.*base URL/);
    assert.equal(answer.closedByServer, true);
  });

  it('answers a method Node cannot parse with a 400 and a JSON body', async () => {
    const answer = await send('FOO', '/openai/v1/models');
    assert.equal(answer.status, 400);
    assert.match(errorMessage(answer.body) ?? '', /malformed HTTP request/);
  });

  for (const path of [
    '/',
    '/nope',
    '/openai/v2/chat/completions',
    '/anthropic/messages',
    '/openai/v1/../../_keybridge/status',
    '/openai//v1/models',
    '/openai/v1/models/../../../etc/passwd',
    '/v2/models',
  ]) {
    it(`answers ${path} without reaching the provider or the admin API`, async () => {
      const answer = await send('POST', path, [
        ['Content-Type', 'application/json'],
        ['Content-Length', '2'],
      ]);
      // Dot segments are refused as such (encoded-dot-segments.test.ts), before the path is looked up.
      if (path.includes('..')) assert.equal(answer.status, 400, answer.text.slice(0, 200));
      else {
        assert.equal(answer.status, 404, answer.text.slice(0, 200));
        assert.match(errorMessage(answer.body) ?? '', /unknown path .*Use http:\/\/127\.0\.0\.1:\d+\/openai\/v1/);
      }
      assert.doesNotMatch(answer.body ?? '', /"pools"/, 'no status output');
    });
  }

  it('keeps the admin API closed to the local token and to unknown admin paths', async () => {
    const status = await send('GET', '/_keybridge/status');
    assert.equal(status.status, 401);
    assert.doesNotMatch(status.body ?? '', /"pools"/);
    const unknown = await rawExchange(
      h.bridge.port,
      rawRequest(
        'POST',
        '/_keybridge/shutdown',
        [
          ['Host', `127.0.0.1:${h.bridge.port}`],
          ['Authorization', 'Bearer kb-test-admin-token'],
          ['Connection', 'close'],
          ['Content-Length', '2'],
        ],
        '{}',
      ),
    );
    assert.equal(unknown.status, 400, 'a POST without a pool is refused before anything else');
    const unknownGet = await rawExchange(
      h.bridge.port,
      rawRequest('GET', '/_keybridge/keys', [
        ['Host', `127.0.0.1:${h.bridge.port}`],
        ['Authorization', 'Bearer kb-test-admin-token'],
        ['Connection', 'close'],
      ]),
    );
    assert.equal(unknownGet.status, 404);
  });
});
