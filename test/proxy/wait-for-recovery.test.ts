// Guards the wait threshold: when every key of the user's first-choice target is cooling and the soonest
// recovers within the threshold, wait and use it; when recovery is further off, move to the next target.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, post, startHarness, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';

const twoPools = (p: FakeProvider) => [
  { id: 'primary', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'a', secret: 'primary-key-1' }] },
  { id: 'backup', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'b', secret: 'backup-key-1' }] },
];
const routes = [{ protocol: 'openai' as const, match: '*', targets: [{ pool: 'primary' }, { pool: 'backup' }] }];

describe('waiting for the soonest recovery', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ pools: twoPools, routes, tuning: { waitThresholdMs: 1_000 } })));
  afterEach(async () => h.close());

  it('waits for a key that recovers within the threshold instead of leaving the primary', async () => {
    h.provider.fault('primary-key-1', { kind: 'rateLimit', headers: { 'retry-after-ms': '300' } });
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['primary-key-1', 'primary-key-1']);
    assert.ok(Date.now() - started >= 290, 'it waited for the cooldown');
  });

  it('moves to the next target when the recovery is beyond the threshold', async () => {
    h.provider.fault('primary-key-1', { kind: 'rateLimit', headers: { 'retry-after': '20' } });
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(h.provider), ['primary-key-1', 'backup-key-1']);
    assert.ok(Date.now() - started < 5_000, `no waiting for the 20 s recovery (${Date.now() - started} ms)`);
  });
});
