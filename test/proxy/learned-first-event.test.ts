// Guards first-event deadlines learned per target (issue 22): one configured number cannot fit both a fast model
// and a slow thinker. A target whose first event usually comes at once now moves to the route's next target
// soon after the floor when it is suddenly late, while a target that always thinks for a while keeps waiting,
// and a deadline set on the pool still wins. Times are scaled down: floor 1 s, configured deadline 10 s.
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { chatBody, keysSeen, post, sseEvents, startHarness, type Harness } from '../helpers/harness';
import type { BridgeStatus, FirstEventStatus } from '../../src/core/status';
import { must } from '../helpers/must';

const ADMIN = 'kb-test-admin-token';
const tuning = { headersTimeoutMs: 10_000, firstEventTimeoutMs: 10_000, firstByteTimeoutMs: 10_000, firstEventFloorMs: 1_000, firstEventMargin: 3 };

const pools = (deadlines?: { firstEventTimeoutMs: number }) => (p: FakeProvider) => [
  {
    id: 'primary',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    keys: [{ id: 'k', secret: 'test-key-primary' }],
    deadlines,
  },
  { id: 'backup', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'test-key-backup' }] },
];
const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'primary' }, { pool: 'backup' }] }];

async function stream(h: Harness): Promise<{ ms: number; key: string | undefined }> {
  const before = h.provider.ledger.length;
  const started = Date.now();
  const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
  assert.equal(res.status, 200);
  assert.equal(sseEvents(res.text).at(-1)?.data, '[DONE]');
  return { ms: Date.now() - started, key: keysSeen(h.provider).slice(before).at(-1) };
}

async function firstEvents(h: Harness, pool: string): Promise<FirstEventStatus[]> {
  const res = await fetch(`${h.bridge.url}/_keybridge/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const status = (await res.json()) as BridgeStatus;
  return (
    must(
      status.pools.find((p) => p.id === pool),
      `pool ${pool}`,
    ).firstEvents ?? []
  );
}

describe('learned first-event deadline', function () {
  this.timeout(40_000);
  let h: Harness;
  afterEach(async () => h.close());

  it('moves a usually fast target to the fallback within seconds when its first event is suddenly late', async () => {
    h = await startHarness({ pools: pools(), routes, tuning });
    for (let i = 0; i < 6; i++) assert.equal((await stream(h)).key, 'test-key-primary');
    const [learned] = await firstEvents(h, 'primary');
    assert.equal(learned.model, 'gpt-test');
    assert.equal(learned.samples, 6);
    assert.deepEqual([learned.deadlineMs, learned.source], [1_000, 'learned'], 'fast first events: the floor is the deadline in force');

    h.provider.fault('test-key-primary', { kind: 'slowFirstEvent', ms: 8_000 });
    const slow = await stream(h);
    assert.equal(slow.key, 'test-key-backup', 'served by the fallback');
    assert.ok(slow.ms < 4_000, `moved on after the learned deadline, not the configured 10 s (${slow.ms} ms)`);
    await h.provider.waitFor((e) => e.key === 'test-key-primary' && e.aborted, 2_000);
    const [after] = await firstEvents(h, 'primary');
    assert.equal(after.samples, 7, 'the cut stream counts, at the time it waited');
  });

  it('does not cut a target that always thinks for a while', async () => {
    h = await startHarness({ pools: pools(), routes, tuning });
    h.provider.always('test-key-primary', { kind: 'slowFirstEvent', ms: 1_500 });
    await Promise.all(Array.from({ length: 5 }, () => stream(h)));
    const [learned] = await firstEvents(h, 'primary');
    assert.equal(learned.source, 'learned');
    assert.ok(learned.deadlineMs >= 4_500 && learned.deadlineMs < 10_000, `three times its usual 1.5 s (${learned.deadlineMs} ms)`);
    for (let i = 0; i < 2; i++) assert.equal((await stream(h)).key, 'test-key-primary', 'its usual wait is not cut');
    assert.deepEqual(new Set(keysSeen(h.provider)), new Set(['test-key-primary']));
  });

  it("lets the pool's own deadline win over the history", async () => {
    h = await startHarness({ pools: pools({ firstEventTimeoutMs: 6_000 }), routes, tuning });
    for (let i = 0; i < 6; i++) await stream(h);
    const [configured] = await firstEvents(h, 'primary');
    assert.deepEqual([configured.deadlineMs, configured.source], [6_000, 'pool']);
    h.provider.fault('test-key-primary', { kind: 'slowFirstEvent', ms: 2_500 });
    assert.equal((await stream(h)).key, 'test-key-primary', 'waited, as the pool says, past the 1 s a learned deadline would give');
  });
});
