// Guards the request budget: attempts are bounded so a pool of bad keys (and the SDKs' own retries on top)
// cannot multiply one request into minutes of upstream traffic.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';
import { strAt } from '../helpers/json';

describe('request budget', () => {
  let h: Harness;
  const keys = Array.from({ length: 10 }, (_, i) => `oa-key-${i + 1}`);
  beforeEach(async () => (h = await startHarness({ keys: { oa: keys }, tuning: { maxAttempts: 3 } })));
  afterEach(async () => h.close());

  it('stops after maxAttempts upstream requests', async () => {
    h.provider.always('*', { kind: 'invalidKey' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(h.provider.ledger.length, 3);
    assert.equal(res.status, 503);
    assert.match(strAt(res.json(), 'error', 'message'), /gave up after 3 attempts/);
  });
});
