// Guards keys against pass-through paths: a 401/403 from a path other than the core endpoints (e.g. a files or
// batches API the provider does not open to this key, or does not have) used to mark the key invalid at once,
// killing it for every request. Now the key is tested first and marked only when its test fails too.
import assert from 'node:assert/strict';
import { post, startHarness, type Harness } from '../helpers/harness';

describe('401 on a pass-through path', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("answers the provider's 401 and keeps the key when its test request passes", async () => {
    h = await startHarness();
    h.provider.alwaysWhen('oa-key-1', { path: '/v1/files' }, { kind: 'invalidKey' });
    const res = await post(`${h.openaiBase}/files`, { purpose: 'batch' });
    assert.equal(res.status, 401, "the client gets the provider's answer");
    await h.provider.waitFor((e) => e.key === 'oa-key-1' && e.endpoint === 'models', 2_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'ready', 'the key passed its test: not invalid');
  });

  it('marks the key invalid when its test fails as well', async () => {
    h = await startHarness();
    h.provider.always('oa-key-1', { kind: 'invalidKey' });
    h.provider.alwaysWhen('oa-key-1', { path: '/v1/files' }, { kind: 'invalidKey' });
    assert.equal((await post(`${h.openaiBase}/files`, { purpose: 'batch' })).status, 401);
    await h.provider.waitFor((e) => e.key === 'oa-key-1' && e.endpoint === 'models', 2_000);
    const deadline = Date.now() + 2_000;
    while (h.bridge.status().pools[0].keys[0].state !== 'invalid' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'invalid');
  });

  it('still marks a key invalid at once on a core endpoint', async () => {
    h = await startHarness();
    h.provider.fault('oa-key-1', { kind: 'invalidKey' });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'invalid');
  });
});
