// Guards the accounting of opt-in caps (docs/ARCHITECTURE.md §10): requests, tokens and estimated cost count per
// key and per pool for the UTC day and month; a reached cap names itself and when it resets; the key it rests
// is passed over until the period turns, and then serves again; history older than the period counts nothing.
import assert from 'node:assert/strict';
import { validateBridgeConfig, type UsageCap } from '../../src/core/config';
import { KeyPool } from '../../src/core/keys/keyPool';
import { CapLedger, periodOf, RequestAdmission } from '../../src/core/usage/capLedger';
import { ManualClock } from '../helpers/manualClock';
import { must } from '../helpers/must';

const DAY = 24 * 3_600_000;

describe('usage caps', () => {
  it('finds the UTC day and calendar month of a moment', () => {
    const at = Date.parse('2026-02-28T23:59:59Z');
    assert.deepEqual(periodOf(at, 'day'), { start: Date.parse('2026-02-28T00:00:00Z'), end: Date.parse('2026-03-01T00:00:00Z') });
    assert.deepEqual(periodOf(at, 'month'), { start: Date.parse('2026-02-01T00:00:00Z'), end: Date.parse('2026-03-01T00:00:00Z') });
    assert.deepEqual(periodOf(Date.parse('2026-12-31T12:00:00Z'), 'month').end, Date.parse('2027-01-01T00:00:00Z'));
  });

  it('rests a key at its daily request cap until the UTC day turns, then it serves again', () => {
    const clock = new ManualClock(Date.parse('2026-03-01T22:00:00Z'));
    const pool = new KeyPool(
      {
        id: 'oa',
        protocol: 'openai',
        baseUrl: 'http://127.0.0.1:1/v1',
        strategy: 'fill-first',
        keys: [
          { id: 'k1', secret: 'test-key-cap-1' },
          { id: 'k2', secret: 'test-key-cap-2' },
        ],
      },
      () => undefined,
    );
    const caps: UsageCap[] = [{ per: 'key', period: 'day', requests: 2 }];
    const ledger = new CapLedger();
    const [k1, k2] = pool.keys;
    const serve = (): string => {
      const key = must(pool.pick(clock.now()));
      ledger.add({ pool: 'oa', key: key.fingerprint, at: clock.now(), requests: 1, tokens: 10, costUsd: undefined });
      const reached = ledger.reached('oa', key.fingerprint, caps, clock.now());
      if (reached) key.markCooling(reached.until, reached.reason, clock.now());
      return key.id;
    };
    assert.deepEqual([serve(), serve(), serve()], ['k1', 'k1', 'k2']);
    assert.equal(k1.stateAt(clock.now()), 'cooling');
    assert.equal(k1.reason, 'daily cap of 2 requests reached; resets 00:00 UTC');
    assert.equal(k1.coolingDeadline(clock.now()), Date.parse('2026-03-02T00:00:00Z'));
    assert.equal(k2.stateAt(clock.now()), 'ready');
    clock.advance(2 * 3_600_000 - 1);
    assert.equal(serve(), 'k2', 'still capped a millisecond before midnight');
    clock.advance(1);
    assert.equal(ledger.reached('oa', k1.fingerprint, caps, clock.now()), undefined, 'a new day counts from zero');
    assert.equal(serve(), 'k1', 'the key serves again once the day turns');
  });

  it('counts tokens, estimated cost and whole pools, per day and per month', () => {
    const at = Date.parse('2026-03-10T10:00:00Z');
    const ledger = new CapLedger();
    ledger.add({ pool: 'p', key: 'fa', at, requests: 1, tokens: 600, costUsd: 0.75 });
    ledger.add({ pool: 'p', key: 'fb', at, requests: 1, tokens: 500, costUsd: undefined });
    // A rollup of an earlier day this month: it counts for the month, not for today.
    ledger.add({ pool: 'p', key: 'fa', at: Date.parse('2026-03-02T00:00:00Z'), requests: 40, tokens: 10_000, costUsd: 5 });
    // Last month's history counts nothing.
    ledger.add({ pool: 'p', key: 'fa', at: Date.parse('2026-02-27T00:00:00Z'), requests: 400, tokens: 10_000_000, costUsd: 50 });
    assert.equal(ledger.reached('p', 'fa', [{ per: 'key', period: 'day', tokens: 1000 }], at), undefined);
    assert.match(must(ledger.reached('p', 'fa', [{ per: 'pool', period: 'day', tokens: 1000 }], at)).reason, /^daily cap of the pool of 1000 tokens reached/);
    assert.equal(ledger.reached('p', 'fa', [{ per: 'key', period: 'day', costUsd: 1 }], at), undefined);
    assert.equal(ledger.reached('p', 'fa', [{ per: 'key', period: 'month', costUsd: 6 }], at), undefined);
    const monthly = must(ledger.reached('p', 'fa', [{ per: 'key', period: 'month', costUsd: 5.75 }], at));
    assert.equal(monthly.reason, 'monthly cap of $5.75 (estimated cost) reached; resets 2026-04-01 00:00 UTC');
    assert.equal(monthly.until, Date.parse('2026-04-01T00:00:00Z'));
    assert.ok(ledger.reached('p', 'fa', [{ per: 'key', period: 'month', requests: 41 }], at));
    assert.equal(ledger.reached('p', 'fb', [{ per: 'key', period: 'month', requests: 2 }], at), undefined);
    assert.equal(ledger.reached('p', 'fa', [{ per: 'key', period: 'day', requests: 2 }], at + DAY), undefined, 'the next day');
  });

  it('says which cap sets no limit, and which field of a cap is wrong', () => {
    const config = (caps: unknown) => ({
      pools: [
        { id: 'oa', protocol: 'openai' as const, baseUrl: 'https://api.openai.com/v1', strategy: 'fill-first' as const, caps: caps as UsageCap[], keys: [] },
      ],
      routes: [],
    });
    assert.throws(
      () =>
        validateBridgeConfig(
          config([
            { per: 'key', period: 'day', requests: 5 },
            { per: 'key', period: 'day' },
          ]),
        ),
      /pools\[0\]\.caps\[1\]: must set requests, tokens or costUsd/,
    );
    assert.throws(() => validateBridgeConfig(config([{ per: 'key', period: 'week', requests: 5 }])), /pools\[0\]\.caps\[0\]\.period: must be "day" or "month"/);
    assert.throws(() => validateBridgeConfig(config([{ per: 'key', period: 'day', requests: 0 }])), /caps\[0\]\.requests: must be a number > 0/);
    assert.doesNotThrow(() => validateBridgeConfig(config([{ per: 'pool', period: 'month', costUsd: 20 }])));
  });

  it('admits requests against request caps with the places in flight, moves a place with its request, and gives it back', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    const ledger = new CapLedger();
    const admission = new RequestAdmission(() => ledger);
    const keyCap: UsageCap[] = [{ per: 'key', period: 'day', requests: 2 }];
    ledger.add({ pool: 'oa', key: 'fp-1', at: now, requests: 1, tokens: 5, costUsd: undefined });
    assert.equal(admission.admit(1, 'oa', keyCap, 'fp-1', now), true, 'one counted, one place left');
    assert.equal(admission.admit(2, 'oa', keyCap, 'fp-1', now), false, 'the last place is held by request 1');
    assert.equal(admission.admit(2, 'oa', keyCap, 'fp-2', now), true, 'another key has room');
    // Request 1 moves to fp-2 (its attempt on fp-1 failed): fp-1 has its place back, fp-2 is full.
    assert.equal(admission.admit(1, 'oa', keyCap, 'fp-2', now), true);
    assert.equal(admission.admit(3, 'oa', keyCap, 'fp-2', now), false);
    assert.equal(admission.admit(3, 'oa', keyCap, 'fp-1', now), true);
    admission.release(3);
    assert.equal(admission.admit(4, 'oa', keyCap, 'fp-1', now), true, 'a released place is free again');
    // A token cap is only known at the end: it holds nothing back at admission.
    assert.equal(admission.admit(5, 'oa', [{ per: 'key', period: 'day', tokens: 1 }], 'fp-1', now), true);
    const poolCap: UsageCap[] = [{ per: 'pool', period: 'month', requests: 5 }];
    assert.equal(admission.admit(6, 'oa', poolCap, 'fp-9', now), false, 'the pool holds 5: 1 counted and 4 in flight');
    admission.release(5);
    assert.equal(admission.admit(6, 'oa', poolCap, 'fp-9', now), true);
    // A new month counts nothing from March, but the four requests still in flight hold their places.
    const april = Date.parse('2026-04-01T00:00:00Z');
    assert.equal(admission.admit(7, 'oa', poolCap, 'fp-9', april), true);
    assert.equal(admission.admit(8, 'oa', poolCap, 'fp-9', april), false);
  });
});
