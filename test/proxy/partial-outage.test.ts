// Guards partial outages: with 40 concurrent requests and a provider failing 30 % of attempts with 503/529,
// only 11 of 40 Anthropic requests used to succeed — three consecutive failures opened the breaker of the only
// target and everything behind it got a 502 for 15 s. The breaker now opens on a failure rate (not a handful of
// failures), and with nowhere else to go it lets requests through. Two retries a request still lost about
// 0.3³ ≈ 3 %; the retry budget retries on as long as failed retries stay under 20 % of the requests, which a
// 30 % partial outage needs only 13 % for, so at most one request in 400 may be lost (0.3⁸ each).
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import type { Fault } from '../fakeProvider/types';
import { seeded } from '../helpers/seeded';

describe('a provider failing 30 % of attempts, no fallback', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(async () => h.close());

  for (const protocol of ['anthropic', 'openai'] as const) {
    it(`loses at most one of 400 requests, 40 at a time (${protocol})`, async () => {
      // The real defaults for retries, the retry budget and the breaker; only the waits are shortened.
      h = await startHarness({ tuning: { transientBackoffMs: 20, breakerOpenMs: 15_000, budgetMs: 20_000 } });
      const random = seeded(protocol === 'anthropic' ? 7 : 11);
      const faults: Fault[] = [{ kind: 'serverError', status: 503 }, { kind: 'overloaded' }];
      let injected = 0;
      h.provider.setFaultSource(() => {
        if (random() >= 0.3) return undefined;
        injected++;
        return faults[injected % 2];
      });
      const send = () =>
        protocol === 'anthropic' ? post(`${h.anthropicBase}/v1/messages`, messagesBody()) : post(`${h.openaiBase}/chat/completions`, chatBody());
      const statuses: number[] = [];
      for (let round = 0; round < 10; round++) statuses.push(...(await Promise.all(Array.from({ length: 40 }, send))).map((r) => r.status));
      const failed = statuses.filter((s) => s !== 200).length;
      const attempts = h.provider.ledger.length;
      console.log(
        `      ${protocol}: ${failed}/${statuses.length} failed (${((100 * failed) / statuses.length).toFixed(1)} %), ${injected} faults in ${attempts} attempts`,
      );
      assert.ok(injected / attempts > 0.25, 'the provider really failed about 30 % of attempts');
      assert.ok(failed <= 1, `${failed} of ${statuses.length} failed`);
    });
  }
});
