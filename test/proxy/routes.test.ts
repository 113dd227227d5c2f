// Guards routing: a route maps (protocol, model pattern) to an ordered chain; a target may rename the model;
// unmatched models use the protocol's default pool; the upstream's model and usage reach the client unchanged.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { at } from '../helpers/json';

const pools = (p: FakeProvider) => [
  { id: 'main', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'main-key-1' }] },
  { id: 'other', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'other-key-1' }] },
];
const routes = [{ protocol: 'openai' as const, match: 'gpt-5*', targets: [{ pool: 'main' }, { pool: 'other', model: 'other-model' }] }];

describe('routes', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools, routes, defaults: { openai: 'other' } })));
  afterEach(async () => h.close());

  it('sends matching models along the chain and renames the model on fallback', async () => {
    h.provider.always('main-key-1', { kind: 'invalidKey' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-5-mini' }));
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['main-key-1', 'other-key-1']);
    assert.equal(h.provider.ledger[0].model, 'gpt-5-mini');
    assert.equal(h.provider.ledger[1].model, 'other-model');
    const json = res.json();
    assert.equal(at(json, 'model'), 'other-model', 'the client sees which model actually answered');
    assert.equal(typeof at(json, 'usage', 'prompt_tokens'), 'number');
  });

  it('replays the original bytes when the model is not renamed', async () => {
    const raw = '{"model":"gpt-5",   "messages":[{"role":"user","content":"hi"}] , "x_extra": 1}';
    await post(`${h.openaiBase}/chat/completions`, raw);
    assert.equal(h.provider.ledger[0].bodyBytes, Buffer.byteLength(raw));
  });

  it('uses the default pool when no route matches', async () => {
    await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'o3' }));
    assert.deepEqual(keysSeen(h.provider), ['other-key-1']);
  });
});
