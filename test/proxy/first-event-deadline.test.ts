// Guards the first-event deadline: a stream whose headers come at once but whose first event takes long used
// to be waited out (up to 300 s) even when the route had a healthy fallback. With a next target, the attempt
// now moves on after `firstEventTimeoutMs`; on the last target it keeps waiting up to `firstByteTimeoutMs`.
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { chatBody, keysSeen, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

const pools = (p: FakeProvider) => [
  { id: 'slow', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'slow-key-1' }] },
  { id: 'fast', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'fast-key-1' }] },
];
const tuning = { headersTimeoutMs: 3_000, firstEventTimeoutMs: 400, firstByteTimeoutMs: 5_000 };

describe('first-event deadline', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('moves to the next target when the first event is late and the route has one', async () => {
    const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'slow' }, { pool: 'fast' }] }];
    h = await startHarness({ pools, routes, tuning });
    h.provider.fault('slow-key-1', { kind: 'slowFirstEvent', ms: 2_500 });
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    const ms = Date.now() - started;
    assert.equal(res.status, 200);
    assert.equal(sseEvents(res.text).at(-1)?.data, '[DONE]');
    assert.deepEqual(keysSeen(h.provider), ['slow-key-1', 'fast-key-1']);
    assert.ok(ms < 2_000, `served by the fallback after the first-event deadline, not the slow primary (${ms} ms)`);
    await h.provider.waitFor((e) => e.key === 'slow-key-1' && e.aborted, 1_000);
  });

  it('keeps waiting on the last target, up to the longer deadline', async () => {
    h = await startHarness({ pools, routes: [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'slow' }] }], tuning });
    h.provider.fault('slow-key-1', { kind: 'slowFirstEvent', ms: 1_200 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['slow-key-1'], 'the only target is waited for: there is nowhere better to go');
  });

  it('takes the deadline from the route, over the pool and the tuning', async () => {
    const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'slow' }, { pool: 'fast' }], deadlines: { firstEventTimeoutMs: 4_000 } }];
    h = await startHarness({ pools: (p) => pools(p).map((pool) => ({ ...pool, deadlines: { firstEventTimeoutMs: 100 } })), routes, tuning });
    h.provider.fault('slow-key-1', { kind: 'slowFirstEvent', ms: 1_000 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['slow-key-1'], 'the route allows 4 s, so the slow first event is waited for');
  });
});
