// Guards error bodies that never finish: a provider (or a proxy in front of it) that answers 503 with a
// Content-Length it never delivers used to hang the request until the client gave up — error bodies were read
// with no deadline. Now the body gets a bounded wait, and the attempt fails over as a provider fault.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';

describe('an error body that never arrives', () => {
  let h: Harness;
  let stuck: Server;
  before(async () => {
    stuck = createServer((req, res) => {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"error":{"message":"over');
    });
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/v1`;
    h = await startHarness({
      pools: (p) => [
        { id: 'stuck', protocol: 'openai', baseUrl: url, strategy: 'fill-first', keys: [{ id: 'k', secret: 'stuck-key-1' }] },
        { id: 'oa', protocol: 'openai', baseUrl: p.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k', secret: 'oa-key-1' }] },
      ],
      routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'stuck' }, { pool: 'oa' }] }],
      tuning: { idleTimeoutMs: 500, transientRetries: 0 },
    });
  });
  after(async () => {
    await h.close();
    stuck.closeAllConnections();
    await new Promise((r) => stuck.close(r));
  });

  it('fails over after a bounded wait instead of hanging', async () => {
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1']);
    assert.ok(Date.now() - started < 3_000, `answered after ${Date.now() - started} ms`);
    assert.match(h.bridge.status().pools[0].keys[0].stats.lastError ?? '', /HTTP 503 with an error body that broke or did not arrive/);
  });
});
