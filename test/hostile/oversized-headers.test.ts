// Guards against oversized request heads (one huge header, a thousand headers, a huge URL): each gets a
// 431 with a JSON error both SDKs can show, the connection is closed, nothing reaches the provider, and the
// bridge keeps serving. Node's own answer here was an empty 400 that no client could explain.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';

describe('oversized request headers', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  const cases: [string, (host: string) => Buffer][] = [
    [
      'one 64 KiB header',
      (host) =>
        rawRequest('GET', '/openai/v1/models', [
          ['Host', host],
          ['Authorization', `Bearer ${TOKEN}`],
          ['X-Big', 'b'.repeat(64 * 1024)],
        ]),
    ],
    [
      'a thousand headers',
      (host) =>
        rawRequest('GET', '/openai/v1/models', [
          ['Host', host],
          ['Authorization', `Bearer ${TOKEN}`],
          ...Array.from({ length: 1_000 }, (_, i): [string, string] => [`x-header-${i}`, 'value-value']),
        ]),
    ],
    [
      'a 40 KiB URL',
      (host) =>
        rawRequest('GET', `/openai/v1/models?q=${'u'.repeat(40 * 1024)}`, [
          ['Host', host],
          ['Authorization', `Bearer ${TOKEN}`],
        ]),
    ],
  ];

  for (const [name, build] of cases) {
    it(`answers ${name} with a 431 and closes the connection`, async () => {
      const answer = await rawExchange(h.bridge.port, build(`127.0.0.1:${h.bridge.port}`));
      assert.equal(answer.status, 431);
      assert.match(errorMessage(answer.body) ?? '', /request headers too large/);
      assert.equal(answer.closedByServer, true);
      assert.equal(h.provider.ledger.length, 0);
      assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200, 'still serving');
    });
  }

  it('forwards a request with many headers under the limit', async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 200; i++) headers[`x-agent-${i}`] = 'v';
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody(), headers)).status, 200);
    assert.equal(h.provider.ledger[0].headers['x-agent-199'], 'v');
  });
});
