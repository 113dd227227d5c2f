// Guards the learned first-event deadline: a high percentile of a target's recent times to first event, times a
// margin, within a floor and the tuning's deadline; configured pool and route deadlines win; too little history
// and the configured deadline applies.
import assert from 'node:assert/strict';
import { firstEventDeadline, FirstEventHistory } from '../../src/core/failover/firstEventDeadline';

const learning = { floorMs: 1_000, margin: 3 };
const tuning = { tuningMs: 45_000 };

function history(...samples: number[]): FirstEventHistory {
  const h = new FirstEventHistory();
  for (const ms of samples) h.record(ms);
  return h;
}

describe('learned first-event deadline', () => {
  it('applies the configured deadline until a target has five streams of history', () => {
    assert.deepEqual(firstEventDeadline(tuning, undefined, learning), { ms: 45_000, source: 'tuning' });
    assert.equal(new FirstEventHistory().count, 0, 'a new target has no history');
    const four = history(100, 100, 100, 100);
    assert.equal(four.percentile(), undefined);
    assert.deepEqual(firstEventDeadline(tuning, four, learning), { ms: 45_000, source: 'tuning' });
    four.record(2_000);
    assert.equal(four.percentile(), 2_000, 'with five samples the 95th percentile is the largest');
    assert.deepEqual(firstEventDeadline(tuning, four, learning), { ms: 6_000, source: 'learned' });
  });

  it('takes the nearest-rank 95th percentile of the last 32 streams', () => {
    const h = history(...Array.from({ length: 30 }, (_, i) => 100 + i), 5_000, 9_000);
    assert.equal(h.count, 32);
    assert.equal(h.percentile(), 5_000, 'the second largest of 32: one outlier does not move it');
    h.record(50);
    assert.equal(h.count, 32, 'the ring keeps 32');
    assert.equal(h.percentile(), 5_000, 'the oldest sample (100) was overwritten, not the outliers');
    for (let i = 0; i < 32; i++) h.record(200 + i);
    assert.equal(h.percentile(), 230, 'the outliers have aged out');
  });

  it('stays within the floor and the tuning deadline', () => {
    const fast = history(100, 120, 90, 110, 100);
    assert.deepEqual(firstEventDeadline(tuning, fast, learning), { ms: 1_000, source: 'learned' }, '360 ms is under the floor');
    assert.deepEqual(firstEventDeadline(tuning, fast, { floorMs: 200, margin: 3 }), { ms: 360, source: 'learned' });
    assert.deepEqual(firstEventDeadline(tuning, fast, { floorMs: 200, margin: 2.5 }), { ms: 300, source: 'learned' });
    const thinker = history(40_000, 38_000, 41_000, 39_500, 40_500);
    assert.deepEqual(firstEventDeadline(tuning, thinker, learning), { ms: 45_000, source: 'tuning' }, 'a 40 s thinker keeps the full deadline');
    const almost = history(14_999, 14_999, 14_999, 14_999, 14_999);
    assert.deepEqual(firstEventDeadline(tuning, almost, learning), { ms: 44_997, source: 'learned' });
    const at = history(15_000, 15_000, 15_000, 15_000, 15_000);
    assert.deepEqual(firstEventDeadline(tuning, at, learning), { ms: 45_000, source: 'tuning' }, 'reaching the ceiling is the configured deadline');
    assert.deepEqual(firstEventDeadline({ tuningMs: 800 }, fast, learning), { ms: 800, source: 'tuning' }, 'a floor above the tuning turns learning off');
    assert.deepEqual(
      firstEventDeadline(tuning, history(100.2, 100.2, 100.2, 100.2, 100.2), { floorMs: 1, margin: 1 }),
      { ms: 101, source: 'learned' },
      'whole ms, rounded up',
    );
  });

  it('lets a deadline set on the route, then on the pool, win over the history', () => {
    const fast = history(100, 100, 100, 100, 100);
    assert.deepEqual(firstEventDeadline({ ...tuning, poolMs: 20_000 }, fast, learning), { ms: 20_000, source: 'pool' });
    assert.deepEqual(firstEventDeadline({ ...tuning, poolMs: 20_000, routeMs: 30_000 }, fast, learning), { ms: 30_000, source: 'route' });
    assert.deepEqual(firstEventDeadline({ ...tuning, routeMs: 500 }, fast, learning), { ms: 500, source: 'route' }, 'even under the floor');
  });
});
