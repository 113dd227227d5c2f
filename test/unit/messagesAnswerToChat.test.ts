// Guards the Anthropic Messages → Chat Completions answer translation (issue 11): a translated stream must be one
// the real `openai` SDK assembles into the same answer (text, tool calls with their arguments, finish reason,
// usage with cache reads), with argument fragments passed on as they arrive, and thinking never passed on.
import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import { messagesToChatAnswer, messagesToChatStream } from '../../src/core/translation/answerTranslation';
import { sse, sseBytes } from '../helpers/continuationFixtures';
import { parsedBySdk } from '../helpers/continuationSplice';
import { assertWellFormed } from '../helpers/wellFormedStream';
import { at } from '../helpers/json';
import { must } from '../helpers/must';

const upstream: SseEvent[] = [
  sse('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      usage: { input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 1 },
    },
  }),
  sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'secret plan' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-anthropic' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
  sse('ping', { type: 'ping' }),
  sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Listing ' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'both.' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
  sse('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'ls', input: {} } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"pa' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'th":"src"}' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 2 }),
  sse('content_block_start', { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'ls', input: {} } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"path":"test"}' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 3 }),
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
  sse('message_stop', { type: 'message_stop' }),
];

describe('translation: Anthropic Messages → Chat Completions answer', () => {
  it('streams an answer the real openai SDK assembles: text, both tool calls, finish reason, usage', async () => {
    const stream = messagesToChatStream('gpt-4.1', 1_700_000_000, true);
    const events = upstream.flatMap((e) => stream.push(e));
    assertWellFormed('chat', events);
    const completion = await parsedBySdk('chat', Buffer.from(sseBytes(events)));
    const message = completion.choices[0].message;
    assert.equal(completion.model, 'gpt-4.1');
    assert.equal(message.content, 'Listing both.');
    assert.deepEqual(
      must(message.tool_calls, 'the tool calls').map((c) => [c.id, at(c, 'function', 'name'), at(c, 'function', 'arguments')]),
      [
        ['toolu_a', 'ls', '{"path":"src"}'],
        ['toolu_b', 'ls', '{"path":"test"}'],
      ],
    );
    assert.equal(completion.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(completion.usage, { prompt_tokens: 120, completion_tokens: 42, total_tokens: 162, prompt_tokens_details: { cached_tokens: 100 } });
  });

  it('never passes thinking or its signature on, and passes argument fragments on as they arrive', () => {
    const stream = messagesToChatStream('gpt-4.1', 0, false);
    const events = upstream.slice(0, 12).flatMap((e) => stream.push(e));
    assert.doesNotMatch(events.map((e) => e.data).join(''), /secret plan|sig-anthropic/);
    assert.match(must(must(events.at(-1)).data), /"arguments":"\{\\"pa"/, 'the first fragment is out before the call is complete');
  });

  it('adds no usage chunk unless the client asked for one', () => {
    const stream = messagesToChatStream('gpt-4.1', 0, false);
    const events = upstream.flatMap((e) => stream.push(e));
    assertWellFormed('chat', events);
    assert.ok(!events.some((e) => e.data?.includes('"usage"')));
  });

  it('translates a non-streamed answer', () => {
    const answer = messagesToChatAnswer(
      {
        id: 'msg_2',
        type: 'message',
        content: [
          { type: 'thinking', thinking: 'x', signature: 's' },
          { type: 'text', text: 'Done.' },
        ],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 5, output_tokens: 9 },
      },
      'gpt-4.1',
      7,
    );
    assert.ok(answer, 'a finished answer');
    assert.deepEqual(answer, {
      id: 'chatcmpl-msg_2',
      object: 'chat.completion',
      created: 7,
      model: 'gpt-4.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Done.' }, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 },
    });
  });
});
