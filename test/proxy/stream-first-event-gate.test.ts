// Guards the commit point: nothing reaches the client until the upstream's first real event, so an error
// that arrives as the first event (Anthropic overloaded_error after a 200, Responses response.failed, an
// OpenAI chat error chunk) is still failed over and the client sees one clean stream.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

describe('stream commit gate', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  it('fails over an Anthropic overloaded_error that follows message_start', async () => {
    h.provider.fault('an-key-1', { kind: 'errorEvent', error: 'overloaded' });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    assert.equal(res.status, 200);
    const events = sseEvents(res.text).map((e) => e.event);
    assert.equal(events.filter((e) => e === 'message_start').length, 1, 'exactly one message_start: no spliced preamble');
    assert.ok(!events.includes('error'));
    assert.equal(events[events.length - 1], 'message_stop');
    assert.equal(h.provider.ledger.length, 2);
  });

  it('fails over a Responses response.failed that follows response.created', async () => {
    h.provider.fault('oa-key-1', { kind: 'errorEvent', error: 'rateLimit' });
    const res = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi', stream: true });
    const events = sseEvents(res.text).map((e) => e.event);
    assert.equal(events.filter((e) => e === 'response.created').length, 1);
    assert.ok(!events.includes('response.failed'));
    assert.equal(events[events.length - 1], 'response.completed');
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-2']);
    assert.equal(h.bridge.status().pools[0].keys[0].cooling?.[0].scope, 'gpt-test', 'an in-band rate limit cools the key for its model');
  });

  it('fails over an OpenAI chat error chunk sent as the first event', async () => {
    h.provider.fault('oa-key-1', { kind: 'errorEvent', error: 'server' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.ok(!res.text.includes('"error"'));
    assert.match(res.text, /data: \[DONE\]\n\n$/);
    assert.equal(h.provider.ledger.length, 2);
  });

  it('treats a stream that ends with no event as a failure, not an empty success', async () => {
    h.provider.fault('oa-key-1', { kind: 'empty' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.match(res.text, /"content":"Reply/);
    assert.equal(h.provider.ledger.length, 2);
  });

  it('relays the stream byte for byte when nothing goes wrong', async () => {
    const directRes = await fetch(`${h.provider.anthropicBaseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'direct-key', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(messagesBody({ stream: true })),
    });
    const direct = await directRes.text();
    const bridged = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    const normalise = (text: string) =>
      text
        .replace(/msg_[A-Za-z0-9]+/g, 'msg_X')
        .replace(/Reply \d+/g, 'Reply N')
        .replace(/"input_tokens":\d+/g, '"input_tokens":N');
    assert.equal(normalise(bridged.text), normalise(direct));
    assert.equal(bridged.headers.get('content-type'), directRes.headers.get('content-type'));
  });
});
