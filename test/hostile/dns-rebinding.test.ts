// Guards against DNS rebinding: a web page whose own host name now resolves to 127.0.0.1 sends that name as
// Host. Every Host that is not exactly 127.0.0.1:PORT or localhost:PORT is refused with a 403 in the
// client's protocol before anything else (the right token does not help), and nothing reaches the provider.
import assert from 'node:assert/strict';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';
import { at, parseJson } from '../helpers/json';

describe('DNS rebinding', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  afterEach(() => assert.equal(h.provider.ledger.length, 0, 'nothing reached the provider'));

  const hosts = (port: number): (string | undefined)[] => [
    `evil.example:${port}`,
    `127.0.0.1.nip.io:${port}`,
    `localhost.evil.example:${port}`,
    `127.0.0.1`,
    `localhost`,
    `127.0.0.1:${port + 1}`,
    `127.0.0.1:${port}.evil.example`,
    `127.0.0.1:${port}@evil.example`,
    `[::1]:${port}`,
    `127.1:${port}`,
    `0x7f000001:${port}`,
    `2130706433:${port}`,
    `0.0.0.0:${port}`,
    `localhost.:${port}`,
    ``,
    undefined,
  ];

  it('refuses every Host but 127.0.0.1:PORT and localhost:PORT, on both protocols and the admin API', async () => {
    for (const host of hosts(h.bridge.port)) {
      for (const [path, anthropic] of [
        ['/openai/v1/chat/completions', false],
        ['/anthropic/v1/messages', true],
        ['/_keybridge/status', false],
      ] as const) {
        const headers: [string, string][] = [
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', 'application/json'],
          ['Content-Length', '2'],
          ['Connection', 'close'],
        ];
        if (host !== undefined) headers.unshift(['Host', host]);
        const answer = await rawExchange(h.bridge.port, rawRequest('POST', path, headers, '{}'));
        const label = `Host ${JSON.stringify(host)} on ${path}`;
        if (host === undefined || host === '') {
          // HTTP/1.1 requires a Host: Node itself refuses a request without one.
          assert.ok(answer.status === 400 || answer.status === 403, `${label}: ${answer.status}`);
          continue;
        }
        assert.equal(answer.status, 403, label);
        assert.match(errorMessage(answer.body) ?? '', /answers only to 127\.0\.0\.1/, label);
        if (anthropic) assert.equal(at(parseJson(answer.body ?? '{}'), 'type'), 'error', label);
      }
    }
  });

  it('serves the two names it answers to', async () => {
    for (const host of [`127.0.0.1:${h.bridge.port}`, `localhost:${h.bridge.port}`]) {
      const answer = await rawExchange(
        h.bridge.port,
        rawRequest('GET', '/openai/v1/models', [
          ['Host', host],
          ['Authorization', `Bearer ${TOKEN}`],
          ['Connection', 'close'],
        ]),
      );
      assert.equal(answer.status, 200, host);
    }
    h.provider.reset();
  });
});
