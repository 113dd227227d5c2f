// Guards the retry budget (issue 22): a provider failing 30 % of attempts at random, with no fallback target,
// used to cost about one request in 40 (three attempts each, 0.3³ lost by design). Transient faults are now
// retried, each on another key, for as long as the target's retries stay under a share of its requests: all 40
// are served. Under a total outage the same budget keeps the provider from seeing a retry storm.
import assert from 'node:assert/strict';
import type { Fault } from '../fakeProvider/types';
import { chatBody, messagesBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';
import { seeded } from '../helpers/seeded';
import { at, parseJson } from '../helpers/json';

const CONCURRENCY = 40;
const MAX_ATTEMPTS = 8;
const SHARE = 0.3;

/**
 * Whether each attempt of each client request fails, drawn up front from a seed: the same requests meet the
 * same faults however the 40 interleave, so the test is as reproducible as the plan it prints.
 */
function faultPlan(seed: number): boolean[][] {
  const random = seeded(seed);
  return Array.from({ length: CONCURRENCY }, () => Array.from({ length: MAX_ATTEMPTS }, () => random() < SHARE));
}

const send = (h: Harness, protocol: 'anthropic' | 'openai', stream: boolean, id: number) => {
  const headers = { 'x-test-request': String(id) };
  return protocol === 'anthropic'
    ? post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream }), headers)
    : post(`${h.openaiBase}/chat/completions`, chatBody({ stream }), headers);
};

/** A complete answer: a whole non-streamed body, or a stream that reached its protocol's last event. */
function complete(protocol: 'anthropic' | 'openai', stream: boolean, text: string): boolean {
  if (!stream) return at(parseJson(text), 'usage') !== undefined;
  const last = sseEvents(text).at(-1);
  return protocol === 'anthropic' ? last?.event === 'message_stop' : last?.data === '[DONE]';
}

describe('retry budget', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(async () => h.close());

  const cases = [
    { protocol: 'anthropic', stream: false, seed: 14 },
    { protocol: 'anthropic', stream: true, seed: 7 },
    { protocol: 'openai', stream: false, seed: 21 },
    { protocol: 'openai', stream: true, seed: 22 },
  ] as const;
  for (const { protocol, stream, seed } of cases) {
    it(`serves 40 of 40 concurrent requests from a provider failing 30 % of attempts at random (${protocol}, ${stream ? 'streamed' : 'not streamed'})`, async () => {
      // The real retry, budget and breaker defaults; only the backoff is shortened.
      h = await startHarness({ tuning: { transientBackoffMs: 20, budgetMs: 20_000 } });
      const plan = faultPlan(seed);
      assert.ok(
        plan.some((attempts) => attempts.slice(0, 3).every(Boolean)),
        'the plan holds a request whose first three attempts fail: a fixed count of two retries would lose it',
      );
      const tries = new Map<string, number>();
      let injected = 0;
      h.provider.setFaultSource((_key, _seq, headers) => {
        const id = String(headers['x-test-request']);
        const attempt = tries.get(id) ?? 0;
        tries.set(id, attempt + 1);
        if (!plan[Number(id)]?.[attempt]) return undefined;
        const fault: Fault = injected++ % 2 === 0 ? { kind: 'serverError', status: 503 } : { kind: 'overloaded' };
        return fault;
      });
      const answers = await Promise.all(Array.from({ length: CONCURRENCY }, (_, id) => send(h, protocol, stream, id)));
      const lost = answers.flatMap((res, id) => (res.status === 200 && complete(protocol, stream, res.text) ? [] : [`#${id}: HTTP ${res.status}`]));
      assert.deepEqual(lost, [], `all ${CONCURRENCY} served (${injected} faults injected)`);

      // Each retry went to another key than the one that just failed.
      const byRequest = new Map<string, { key?: string; faulted: boolean }[]>();
      for (const e of h.provider.ledger) {
        const id = String(e.headers['x-test-request']);
        byRequest.set(id, [...(byRequest.get(id) ?? []), { key: e.key, faulted: e.fault !== undefined }]);
      }
      for (const [id, attempts] of byRequest) {
        for (let i = 1; i < attempts.length; i++)
          assert.notEqual(attempts[i].key, attempts[i - 1].key, `request ${id}, attempt ${i + 1} went back to the key that just failed`);
      }
    });
  }

  for (const protocol of ['anthropic', 'openai'] as const) {
    it(`sends a total outage at most 1.2× the requests plus the floor (${protocol})`, async () => {
      // The real budget: 20 % of the requests, a floor of 3 retries a second over a 10 s window.
      const windowMs = 10_000;
      const minPerSec = 3;
      h = await startHarness({ tuning: { transientBackoffMs: 20, budgetMs: 20_000 } });
      h.provider.always('*', { kind: 'serverError', status: 503 });
      const requests = 60;
      const started = Date.now();
      const statuses: number[] = [];
      for (let wave = 0; wave < 3; wave++) {
        const answers = await Promise.all(Array.from({ length: requests / 3 }, (_, i) => send(h, protocol, false, wave * 100 + i)));
        statuses.push(...answers.map((r) => r.status));
      }
      // The floor is a reserve per window: a slow machine that took longer than a window earned another one.
      const windows = 1 + Math.floor((Date.now() - started) / windowMs);
      const allowed = 1.2 * requests + minPerSec * (windowMs / 1_000) * windows;
      const seen = h.provider.ledger.length;
      assert.ok(
        statuses.every((s) => s >= 500),
        `every request failed, as the provider did: ${[...new Set(statuses)].join(', ')}`,
      );
      assert.ok(seen >= requests, 'each request was tried');
      assert.ok(seen <= allowed, `the provider saw ${seen} requests for ${requests}; at most ${allowed} allowed`);
    });
  }
});
