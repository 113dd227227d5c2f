// Guards the status API other windows and tools rely on: admin-token protected, keys masked, live events,
// and key actions (test, retire, restore) that change what the proxy does.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';
import type { BridgeStatus, KeyTestResult } from '../../src/core/status';

const ADMIN = 'kb-test-admin-token';

describe('status API', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  const admin = (path: string, init: Omit<RequestInit, 'headers'> & { headers?: Record<string, string> } = {}) =>
    fetch(`${h.bridge.url}/_keybridge/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  it('refuses the local access token and anonymous callers', async () => {
    assert.equal((await fetch(`${h.bridge.url}/_keybridge/status`)).status, 401);
    assert.equal((await fetch(`${h.bridge.url}/_keybridge/status`, { headers: { authorization: 'Bearer kb-test-local-token' } })).status, 401);
  });

  it('reports pools, masked keys, states, countdowns and stats', async () => {
    h.provider.fault('oa-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    const status = (await (await admin('status')).json()) as BridgeStatus;
    assert.equal(status.running, true);
    assert.equal(status.baseUrls?.openai, h.openaiBase);
    const oa = must(status.pools.find((p) => p.id === 'oa'));
    assert.equal(oa.keys[0].masked, 'oa-…ey-1');
    assert.equal(oa.keys[0].state, 'ready');
    const cooling = must(oa.keys[0].cooling?.[0], 'a cooling model');
    assert.equal(cooling.scope, 'gpt-test');
    assert.ok(cooling.until > Date.now());
    assert.equal(oa.keys[1].stats.successes, 1);
    assert.ok(oa.keys[1].stats.outputTokens > 0, 'tokens seen in usage are counted');
    assert.deepEqual(status.totals, { requests: 1, succeeded: 1, failed: 0 });
    assert.ok(!JSON.stringify(status).includes('oa-key-1'), 'no secret in status output');
  });

  it('streams a snapshot at once and after a key changes state', async () => {
    const res = await admin('events');
    const reader: ReadableStreamDefaultReader<Uint8Array> = must(res.body).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pred: (t: string) => boolean) => {
      const deadline = Date.now() + 3_000;
      while (!pred(text) && Date.now() < deadline) text += decoder.decode((await reader.read()).value);
    };
    await readUntil((t) => t.includes('event: status'));
    assert.match(text, /"state":"ready"/);
    h.provider.fault('oa-key-1', { kind: 'invalidKey' });
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    await readUntil((t) => t.includes('"state":"invalid"'));
    assert.match(text, /"state":"invalid"/);
    await reader.cancel();
  });

  it('tests, retires and restores keys on demand', async () => {
    h.provider.fault('an-key-2', { kind: 'invalidKey' });
    const tested = (await (await admin('test', { method: 'POST', body: JSON.stringify({ pool: 'an' }) })).json()) as { results: KeyTestResult[] };
    assert.deepEqual(
      tested.results.map((r) => [r.key, r.ok, r.state]),
      [
        ['k1', true, 'ready'],
        ['k2', false, 'invalid'],
        ['k3', true, 'ready'],
      ],
    );
    assert.equal((await admin('retire', { method: 'POST', body: JSON.stringify({ pool: 'oa', key: 'k1' }) })).status, 200);
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal((await admin('restore', { method: 'POST', body: JSON.stringify({ pool: 'oa', key: 'k1' }) })).status, 200);
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.deepEqual(keysSeen(h.provider, 'chat'), ['oa-key-2', 'oa-key-2']);
    assert.equal((await admin('retire', { method: 'POST', body: JSON.stringify({ pool: 'oa', key: 'nope' }) })).status, 404);
  });
});
