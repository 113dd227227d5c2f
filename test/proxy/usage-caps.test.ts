// Guards opt-in caps through the proxy (issue 21, item 4): a pool whose keys may serve N requests a day serves N
// on the first key, then goes on to the second, and the status says why the first rests and until when; a pool
// at its own cap is passed over like an exhausted one and the route goes on to its next target.
import assert from 'node:assert/strict';
import type { KeyStatus } from '../../src/core/status';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';

describe('usage caps', () => {
  let h: Harness | undefined;
  afterEach(async () => h?.close());

  const keyOf = (pool: string, index: number): KeyStatus =>
    must(
      must(h)
        .bridge.status()
        .pools.find((p) => p.id === pool),
    ).keys[index];

  /** The cap is counted when the request's summary is out, which may be a moment after the client has its answer. */
  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('serves a daily cap of requests on the first key, then moves to the second and shows the first capped', async () => {
    h = await startHarness({
      pools: (provider) => [
        {
          id: 'oa',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          strategy: 'fill-first',
          caps: [{ per: 'key', period: 'day', requests: 3 }],
          keys: [
            { id: 'k1', secret: 'oa-key-1' },
            { id: 'k2', secret: 'oa-key-2' },
          ],
        },
      ],
    });
    for (let i = 0; i < 3; i++) assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    await until(() => keyOf('oa', 0).state !== 'ready', 'the first key to reach its cap');
    for (let i = 0; i < 2; i++) assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-1', 'oa-key-1', 'oa-key-2', 'oa-key-2']);
    const first = keyOf('oa', 0);
    assert.equal(first.state, 'cooling');
    assert.equal(first.reason, 'daily cap of 3 requests reached; resets 00:00 UTC');
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    assert.equal(first.until, midnight.getTime(), 'rests until the UTC day turns');
    assert.equal(keyOf('oa', 1).state, 'ready');
  });

  it('passes over a pool at its own cap, and the route goes on to its next target', async () => {
    h = await startHarness({
      pools: (provider) => [
        {
          id: 'cheap',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          strategy: 'fill-first',
          caps: [{ per: 'pool', period: 'month', tokens: 1 }],
          keys: [
            { id: 'c1', secret: 'oa-key-1' },
            { id: 'c2', secret: 'oa-key-2' },
          ],
        },
        { id: 'backup', protocol: 'openai', baseUrl: provider.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'b1', secret: 'oa-key-3' }] },
      ],
      routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'cheap' }, { pool: 'backup' }] }],
    });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    await until(() => keyOf('cheap', 1).state !== 'ready', 'every key of the pool to rest');
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-3']);
    assert.match(keyOf('cheap', 0).reason ?? '', /^monthly cap of the pool of 1 tokens reached; resets \d{4}-\d{2}-01 00:00 UTC$/);
  });

  // Counted only when requests ended, c requests in flight at once all passed a cap of n (issue 21): each is now
  // counted when it is admitted, so the provider sees no more than the caps allow however many arrive together.
  it('holds a request cap against requests in flight at once: 7 concurrent, 2 keys capped at 2, 4 reach the provider', async () => {
    h = await startHarness({
      pools: (provider) => [
        {
          id: 'oa',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          strategy: 'round-robin',
          caps: [{ per: 'key', period: 'day', requests: 2 }],
          keys: [
            { id: 'k1', secret: 'oa-key-1' },
            { id: 'k2', secret: 'oa-key-2' },
          ],
        },
      ],
    });
    // Every answer waits, so all seven are in flight before the first ends.
    h.provider.always('*', { kind: 'slowFirstByte', ms: 600 });
    const statuses = (await Promise.all(Array.from({ length: 7 }, () => post(`${must(h).openaiBase}/chat/completions`, chatBody())))).map((r) => r.status);
    assert.deepEqual([...keysSeen(h.provider)].sort(), ['oa-key-1', 'oa-key-1', 'oa-key-2', 'oa-key-2']);
    assert.deepEqual(statuses.sort(), [200, 200, 200, 200, 429, 429, 429], 'the rest get the exhausted answer, which the client retries');
    await until(() => keyOf('oa', 0).state === 'cooling' && keyOf('oa', 1).state === 'cooling', 'both keys to rest at their cap');
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 429);
    assert.equal(keysSeen(h.provider).length, 4);
  });

  it("holds a pool's request cap against requests in flight; the rest go on to the route's next target", async () => {
    h = await startHarness({
      pools: (provider) => [
        {
          id: 'capped',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          strategy: 'round-robin',
          caps: [{ per: 'pool', period: 'month', requests: 3 }],
          keys: [
            { id: 'c1', secret: 'oa-key-1' },
            { id: 'c2', secret: 'oa-key-2' },
          ],
        },
        { id: 'backup', protocol: 'openai', baseUrl: provider.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'b1', secret: 'oa-key-3' }] },
      ],
      routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'capped' }, { pool: 'backup' }] }],
    });
    h.provider.always('*', { kind: 'slowFirstByte', ms: 600 });
    const statuses = await Promise.all(Array.from({ length: 6 }, () => post(`${must(h).openaiBase}/chat/completions`, chatBody())));
    assert.deepEqual(
      statuses.map((r) => r.status),
      [200, 200, 200, 200, 200, 200],
    );
    const seen = keysSeen(h.provider);
    assert.equal(seen.filter((k) => k !== 'oa-key-3').length, 3, `the capped pool served 3 of ${seen.join(', ')}`);
    assert.equal(seen.filter((k) => k === 'oa-key-3').length, 3);
  });
});
