// Guards the tokens of relayed streams: the relay decodes only events that may hold something it notes (the end, a
// usage, an error, the model), so an event it skips must never be one whose counts it needed. Each stream here
// sends many content events before its usage, and OpenAI's, asked for usage, says `"usage":null` in every chunk.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

const USAGE = { input: 1234, output: 567 };

describe('usage of relayed streams', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    h.provider.setResponder(() => ({ text: 'many words '.repeat(40), usage: USAGE }));
  });
  afterEach(async () => h.close());

  const keyStats = (pool: string): { inputTokens: number; outputTokens: number } => {
    const key = h.bridge.engine.pools.get(pool)?.keys[0];
    assert.ok(key, `pool ${pool} has a first key`);
    return key.stats;
  };

  it('books a Chat stream’s usage, sent in its own chunk after the finish, with "usage":null in every chunk before', async () => {
    const res = await post(`${h.openaiBase}/chat/completions`, { ...chatBody({ stream: true }), stream_options: { include_usage: true } });
    const data = sseEvents(res.text).map((e) => e.data);
    assert.ok(data.filter((d) => d.includes('"usage":null')).length > 3, 'the chunks before the usage say "usage":null');
    assert.equal(data.at(-1), '[DONE]');
    assert.equal(keyStats('oa').inputTokens, USAGE.input);
    assert.equal(keyStats('oa').outputTokens, USAGE.output);
  });

  it('books an Anthropic stream’s usage from message_start and message_delta', async () => {
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    assert.equal(sseEvents(res.text).at(-1)?.event, 'message_stop');
    assert.equal(keyStats('an').inputTokens, USAGE.input);
    assert.equal(keyStats('an').outputTokens, USAGE.output);
  });

  it('books a Responses stream’s usage from response.completed', async () => {
    const res = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi', stream: true });
    assert.equal(sseEvents(res.text).at(-1)?.event, 'response.completed');
    assert.equal(keyStats('oa').inputTokens, USAGE.input);
    assert.equal(keyStats('oa').outputTokens, USAGE.output);
  });
});
