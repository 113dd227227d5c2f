// Guards caller faults: the provider's answer reaches the client byte for byte, with no retry and no key
// marked. A context-length error may still move to a larger-context target; a content-policy error never does.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { at, strAt } from '../helpers/json';

const pools = (p: FakeProvider) => [
  {
    id: 'small',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    keys: [
      { id: 'k', secret: 'small-key-1' },
      { id: 'k2', secret: 'small-key-2' },
    ],
  },
  { id: 'large', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'large-key-1' }] },
  { id: 'an', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'an-key-1' }] },
];
const routes = [{ protocol: 'openai' as const, match: 'gpt-small', targets: [{ pool: 'small' }, { pool: 'large', model: 'gpt-large' }] }];

describe('caller faults', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools, routes, defaults: { openai: 'small' } })));
  afterEach(async () => h.close());

  it('returns a 400 verbatim without retrying or blaming the key', async () => {
    const body = { error: { message: "Invalid value for 'temperature'", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } };
    h.provider.fault('small-key-1', { kind: 'status', status: 400, body, headers: { 'x-request-id': 'req_123' } });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-other' }));
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), body);
    assert.equal(res.headers.get('x-request-id'), 'req_123');
    assert.equal(h.provider.ledger.length, 1);
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'ready');
  });

  it('returns 404, 409, 413, 415 and 422 verbatim too', async () => {
    for (const status of [404, 409, 413, 415, 422]) {
      h.provider.reset();
      h.provider.fault('small-key-1', { kind: 'status', status, body: { error: { message: `status ${status}` } } });
      const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-other' }));
      assert.equal(res.status, status);
      assert.equal(at(res.json(), 'error', 'message'), `status ${status}`);
      assert.equal(h.provider.ledger.length, 1, `no retry on ${status}`);
    }
  });

  it('moves a context-length error to the larger-context target, renaming the model', async () => {
    h.provider.fault('small-key-1', { kind: 'contextLength' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-small' }));
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['small-key-1', 'large-key-1']);
    assert.equal(h.provider.ledger[1].model, 'gpt-large');
    assert.equal(at(res.json(), 'model'), 'gpt-large', "the upstream's own model field reaches the client");
  });

  it('returns the context-length error verbatim when the route has no larger target', async () => {
    h.provider.fault('an-key-1', { kind: 'contextLength' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 400);
    assert.match(strAt(res.json(), 'error', 'message'), /prompt is too long/);
  });

  it('returns a content-policy error verbatim even when the route has another target', async () => {
    h.provider.fault('small-key-1', { kind: 'contentPolicy' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-small' }));
    assert.equal(res.status, 400);
    assert.deepEqual(keysSeen(h.provider), ['small-key-1']);
  });

  it('forwards a per-request 403 and keeps the key', async () => {
    h.provider.fault('small-key-1', { kind: 'forbiddenRequest' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-other' }));
    assert.equal(res.status, 403);
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'ready');
  });

  it('blames the key for a 403 that says the key is not permitted', async () => {
    h.provider.fault('small-key-1', { kind: 'forbiddenKey' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: 'gpt-other' }));
    assert.equal(res.status, 200);
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'invalid');
    assert.deepEqual(keysSeen(h.provider), ['small-key-1', 'small-key-2']);
  });
});
