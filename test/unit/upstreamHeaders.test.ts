// Guards what of a client's headers goes upstream (src/core/upstream/headers.ts): never the local token, in any
// header a protocol's clients carry a credential in (the protocol table's `authHeaders`), nor the caller's
// account selectors and browser context; the pool's credential and `accept-encoding: identity` always.
import assert from 'node:assert/strict';
import { buildUpstreamHeaders } from '../../src/core/upstream/headers';
import { PROTOCOL_ADAPTERS } from '../../src/core/protocols/table';

const TOKEN = 'test-local-token-headers-1';

describe('upstream request headers', () => {
  it("never forwards a header any protocol's clients carry their credential in", () => {
    const names = PROTOCOL_ADAPTERS.flatMap((adapter) => Object.keys(adapter.authHeaders('test-key-1')).map((name) => ({ protocol: adapter.protocol, name })));
    for (const name of ['authorization', 'x-api-key', 'x-goog-api-key'])
      assert.ok(
        names.some((n) => n.name === name),
        `the table names ${name}`,
      );
    for (const { protocol, name } of names) {
      // A request to a pool of any protocol: the header the client sent the local token in is not the pool's.
      for (const pool of PROTOCOL_ADAPTERS) {
        const out = buildUpstreamHeaders({ [name]: TOKEN, 'x-client-header': 'kept' }, pool.defaultHeaders(), undefined, pool.authHeaders('test-key-1'));
        assert.equal(out['x-client-header'], 'kept');
        assert.ok(!Object.values(out).includes(TOKEN), `${protocol}'s ${name} carried the local token to a ${pool.protocol} pool: ${JSON.stringify(out)}`);
        assert.deepEqual(pool.authHeaders('test-key-1'), Object.fromEntries(Object.keys(pool.authHeaders('')).map((n) => [n, out[n]])), 'the pool key is sent');
      }
    }
  });

  it('drops the other client-only headers and hop-by-hop ones, and keeps the rest', () => {
    const out = buildUpstreamHeaders(
      {
        'api-key': TOKEN,
        'openai-organization': 'org-caller',
        'openai-project': 'proj-caller',
        cookie: 'a=b',
        origin: 'http://page.example',
        referer: 'http://page.example/x',
        'accept-encoding': 'gzip, br',
        connection: 'keep-alive, x-hop',
        'x-hop': 'named by connection',
        'keep-alive': 'timeout=5',
        host: '127.0.0.1:17381',
        'content-length': '12',
        'user-agent': 'test-agent/1.0',
        'x-stainless-lang': ['js', 'ts'],
      },
      { 'anthropic-version': '2023-06-01' },
      { 'X-Extra': 'from the pool' },
      { 'x-api-key': 'test-key-1' },
    );
    assert.deepEqual(out, {
      'user-agent': 'test-agent/1.0',
      'x-stainless-lang': 'js, ts',
      'anthropic-version': '2023-06-01',
      'x-extra': 'from the pool',
      'accept-encoding': 'identity',
      'x-api-key': 'test-key-1',
    });
  });
});
