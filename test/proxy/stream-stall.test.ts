// Guards stall detection: a committed stream that goes silent longer than the idle timeout is ended with the
// protocol's terminal error (and the upstream request aborted) instead of hanging the agent forever.
import assert from 'node:assert/strict';
import { messagesBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

describe('a stream that stalls', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ tuning: { idleTimeoutMs: 300 } })));
  afterEach(async () => h.close());

  it('ends with a terminal error after the idle timeout and aborts upstream', async () => {
    h.provider.fault('an-key-1', { kind: 'stall', afterEvents: 4 });
    const started = Date.now();
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    const elapsed = Date.now() - started;
    const events = sseEvents(res.text);
    assert.equal(events[events.length - 1].event, 'error');
    assert.match(events[events.length - 1].data, /no data for/);
    assert.ok(elapsed >= 280 && elapsed < 2_000, `ended after the idle timeout (${elapsed} ms)`);
    await h.provider.waitFor((e) => e.aborted, 1_000);
    assert.equal(h.provider.openStreams(), 0);
  });
});
