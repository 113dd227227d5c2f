// Guards silent providers: a target that sends no headers (or no first event) within the timeout is left
// for the next target at once, never retried — each retry would cost the whole timeout again.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { strAt } from '../helpers/json';

const pools = (p: FakeProvider) => [
  {
    id: 'slow',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    keys: [
      { id: 'k', secret: 'slow-key-1' },
      { id: 'k2', secret: 'slow-key-2' },
    ],
  },
  { id: 'fast', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'fast-key-1' }] },
];
const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'slow' }, { pool: 'fast' }] }];

describe('timeouts before the first byte', () => {
  let h: Harness;
  beforeEach(
    async () =>
      (h = await startHarness({
        pools,
        routes,
        tuning: { headersTimeoutMs: 300, firstEventTimeoutMs: 300, firstByteTimeoutMs: 300, nonStreamTimeoutMs: 300 },
      })),
  );
  afterEach(async () => h.close());

  it('moves to the next target when headers do not come in time', async () => {
    h.provider.fault('slow-key-1', { kind: 'slowFirstByte', ms: 2_000 });
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['slow-key-1', 'fast-key-1'], 'no retry of the silent target, not even with its other key');
    assert.ok(Date.now() - started < 1_500);
    await h.provider.waitFor((e) => e.key === 'slow-key-1' && e.aborted, 1_000);
  });

  it('moves on when a stream sends headers but no first event in time', async () => {
    h.provider.fault('slow-key-1', { kind: 'slowFirstEvent', ms: 2_000 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.text, /\[DONE\]/);
    assert.deepEqual(keysSeen(h.provider), ['slow-key-1', 'fast-key-1']);
  });

  it('answers 504 when the only target is silent', async () => {
    h.provider.always('slow-key-1', { kind: 'slowFirstByte', ms: 2_000 });
    h.provider.always('fast-key-1', { kind: 'slowFirstByte', ms: 2_000 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 504);
    assert.match(strAt(res.json(), 'error', 'message'), /no response headers in time/);
  });
});
