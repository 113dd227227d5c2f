// Guards transient faults tied to one key: a key whose connections are reset before headers used to get one
// retry on the same key and then a 502, while the pool's other keys were healthy; three such requests opened
// the breaker for the whole pool. Retries now prefer another key, and a key that keeps failing while its
// siblings succeed is passed over for a while.
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';

describe('transient faults tied to one key', () => {
  let h: Harness;
  afterEach(async () => h.close());

  for (const strategy of ['fill-first', 'round-robin'] as const) {
    it(`serves every request from the healthy keys when one key's connections reset (${strategy})`, async () => {
      const pools = (p: FakeProvider) => [
        {
          id: 'oa',
          protocol: 'openai' as const,
          baseUrl: p.openaiBaseUrl,
          strategy,
          keys: ['oa-key-1', 'oa-key-2', 'oa-key-3'].map((secret, i) => ({ id: `k${i + 1}`, secret })),
        },
      ];
      h = await startHarness({ pools, tuning: { keyBenchMs: 60_000 } });
      h.provider.always('oa-key-1', { kind: 'reset' });
      const statuses: number[] = [];
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(Array.from({ length: 6 }, () => post(`${h.openaiBase}/chat/completions`, chatBody())));
        statuses.push(...answers.map((a) => a.status));
      }
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
        'no request fails while two keys are healthy',
      );
      const toBroken = h.provider.ledger.filter((e) => e.key === 'oa-key-1').length;
      assert.ok(toBroken <= 8, `the failing key is passed over once its siblings succeed (${toBroken} attempts of ${h.provider.ledger.length})`);
      const status = h.bridge.status().pools[0];
      assert.equal(status.breaker, 'closed', 'one bad key does not open the pool');
      // Fill-first sticks to the key that served, so it never goes back to the broken one; round-robin would.
      if (strategy === 'round-robin') assert.ok(status.keys[0].benchedUntil !== undefined, 'the status shows the key passed over');
      assert.equal(status.keys[0].state, 'ready', 'but does not blame it');
    });
  }

  it('spreads 5xx retries over the keys of an Anthropic pool too', async () => {
    h = await startHarness();
    h.provider.fault('an-key-1', { kind: 'overloaded' }, { kind: 'overloaded' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 200);
    assert.deepEqual(
      h.provider.ledger.map((e) => e.key),
      ['an-key-1', 'an-key-2'],
      'the retry goes to another key',
    );
  });
});
