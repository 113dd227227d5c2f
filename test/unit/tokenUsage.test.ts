// Token counts read from answer texts without parsing them (src/core/protocols/tokenUsage.ts): the counts are the
// usage object's, wherever else an answer holds keys of the same names.
import assert from 'node:assert/strict';
import { anthropicMessagesFormat } from '../../src/core/protocols/anthropicMessages/format';
import { openaiChatFormat } from '../../src/core/protocols/openaiChat/format';
import { ANY_USAGE, emptyUsage } from '../../src/core/protocols/tokenUsage';

describe('token usage reader', () => {
  it("books a Messages answer's usage, not the count-named keys of a tool call's input before it", () => {
    // Anthropic sends a tool_use block's input as a JSON object, ahead of the usage object.
    const answer = JSON.stringify({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'set_budget', input: { input_tokens: 900000, output_tokens: 4096, cache_read_input_tokens: 7 } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1234, output_tokens: 56, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
    });
    const usage = emptyUsage();
    anthropicMessagesFormat.usage.scan(answer, usage);
    assert.deepEqual(usage, { input: 1234, output: 56, cacheRead: 100, cacheWrite: 0 });
  });

  it('books the usage object that ends the answer, not one inside a tool call or a value named "usage"', () => {
    const answer = JSON.stringify({
      id: 'msg_2',
      type: 'message',
      content: [
        { type: 'tool_use', id: 'toolu_2', name: 'report', input: { metric: 'usage', usage: { input_tokens: 900000, output_tokens: 4096 } } },
        { type: 'tool_use', id: 'toolu_3', name: 'note', input: { kind: 'usage', output_tokens: 777 } },
      ],
      usage: { input_tokens: 31, output_tokens: 9 },
    });
    const usage = emptyUsage();
    anthropicMessagesFormat.usage.scan(answer, usage);
    assert.deepEqual(usage, { input: 31, output: 9, cacheRead: 0, cacheWrite: 0 });
    const nulls = emptyUsage();
    openaiChatFormat.usage.scan('{"choices":[{"delta":{"content":"hi"}}],"usage":null}', nulls);
    assert.deepEqual(nulls, emptyUsage());
    const spaced = emptyUsage();
    openaiChatFormat.usage.scan('{\n  "choices": [],\n  "usage" :\n    {\n      "prompt_tokens": 12,\n      "completion_tokens": 3\n    }\n}', spaced);
    assert.deepEqual(spaced, { input: 12, output: 3, cacheRead: 0, cacheWrite: 0 });
  });

  it('reads the counts at the end of a long answer, and nothing from a text without a usage object', () => {
    const embedding = Array.from({ length: 3072 }, (_, i) => Math.sin(i) / 10);
    const answer = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":${JSON.stringify(embedding)}}],"model":"text-embedding-3-large","usage":{"prompt_tokens":8,"total_tokens":8}}`;
    const usage = emptyUsage();
    ANY_USAGE.scan(answer, usage);
    assert.deepEqual(usage, { input: 8, output: 0, cacheRead: 0, cacheWrite: 0 });
    const none = emptyUsage();
    openaiChatFormat.usage.scan('{"choices":[{"message":{"content":"the \\"usage\\" was \\"prompt_tokens\\": 5"}}],"prompt_tokens":5}', none);
    assert.deepEqual(none, emptyUsage());
  });

  it("reads OpenAI's cached tokens inside the input count", () => {
    const usage = emptyUsage();
    openaiChatFormat.usage.scan(
      '{"id":"c","choices":[],"usage":{"prompt_tokens":2006,"completion_tokens":300,"prompt_tokens_details":{"cached_tokens":1920}}}',
      usage,
    );
    assert.deepEqual(usage, { input: 2006, output: 300, cacheRead: 1920, cacheWrite: 0, cachedInInput: true });
  });
});
