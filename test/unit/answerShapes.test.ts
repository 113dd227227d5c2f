// Guards the answer model's readers against shapes real providers send that the recorded replies do not cover
// (issue 20): Mistral's content chunks, OpenRouter's reasoning given twice, the deprecated function_call, arguments
// sent as an object, finish reasons beyond OpenAI's, and an Anthropic-compatible provider that states its input
// only in message_delta. Each answer is read by the real SDK of the client it is written for.
import assert from 'node:assert/strict';
import type Anthropic from '@anthropic-ai/sdk';
import { decodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { DIALECT_IDS, dialectTraits, type DialectId, type ReasoningReturn } from '../../src/core/providers/dialect';
import type { SseEvent } from '../../src/core/protocols/sse';
import {
  carriedDialect,
  chatToMessagesAnswer,
  chatToMessagesStream,
  messagesToChatStream,
  messagesToResponsesStream,
} from '../../src/core/translation/answerTranslation';
import { sse, sseBytes } from '../helpers/continuationFixtures';
import { parsedBySdk } from '../helpers/continuationSplice';
import { assertWellFormed } from '../helpers/wellFormedStream';
import { at } from '../helpers/json';
import { must } from '../helpers/must';

const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  sse('', { id: 'cmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, finish_reason: null, ...choice }], ...extra });

async function toAnthropic(events: SseEvent[], carry?: DialectId) {
  const stream = chatToMessagesStream('claude-x', undefined, carry);
  const out = events.flatMap((e) => stream.push(e));
  out.push(...stream.end());
  assertWellFormed('messages', out);
  return parsedBySdk('messages', Buffer.from(sseBytes(out)));
}

describe('answer shapes of real providers', () => {
  it('reads Mistral’s content chunks: text as text, its thinking chunks as reasoning', async () => {
    const message = await toAnthropic(
      [
        chunk({ delta: { role: 'assistant', content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Weigh it.' }] }] } }),
        chunk({ delta: { content: [{ type: 'text', text: 'Done.' }] } }),
        chunk({ delta: {}, finish_reason: 'stop' }),
        { name: '', data: '[DONE]' },
      ],
      'deepseek',
    );
    assert.deepEqual(
      message.content.map((b: { type: string; text?: string; thinking?: string }) => b.text ?? b.thinking),
      ['Weigh it.', 'Done.'],
    );
  });

  it('reads OpenRouter’s reasoning once, though it comes as `reasoning` and again in `reasoning_details`', async () => {
    const message = await toAnthropic(
      [
        chunk({ delta: { role: 'assistant', content: '', reasoning: 'Think.', reasoning_details: [{ type: 'reasoning.text', text: 'Think.', index: 0 }] } }),
        chunk({ delta: { content: 'Ok.' }, finish_reason: 'stop' }),
        { name: '', data: '[DONE]' },
      ],
      'moonshot',
    );
    assert.equal(at(message.content[0], 'thinking'), 'Think.');
  });

  it('reads the deprecated function_call and arguments sent as an object, and ends on function_call as tool_use', async () => {
    const message = await toAnthropic([
      chunk({ delta: { role: 'assistant', function_call: { name: 'Read', arguments: '{"file_path":' } } }),
      chunk({ delta: { function_call: { arguments: '"/a"}' } } }),
      chunk({ delta: {}, finish_reason: 'function_call' }),
      { name: '', data: '[DONE]' },
    ]);
    assert.deepEqual([at(message.content[0], 'name'), at(message.content[0], 'input'), message.stop_reason], ['Read', { file_path: '/a' }, 'tool_use']);
    const answer = chatToMessagesAnswer(
      {
        id: 'c',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', tool_calls: [{ id: 'x.y:1', type: 'function', function: { name: 'Read', arguments: { file_path: '/b' } } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      'claude-x',
    );
    assert.ok(answer, 'a finished answer');
    assert.deepEqual(
      (answer.content as { id: string; input: unknown }[]).map((b) => [b.id, b.input]),
      [['x_y_1', { file_path: '/b' }]],
    );
  });

  it('says a content filter as a refusal, and a second choice is left out', async () => {
    const message = await toAnthropic([
      chunk({ delta: { role: 'assistant', content: 'Par' } }),
      sse('', { id: 'cmpl-1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 1, delta: { content: 'OTHER' }, finish_reason: null }] }),
      chunk({ delta: {}, finish_reason: 'content_filter' }),
      { name: '', data: '[DONE]' },
    ]);
    assert.deepEqual([at(message.content[0], 'text'), message.stop_reason], ['Par', 'refusal']);
  });

  it('gives a Chat and a Responses client the input an Anthropic-compatible provider states only in message_delta', async () => {
    const upstream: SseEvent[] = [
      sse('message_start', {
        type: 'message_start',
        message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'glm', usage: { output_tokens: 0 } },
      }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi.' } }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { input_tokens: 70, cache_read_input_tokens: 30, output_tokens: 5 },
      }),
      sse('message_stop', { type: 'message_stop' }),
    ];
    const chat = messagesToChatStream('gpt-x', 1, true);
    const completion = await parsedBySdk('chat', Buffer.from(sseBytes(upstream.flatMap((e) => chat.push(e)))));
    const chatUsage = must(completion.usage, 'the usage');
    assert.deepEqual([chatUsage.prompt_tokens, chatUsage.prompt_tokens_details?.cached_tokens, chatUsage.completion_tokens], [100, 30, 5]);
    const responses = messagesToResponsesStream('gpt-x', 1);
    const response = await parsedBySdk('responses', Buffer.from(sseBytes(upstream.flatMap((e) => responses.push(e)))));
    const responseUsage = must(response.usage, 'the usage');
    assert.deepEqual([responseUsage.input_tokens, responseUsage.input_tokens_details.cached_tokens, responseUsage.output_tokens], [100, 30, 5]);
  });

  it('carries reasoning to the client for exactly the dialects that want it back, under their own name', async () => {
    const wants: Record<DialectId, ReasoningReturn> = Object.fromEntries(DIALECT_IDS.map((id) => [id, dialectTraits(id).reasoningReturn])) as Record<
      DialectId,
      ReasoningReturn
    >;
    for (const id of DIALECT_IDS) {
      const message = await toAnthropic(
        [
          chunk({ delta: { role: 'assistant', reasoning_content: 'Hm.' } }),
          chunk({ delta: { content: 'Ok.' }, finish_reason: 'stop' }),
          { name: '', data: '[DONE]' },
        ],
        carriedDialect(id),
      );
      const thinking = message.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking');
      if (wants[id] === 'none') assert.equal(thinking, undefined, `${id} wants no reasoning back`);
      else assert.deepEqual(decodeCarriedReasoning(thinking?.signature), { dialect: id }, `${id} gets its reasoning back`);
    }
  });
});
