// Guards provider-transient failures: up to two retries with backoff on the same target, then the next target;
// on the last target, retries as the retry budget allows, within maxAttempts; keys are never blamed for a provider's 5xx, 529, HTML error page or a reset before headers.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { at, strAt } from '../helpers/json';

const pools = (p: FakeProvider) => [
  { id: 'a1', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'first-key-1' }] },
  { id: 'a2', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'second-key-1' }] },
  { id: 'o1', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'oa-key-1' }] },
];
const routes = [{ protocol: 'anthropic' as const, match: '*', targets: [{ pool: 'a1' }, { pool: 'a2' }] }];

describe('provider-transient failures', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools, routes })));
  afterEach(async () => h.close());

  it('retries a 529 once on the same target and succeeds there', async () => {
    h.provider.fault('first-key-1', { kind: 'overloaded' });
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['first-key-1', 'first-key-1']);
    assert.equal(h.bridge.status().pools[0].keys[0].state, 'ready', 'the key is not blamed');
  });

  it('moves to the next target after both retries fail too', async () => {
    h.provider.fault('first-key-1', { kind: 'serverError', status: 503 }, { kind: 'html', status: 502 }, { kind: 'overloaded' });
    assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['first-key-1', 'first-key-1', 'first-key-1', 'second-key-1']);
  });

  it('treats a connection reset before headers as transient', async () => {
    h.provider.fault('oa-key-1', { kind: 'reset' });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-1']);
  });

  it('answers 502 naming the pool when every target stays down', async () => {
    h.provider.always('first-key-1', { kind: 'serverError' });
    h.provider.always('second-key-1', { kind: 'serverError' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 502);
    assert.equal(at(res.json(), 'type'), 'error');
    assert.match(strAt(res.json(), 'error', 'message'), /provider unavailable for pool "a2": HTTP 500/);
    assert.deepEqual(
      keysSeen(h.provider),
      [...Array<string>(3).fill('first-key-1'), ...Array<string>(5).fill('second-key-1')],
      'three attempts on the first target, the rest of maxAttempts (8) on the last',
    );
  });
});
