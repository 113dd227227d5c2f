// Guards the pool's base path against dot segments in disguise: `/openai/v1/%2e%2e/%2e%2e/x` was forwarded as
// it came, with the pool key, and a provider that normalises URLs reads it as `/x`, outside the base path.
// Every spelling (percent-encoded dots in any case, encoded slashes and backslashes, double encoding, a lone
// `.` segment) under /openai/v1, /anthropic and bare /v1 gets a 400 in the client's protocol and never
// reaches the provider. Sent on a raw socket: fetch would normalise the URL itself.
import assert from 'node:assert/strict';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';

const DISGUISES = [
  '%2e%2e/%2e%2e/x',
  '%2E%2e/x',
  '.%2e/x',
  '%2e./x',
  '%252e%252e/x',
  'models%2f..%2fx',
  'a/%2e%2e%2fx',
  '%2e%2e%5cx',
  '..%5cx',
  'a\\..\\x',
  './chat/completions',
  '%2e/chat/completions',
];
const PREFIXES = ['/openai/v1/', '/anthropic/v1/', '/v1/'];

describe('encoded dot segments', function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('are refused with a 400 in the client protocol, never forwarded', async () => {
    for (const prefix of PREFIXES) {
      for (const disguise of DISGUISES) {
        const path = prefix + disguise;
        const answer = await rawExchange(
          h.bridge.port,
          rawRequest(
            'POST',
            path,
            [
              ['Host', `127.0.0.1:${h.bridge.port}`],
              ['Authorization', `Bearer ${TOKEN}`],
              ['x-api-key', TOKEN],
              ['Content-Type', 'application/json'],
              ['Content-Length', '2'],
              ['Connection', 'close'],
            ],
            '{}',
          ),
        );
        assert.equal(answer.status, 400, `${path}: ${answer.text.slice(0, 200)}`);
        assert.match(errorMessage(answer.body) ?? '', /path/i, path);
        if (prefix === '/anthropic/v1/') assert.match(answer.body ?? '', /"type":"error"/, `${path} answered in Anthropic's shape`);
      }
    }
    assert.equal(h.provider.ledger.length, 0, `forwarded: ${h.provider.ledger.map((e) => e.path).join(', ')}`);
  });
});
