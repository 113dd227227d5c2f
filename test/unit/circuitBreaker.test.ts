// Guards the breaker: it opens on a failure *rate* over a sliding window with a minimum volume (a few
// concurrent failures are not a rate), stays open briefly, lets a few probes through, and owns admission and
// release itself so no probe can stay in flight after an exception.
import assert from 'node:assert/strict';
import { CircuitBreaker, type ProviderOutcome } from '../../src/core/failover/circuitBreaker';
import { ManualClock } from '../helpers/manualClock';

const options = { windowMs: 10_000, minRequests: 10, failureRate: 0.5, openMs: 5_000, probes: 2 };

function make(clock = new ManualClock()): CircuitBreaker {
  return new CircuitBreaker(options, clock);
}

/** Runs one attempt through the breaker; undefined when it was not admitted. */
function attempt(breaker: CircuitBreaker, outcome: ProviderOutcome, force = false): Promise<ProviderOutcome | undefined> {
  return breaker.guard(
    async () => outcome,
    (o) => o,
    force,
  );
}

describe('circuit breaker', () => {
  it('stays closed on a handful of failures, however concurrent', async () => {
    const breaker = make();
    await Promise.all(Array.from({ length: 9 }, () => attempt(breaker, 'failure')));
    assert.equal(breaker.state(), 'closed', 'nine failures are below the minimum volume');
  });

  it('stays closed while the failure rate is under the threshold', async () => {
    const breaker = make();
    for (let i = 0; i < 40; i++) await attempt(breaker, i % 10 < 3 ? 'failure' : 'success');
    assert.equal(breaker.state(), 'closed', '30 % failures does not open a 50 % breaker');
  });

  it('opens at the rate over the minimum volume, rejects while open, then admits the probes', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 5; i++) await attempt(breaker, 'success');
    for (let i = 0; i < 4; i++) await attempt(breaker, 'failure');
    assert.equal(breaker.state(), 'closed', '4 of 9');
    await attempt(breaker, 'failure');
    assert.equal(breaker.state(), 'open', '5 of 10');
    assert.equal(await attempt(breaker, 'success'), undefined, 'not admitted while open');
    assert.equal(breaker.snapshot().reopensAt, clock.now() + 5_000);
    clock.advance(5_000);
    assert.equal(breaker.state(), 'half-open');
    // Two probes at once are admitted, a third is not.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = (): Promise<ProviderOutcome | undefined> =>
      breaker.guard(
        async (): Promise<ProviderOutcome> => {
          await held;
          return 'success';
        },
        (o) => o,
      );
    const probes = [slow(), slow()];
    assert.equal(await attempt(breaker, 'success'), undefined, 'only two probes at a time');
    release();
    assert.deepEqual(await Promise.all(probes), ['success', 'success']);
    assert.equal(breaker.state(), 'closed');
    assert.equal(breaker.snapshot().failures, 0, 'a closed breaker starts a new window');
  });

  it('opens again when a probe fails', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    clock.advance(5_000);
    await attempt(breaker, 'failure');
    assert.equal(breaker.state(), 'open');
  });

  it('forgets failures that slid out of the window', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 9; i++) await attempt(breaker, 'failure');
    clock.advance(11_000);
    await attempt(breaker, 'failure');
    assert.equal(breaker.state(), 'closed', 'one failure in the window now');
    assert.equal(breaker.snapshot().failures, 1);
  });

  it('lets a forced attempt through while open (nowhere else to go), and neutral outcomes count for nothing', async () => {
    const breaker = make();
    for (let i = 0; i < 10; i++) await attempt(breaker, 'neutral');
    assert.equal(breaker.snapshot().requests, 0);
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    assert.equal(breaker.state(), 'open');
    assert.equal(await attempt(breaker, 'success', true), 'success');
  });

  it('frees a probe slot when the attempt throws', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    clock.advance(5_000);
    for (let i = 0; i < 2; i++)
      await assert.rejects(
        breaker.guard(
          async () => Promise.reject(new Error('boom')),
          () => 'neutral',
        ),
      );
    assert.equal(breaker.admits(), true, 'both slots are free again');
  });

  it('lets only probes move an open breaker: a late result of an attempt admitted before it opened does not', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    let finishSlow!: (o: ProviderOutcome) => void;
    const slow = breaker.guard(
      () => new Promise<ProviderOutcome>((r) => (finishSlow = r)),
      (o) => o,
    );
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    assert.equal(breaker.state(), 'open');
    clock.advance(5_000);
    assert.equal(breaker.state(), 'half-open');
    finishSlow('failure');
    await slow;
    assert.equal(breaker.state(), 'half-open', 'the stale failure does not push the probes out');
    await attempt(breaker, 'success');
    assert.equal(breaker.state(), 'closed', 'a probe closes it');
  });

  it('admits every concurrent attempt while closed: only a half-open breaker limits what is in flight', async () => {
    const breaker = make();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inFlight = Array.from({ length: 5 }, () =>
      breaker.guard(
        async (): Promise<ProviderOutcome> => {
          await held;
          return 'success';
        },
        (o) => o,
      ),
    );
    assert.equal(breaker.admits(), true, 'five in flight, more than the two probes, and still admitting');
    assert.equal(await attempt(breaker, 'success'), 'success');
    release();
    assert.deepEqual(await Promise.all(inFlight), ['success', 'success', 'success', 'success', 'success']);
  });

  it('says whether it admits: never while open, while half-open only with a free probe slot', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    assert.equal(breaker.admits(), false, 'open');
    clock.advance(5_000);
    assert.equal(breaker.admits(), true, 'half-open, no probe out');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = (): Promise<ProviderOutcome | undefined> =>
      breaker.guard(
        async (): Promise<ProviderOutcome> => {
          await held;
          return 'failure';
        },
        (o) => o,
      );
    const first = slow();
    assert.equal(breaker.admits(), true, 'one of two probe slots taken');
    const second = slow();
    assert.equal(breaker.admits(), false, 'both probe slots taken');
    release();
    await Promise.all([first, second]);
  });

  it('turns an attempt away while open unless forced: not forced is the default', async () => {
    const breaker = make();
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    let ran = false;
    assert.equal(
      await breaker.guard(
        async (): Promise<ProviderOutcome> => {
          ran = true;
          return 'success';
        },
        (o) => o,
      ),
      undefined,
    );
    assert.equal(ran, false);
  });

  it('does not close on the late success of an attempt admitted before it opened', async () => {
    const breaker = make();
    let finishSlow!: (o: ProviderOutcome) => void;
    const slow = breaker.guard(
      () => new Promise<ProviderOutcome>((r) => (finishSlow = r)),
      (o) => o,
    );
    for (let i = 0; i < 10; i++) await attempt(breaker, 'failure');
    finishSlow('success');
    await slow;
    assert.equal(breaker.state(), 'open', 'only a probe may close it');
  });

  it('reports what its window holds, and the reopening time only while open', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 3; i++) await attempt(breaker, 'success');
    for (let i = 0; i < 2; i++) await attempt(breaker, 'failure');
    assert.deepEqual(breaker.snapshot(), { state: 'closed', requests: 5, failures: 2, reopensAt: undefined });
    for (let i = 0; i < 8; i++) await attempt(breaker, 'failure');
    assert.equal(breaker.snapshot().reopensAt, clock.now() + 5_000);
    clock.advance(5_000);
    assert.equal(breaker.snapshot().state, 'half-open');
    assert.equal(breaker.snapshot().reopensAt, undefined);
  });

  it('slides its window a tenth at a time, dropping only the buckets that fell out', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    const failuresAfter = async (advanceMs: number, count: number) => {
      clock.advance(advanceMs);
      for (let i = 0; i < count; i++) await attempt(breaker, 'failure');
      return breaker.snapshot().failures;
    };
    assert.equal(await failuresAfter(0, 1), 1);
    assert.equal(await failuresAfter(3_000, 2), 3);
    assert.equal(await failuresAfter(3_000, 3), 6);
    assert.equal(await failuresAfter(4_500, 0), 5, 'the first bucket is now more than a window old');
    assert.equal(await failuresAfter(3_000, 0), 3);
    assert.equal(await failuresAfter(3_000, 0), 0);
  });

  it('keeps its window when the wall clock steps back', async () => {
    const clock = new ManualClock();
    const breaker = make(clock);
    for (let i = 0; i < 4; i++) await attempt(breaker, 'failure');
    clock.advance(-3_000);
    await attempt(breaker, 'failure');
    clock.advance(4_000);
    assert.equal(breaker.snapshot().failures, 5, 'the failures before the step are still in the window');
  });
});
