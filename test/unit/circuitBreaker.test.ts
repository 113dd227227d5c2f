// Guards the breaker of DESIGN §4: opens after consecutive transient failures, briefly, then one probe.
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../src/core/failover/circuitBreaker';
import { ManualClock } from '../helpers/manualClock';

describe('circuit breaker', () => {
  it('opens after the threshold, rejects while open, then admits exactly one probe', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(3, 10_000, clock);
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.tryAcquire(), true);
    breaker.recordFailure();
    assert.equal(breaker.state(), 'open');
    assert.equal(breaker.tryAcquire(), false);
    clock.advance(10_000);
    assert.equal(breaker.state(), 'half-open');
    assert.equal(breaker.tryAcquire(), true, 'the probe');
    assert.equal(breaker.tryAcquire(), false, 'only one probe at a time');
    breaker.recordSuccess();
    assert.equal(breaker.state(), 'closed');
    assert.equal(breaker.tryAcquire(), true);
  });

  it('re-opens when the probe fails, and a success resets the count', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(2, 5_000, clock);
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    assert.equal(breaker.state(), 'closed', 'failures must be consecutive');
    breaker.recordFailure();
    clock.advance(5_000);
    assert.equal(breaker.tryAcquire(), true);
    breaker.recordFailure();
    assert.equal(breaker.state(), 'open');
    assert.equal(breaker.reopensAt(), clock.now() + 5_000);
  });

  it('frees the probe slot when the probe ends without a verdict', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(1, 1_000, clock);
    breaker.recordFailure();
    clock.advance(1_000);
    assert.equal(breaker.tryAcquire(), true);
    breaker.release();
    assert.equal(breaker.tryAcquire(), true);
  });
});
