// Guards the end of a finished stream: once the provider's final event ([DONE], message_stop,
// response.completed) reached the client, a reset or a stall of the upstream connection afterwards used to
// append a second, error terminal event (the Anthropic SDK then throws on a complete answer) and, for a stall,
// keep the client waiting the whole idle timeout. The client's answer now ends with the final event.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

describe('after the final event', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ tuning: { idleTimeoutMs: 3_000 } })));
  afterEach(async () => h.close());

  for (const then of ['cut', 'stall'] as const) {
    it(`ends a Chat stream at [DONE] when the upstream ${then === 'cut' ? 'resets' : 'goes silent'} afterwards`, async () => {
      h.provider.fault('oa-key-1', { kind: then, afterEvents: 1_000 });
      const started = Date.now();
      const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
      const events = sseEvents(res.text);
      assert.equal(events.filter((e) => e.data === '[DONE]').length, 1, 'one [DONE]');
      assert.equal(events.at(-1)?.data, '[DONE]');
      assert.ok(!res.text.includes('stream_interrupted'), 'no error after the final event');
      assert.ok(Date.now() - started < 2_000, `the answer ended with its final event, not after the idle timeout (${Date.now() - started} ms)`);
      // The upstream that stays open after its final event is dropped shortly after, not left running for the idle timeout.
      const upstream = await h.provider.waitFor((e) => e.key === 'oa-key-1' && (e.endedAt ?? e.abortedAt) !== undefined, 1_500);
      assert.ok((upstream.abortedAt ?? upstream.endedAt ?? Date.now()) - started < 1_500, 'the upstream request ended promptly');
    });

    it(`ends an Anthropic stream at message_stop when the upstream ${then === 'cut' ? 'resets' : 'goes silent'} afterwards`, async () => {
      h.provider.fault('an-key-1', { kind: then, afterEvents: 1_000 });
      const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
      const events = sseEvents(res.text).map((e) => e.event);
      assert.equal(events.at(-1), 'message_stop');
      assert.ok(!events.includes('error'), 'no error event after message_stop');
      // The request is logged once the upstream is done too (after the idle timeout, for a stall).
      const deadline = Date.now() + 5_000;
      let line: string | undefined;
      while (!(line = h.logs.find((l) => /POST \/anthropic\/v1\/messages 200/.test(l))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(line ?? '', / ok /, 'logged as a complete answer');
    });

    it(`ends a Responses stream at response.completed when the upstream ${then === 'cut' ? 'resets' : 'goes silent'} afterwards`, async () => {
      h.provider.fault('oa-key-1', { kind: then, afterEvents: 1_000 });
      const started = Date.now();
      const res = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi', stream: true });
      const events = sseEvents(res.text).map((e) => e.event);
      assert.equal(events.at(-1), 'response.completed');
      assert.ok(!events.includes('response.failed'), 'no failure after response.completed');
      assert.ok(Date.now() - started < 2_000, `the answer ended with its final event, not after the idle timeout (${Date.now() - started} ms)`);
    });
  }
});
