// Guards the retry budget (Finagle's RetryBudget): retries stay under a share of the target's recent requests
// plus a floor per second, deposits and withdrawals expire with the window, and the arithmetic stays exact.
import assert from 'node:assert/strict';
import { RetryBudget } from '../../src/core/failover/retryBudget';
import { ManualClock } from '../helpers/manualClock';
import { seeded } from '../helpers/seeded';

function make(over: Partial<ConstructorParameters<typeof RetryBudget>[0]> = {}, clock = new ManualClock()): RetryBudget {
  return new RetryBudget({ percentCanRetry: 0.2, minRetriesPerSec: 0, windowMs: 10_000, ...over }, clock);
}

/** Withdraws until refused; how many retries it gave. */
function drain(budget: RetryBudget): number {
  let n = 0;
  while (budget.tryWithdraw()) n++;
  return n;
}

describe('retry budget', () => {
  it('gives one retry per five requests, exactly, however many requests', () => {
    const budget = make();
    assert.equal(budget.balance(), 0);
    assert.equal(budget.tryWithdraw(), false, 'no requests, no floor: no retry');
    for (let i = 0; i < 4; i++) budget.deposit();
    assert.equal(budget.tryWithdraw(), false, 'four requests are not yet one retry');
    budget.deposit();
    assert.equal(budget.balance(), 1);
    assert.equal(drain(budget), 1);
    for (let i = 0; i < 5_000; i++) budget.deposit();
    assert.equal(drain(budget), 1_000, 'no drift over thousands of deposits');
  });

  it('keeps a floor of minRetriesPerSec over the window for a quiet target', () => {
    const clock = new ManualClock();
    const budget = make({ minRetriesPerSec: 2, windowMs: 5_000 }, clock);
    assert.equal(budget.balance(), 10);
    assert.equal(drain(budget), 10, '2 per second over 5 s');
    clock.advance(4_999);
    assert.equal(budget.tryWithdraw(), false, 'the withdrawals count for the whole window');
    clock.advance(1);
    assert.equal(drain(budget), 10, 'then the floor is whole again');
  });

  it('lets deposits and withdrawals expire a tenth of the window at a time', () => {
    const clock = new ManualClock(1_000_000);
    const budget = make({ percentCanRetry: 1 }, clock);
    budget.deposit();
    clock.advance(5_000);
    budget.deposit();
    assert.equal(budget.balance(), 2);
    clock.advance(4_999);
    assert.equal(budget.balance(), 2, 'the first deposit is still in its window');
    clock.advance(1);
    assert.equal(budget.balance(), 1, 'the first deposit has expired, the second has not');
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.balance(), 0);
    clock.advance(60_000);
    assert.equal(budget.balance(), 0, 'everything expired');
    budget.deposit();
    assert.equal(budget.balance(), 1, 'and the budget fills again');
  });

  it('bounds retries in an outage at the share of requests plus the floor', () => {
    const clock = new ManualClock();
    const budget = make({ percentCanRetry: 0.2, minRetriesPerSec: 1, windowMs: 10_000 }, clock);
    let retries = 0;
    // 100 requests in 10 s, each retrying as long as the budget allows (a total outage).
    for (let i = 0; i < 100; i++) {
      budget.deposit();
      retries += drain(budget);
      clock.advance(99);
    }
    assert.equal(retries, 30, '20 % of 100 requests, plus 1 a second for 10 s');
  });

  it('takes back a retry that served its request: only failed retries count', () => {
    const budget = make({ percentCanRetry: 0.2 });
    for (let i = 0; i < 5; i++) budget.deposit();
    assert.equal(budget.tryWithdraw(), true);
    assert.equal(budget.tryWithdraw(), false);
    budget.refund();
    assert.equal(budget.balance(), 1);
    assert.equal(budget.tryWithdraw(), true, 'the refunded retry can be spent again');
  });

  it('sustains a provider failing 30 % of attempts at random, and bounds one failing them all', () => {
    /** 1,000 requests, 200 a second, each making up to 8 attempts while the budget allows. */
    const run = (fails: () => boolean) => {
      const clock = new ManualClock();
      const budget = make({ percentCanRetry: 0.2, minRetriesPerSec: 1 }, clock);
      let served = 0;
      let sent = 0;
      for (let request = 0; request < 1_000; request++) {
        budget.deposit();
        for (let tries = 0; tries < 8; tries++) {
          sent++;
          if (!fails()) {
            served++;
            if (tries > 0) budget.refund();
            break;
          }
          if (!budget.tryWithdraw()) break;
        }
        clock.advance(5);
      }
      return { served, sent };
    };
    const random = seeded(3);
    const partial = run(() => random() < 0.3);
    assert.equal(partial.served, 1_000, 'every request served');
    assert.ok(partial.sent > 1_380 && partial.sent < 1_480, `about 1.43 attempts a request (${partial.sent})`);
    // A total outage: 20 % of the requests, plus 1 a second over the 5 s of traffic (a 10 s reserve, once).
    const outage = run(() => true);
    assert.equal(outage.served, 0);
    assert.ok(outage.sent >= 1_200 && outage.sent <= 1_210, `at most 1,000 + 200 + 10 (${outage.sent})`);
  });

  it('keeps its window when the wall clock steps back', () => {
    const clock = new ManualClock(1_000_000);
    const budget = make({}, clock);
    for (let i = 0; i < 5; i++) budget.deposit();
    clock.advance(-3_000);
    assert.equal(budget.balance(), 1);
    clock.advance(3_000);
    assert.equal(budget.balance(), 1, 'back where it was, the deposits are still in the window');
  });

  it('with no share, retries only from the floor; with neither, never', () => {
    const budget = make({ percentCanRetry: 0, minRetriesPerSec: 0.5 });
    for (let i = 0; i < 100; i++) budget.deposit();
    assert.equal(drain(budget), 5);
    const none = make({ percentCanRetry: 0 });
    none.deposit();
    assert.equal(none.tryWithdraw(), false);
  });

  it('cannot be overdrawn: balance never reads below zero', () => {
    const clock = new ManualClock(0);
    const budget = make({ percentCanRetry: 1 }, clock);
    for (let i = 0; i < 3; i++) budget.deposit();
    clock.advance(5_000);
    assert.equal(drain(budget), 3);
    clock.advance(5_000);
    assert.equal(budget.balance(), 0, 'the deposits expired before the withdrawals: owed, not negative');
    budget.deposit();
    assert.equal(budget.tryWithdraw(), false, 'a new deposit first pays back what the window still owes');
    clock.advance(5_000);
    assert.equal(budget.tryWithdraw(), true, 'the withdrawals expired in turn');
  });
});
