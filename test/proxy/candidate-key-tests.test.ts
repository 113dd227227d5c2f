// Guards the test run on keys before they are added in bulk: each key gets one cheap request and a verdict
// (ok / invalid / rate-limited / out of quota / unreachable), at most `concurrency` at a time, each bounded by
// `timeoutMs`, and a cancel ends them all at once — a paste of many keys must neither hammer the provider nor
// hang on a silent one. No verdict quotes a key.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testCandidateKeys } from '../../src/core/engine/candidateKeyTests';

/** The provider: the key's last word decides the answer; silent keys never get one. */
function startProvider(): Promise<{ server: Server; baseUrl: string; inFlight: { now: number; max: number }; seen: string[]; silent: ServerResponse[] }> {
  const inFlight = { now: 0, max: 0 };
  const seen: string[] = [];
  const silent: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    seen.push(`${req.method} ${req.url} ${key.slice(-6)}`);
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    res.on('close', () => inFlight.now--);
    const answer = (status: number, body: unknown): void => {
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)), 30);
    };
    if (key.endsWith('silent')) return void silent.push(res);
    if (key.endsWith('bad'))
      return answer(401, { error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (key.endsWith('busy')) return answer(429, { error: { message: 'Rate limit reached', type: 'rate_limit_exceeded' } });
    if (key.endsWith('broke')) return answer(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota' } });
    answer(200, { data: [] });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, inFlight, seen, silent })),
  );
}

describe('testing keys before they are added', () => {
  let provider: Awaited<ReturnType<typeof startProvider>>;
  beforeEach(async () => (provider = await startProvider()));
  afterEach(async () => {
    provider.silent.forEach((res) => res.destroy());
    provider.server.closeAllConnections();
    await new Promise((resolve) => provider.server.close(resolve));
  });

  const pool = () => ({ id: 'oa', protocol: 'openai' as const, baseUrl: provider.baseUrl });

  it('gives each key its verdict, in order, without quoting a key', async () => {
    const keys = ['test-key-000000-good', 'test-key-000000-bad', 'test-key-000000-busy', 'test-key-000000-broke'];
    const results = await testCandidateKeys(pool(), keys, { timeoutMs: 2_000 });
    assert.deepEqual(
      results.map((r) => [r.outcome, r.status]),
      [
        ['ok', 200],
        ['invalid', 401],
        ['rate_limited', 429],
        ['exhausted', 429],
      ],
    );
    assert.ok(results.every((r) => r.latencyMs >= 0));
    assert.ok(
      provider.seen.every((line) => line.startsWith('GET /v1/models ')),
      provider.seen.join(', '),
    );
    const said = JSON.stringify(results);
    for (const key of keys) assert.ok(!said.includes(key.slice(0, 16)), `a result quotes ${key.slice(-5)}: ${said}`);
  });

  it('runs at most `concurrency` tests at once and tests every key once', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `test-key-${String(i).padStart(6, '0')}-good`);
    const results = await testCandidateKeys(pool(), keys, { concurrency: 3, timeoutMs: 2_000 });
    assert.equal(results.filter((r) => r.outcome === 'ok').length, 10);
    assert.equal(provider.seen.length, 10);
    assert.equal(provider.inFlight.max, 3);
  });

  it('gives up on a silent provider after the timeout, and on an unreachable one at once', async () => {
    const started = Date.now();
    const [silent, good] = await testCandidateKeys(pool(), ['test-key-000000-silent', 'test-key-000000-good'], { timeoutMs: 300 });
    const took = Date.now() - started;
    assert.equal(silent.outcome, 'unreachable');
    assert.equal(good.outcome, 'ok');
    assert.ok(took >= 290 && took < 2_000, `took ${took} ms`);

    const [refused] = await testCandidateKeys({ ...pool(), baseUrl: 'http://127.0.0.1:1/v1' }, ['test-key-000000-good'], { timeoutMs: 2_000 });
    assert.equal(refused.outcome, 'unreachable');
    assert.match(refused.message, /ECONNREFUSED/);
  });

  it('a cancel ends the tests under way', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    const results = await testCandidateKeys(pool(), ['test-key-000000-silent', 'test-key-000001-silent'], { timeoutMs: 10_000, signal: abort.signal });
    assert.ok(Date.now() - started < 2_000, `cancel took ${Date.now() - started} ms`);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['unreachable', 'unreachable'],
    );
  });
});
