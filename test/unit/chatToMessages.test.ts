// Guards the Chat Completions → Anthropic Messages answer translation (issue 11): a translated stream must be one the
// real @anthropic-ai/sdk assembles into the same answer (text, tool calls with their arguments, stop reason,
// usage), with tool-call arguments passed on as they arrive rather than buffered to the end.
import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import { chatToMessagesAnswer, chatToMessagesStream } from '../../src/core/translation/answerTranslation';
import { sse, sseBytes } from '../helpers/continuationFixtures';
import { parsedBySdk } from '../helpers/continuationSplice';
import { assertWellFormed } from '../helpers/wellFormedStream';
import { must } from '../helpers/must';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  sse('', { id: 'chatcmpl-7', object: 'chat.completion.chunk', model: 'gpt-4.1', choices: [{ index: 0, delta, finish_reason: finish }] });

/** How OpenAI streams a text preface and two tool calls, the arguments in fragments, then usage and [DONE]. */
const upstream: SseEvent[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Checking ' }),
  chunk({ content: 'both.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: '"Oslo","days":2}' } }] }),
  chunk({}, 'tool_calls'),
  sse('', {
    id: 'chatcmpl-7',
    object: 'chat.completion.chunk',
    model: 'gpt-4.1',
    choices: [],
    usage: { prompt_tokens: 120, completion_tokens: 31, prompt_tokens_details: { cached_tokens: 100 } },
  }),
  { name: '', data: '[DONE]' },
];

function translate(events: SseEvent[]): SseEvent[] {
  const stream = chatToMessagesStream('claude-sonnet-4-5');
  return events.flatMap((e) => stream.push(e));
}

describe('translation: Chat Completions → Anthropic Messages answer', () => {
  it('streams an answer the real Anthropic SDK assembles: text, both tool calls with their input, stop reason, usage', async () => {
    const events = translate(upstream);
    assertWellFormed('messages', events);
    const message = await parsedBySdk('messages', Buffer.from(sseBytes(events)));
    assert.equal(message.model, 'claude-sonnet-4-5');
    assert.deepEqual(message.content, [
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_b', name: 'weather', input: { city: 'Oslo', days: 2 } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.usage.input_tokens, 20);
    assert.equal(message.usage.cache_read_input_tokens, 100);
    assert.equal(message.usage.output_tokens, 31);
  });

  it('keeps parallel calls apart when the provider gives no index or the same index to each (Gemini), by their ids', async () => {
    const call = (id: string | undefined, args: string, index?: number) => ({
      ...(index !== undefined && { index }),
      ...(id && { id, type: 'function', function: { name: 'weather', arguments: args } }),
      ...(!id && { function: { arguments: args } }),
    });
    for (const index of [undefined, 0]) {
      const events = translate([
        chunk({ role: 'assistant', tool_calls: [call('function-call-1', '{"city":', index)] }),
        chunk({ tool_calls: [call(undefined, '"Paris"}', index)] }),
        chunk({ tool_calls: [call('function-call-2', '{"city":"Oslo"}', index)] }),
        chunk({}, 'tool_calls'),
        { name: '', data: '[DONE]' },
      ]);
      assertWellFormed('messages', events);
      const message = await parsedBySdk('messages', Buffer.from(sseBytes(events)));
      assert.deepEqual(
        message.content,
        [
          { type: 'tool_use', id: 'function-call-1', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'function-call-2', name: 'weather', input: { city: 'Oslo' } },
        ],
        `index ${String(index)}`,
      );
    }
  });

  it('ends an answer with tool calls as tool_use even when the provider says "stop" (Gemini streams it so)', async () => {
    const events = translate([
      chunk({ role: 'assistant', tool_calls: [{ id: 'function-call-1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] }),
      chunk({}, 'stop'),
      { name: '', data: '[DONE]' },
    ]);
    const message = await parsedBySdk('messages', Buffer.from(sseBytes(events)));
    assert.equal(message.stop_reason, 'tool_use', 'an agent loop that waits for tool_use would stop here');
    const answer = chatToMessagesAnswer(
      {
        id: 'c',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
            finish_reason: 'stop',
          },
        ],
      },
      'claude-x',
    );
    assert.ok(answer, 'a finished answer');
    assert.equal(answer.stop_reason, 'tool_use');
  });

  it('passes each argument fragment on as it arrives, not buffered to the end of the call', () => {
    const stream = chatToMessagesStream('claude-sonnet-4-5');
    const seen = upstream.slice(0, 5).flatMap((e) => stream.push(e));
    const partial = seen
      .filter((e) => e.data?.includes('input_json_delta'))
      .map((e) => (JSON.parse(must(e.data)) as { delta: { partial_json: string } }).delta.partial_json);
    assert.deepEqual(partial, ['{"ci'], 'the first fragment reaches the client before the rest of the call has come');
  });

  it('ends a stream that stops without [DONE] with one message_stop when asked to', () => {
    const stream = chatToMessagesStream('claude-x');
    const events = [...[chunk({ content: 'Hi' }), chunk({}, 'length')].flatMap((e) => stream.push(e)), ...stream.end(), ...stream.end()];
    assertWellFormed('messages', events);
    assert.match(must(must(events.at(-2)).data), /"stop_reason":"max_tokens"/);
  });

  it('does not pass reasoning deltas on: an unsigned thinking block would be refused when sent back to Anthropic', () => {
    const events = translate([chunk({ reasoning_content: 'hmm' }), chunk({ content: 'Done.' }, 'stop'), { name: '', data: '[DONE]' }]);
    assertWellFormed('messages', events);
    assert.doesNotMatch(events.map((e) => e.data).join(''), /hmm|thinking/);
  });

  it('translates a non-streamed answer with its tool calls, stop reason and usage', () => {
    const chat = {
      id: 'chatcmpl-9',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'On it.',
            tool_calls: [{ id: 'call_z', type: 'function', function: { name: 'ls', arguments: '{"path":"."}' } }],
          },
        },
      ],
      usage: { prompt_tokens: 50, completion_tokens: 7 },
    };
    assert.deepEqual(chatToMessagesAnswer(chat, 'claude-x'), {
      id: 'msg_chatcmpl-9',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'On it.' },
        { type: 'tool_use', id: 'call_z', name: 'ls', input: { path: '.' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 50, output_tokens: 7 },
    });
  });
});
