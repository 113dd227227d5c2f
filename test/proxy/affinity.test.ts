// Guards session affinity (docs/ARCHITECTURE.md §3, Affinity): prompt caches and Responses state belong to the key's account, so a
// conversation stays on the key that served it while that key is healthy — even under round-robin.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { must } from '../helpers/must';
import { at } from '../helpers/json';

const pools = (p: FakeProvider) => [
  {
    id: 'rr',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'round-robin' as const,
    keys: [1, 2, 3].map((i) => ({ id: `k${i}`, secret: `rr-key-${i}` })),
  },
];

describe('session affinity', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools })));
  afterEach(async () => h.close());

  it('keeps a session header on the key that served the session', async () => {
    await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-session-id': 'sess-a' });
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-session-id': 'sess-a' });
    await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-session-id': 'sess-a' });
    assert.deepEqual(keysSeen(h.provider), ['rr-key-1', 'rr-key-2', 'rr-key-1', 'rr-key-1']);
  });

  it('keeps previous_response_id on the key that produced the response, streamed or not', async () => {
    await post(`${h.openaiBase}/chat/completions`, chatBody()); // moves round-robin past k1
    const first = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi' });
    const firstId = at(first.json(), 'id');
    const streamed = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'next', previous_response_id: firstId, stream: true });
    const created = must(streamed.text.match(/"id":"(resp_[^"]+)"/))[1];
    await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'more', previous_response_id: created });
    assert.deepEqual(keysSeen(h.provider, 'responses'), ['rr-key-2', 'rr-key-2', 'rr-key-2']);
  });

  it('leaves the session key when it is no longer healthy', async () => {
    await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-session-id': 'sess-b' });
    h.provider.fault('rr-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-session-id': 'sess-b' })).status, 200);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody(), { 'x-session-id': 'sess-b' })).status, 200);
    const seen = keysSeen(h.provider);
    assert.equal(seen[1], 'rr-key-1');
    assert.notEqual(seen[2], 'rr-key-1');
    assert.equal(seen[3], seen[2], 'the session moved to its new key and stays there');
  });
});
