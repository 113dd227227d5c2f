// Guards the Anthropic Messages → Chat Completions request translation (issue 11): each translated request must be
// one the Chat API accepts (the fake provider's rules, worded as the real API words them), and must carry what the
// client asked for — system, turns, images, tools with their schema, tool results in order, limits, stops.
import assert from 'node:assert/strict';
import type { ChatTarget } from '../../src/core/protocols/openaiChat/requestWriter';
import { dialectTraits } from '../../src/core/providers/dialect';
import { messagesToChat } from '../helpers/requestTranslation';
import { requestProblem } from '../fakeProvider/requestRules';

const target: ChatTarget = { model: 'gpt-4.1', dialect: dialectTraits('generic') };
const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer', minimum: 1, maximum: 7 } },
  required: ['city'],
  additionalProperties: false,
};

/** A Claude Code-like conversation: a tool round trip (one failed call), an image, thinking, then a question. */
const conversation = {
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  system: [
    { type: 'text', text: 'You are a coding agent.' },
    { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
  ],
  messages: [
    { role: 'user', content: 'Weather in Paris and Oslo?' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Two calls.', signature: 'sig-from-anthropic' },
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { city: 'Oslo', days: 2 } },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: [
            { type: 'text', text: '18°C' },
            { type: 'text', text: 'sunny' },
          ],
        },
        { type: 'tool_result', tool_use_id: 'toolu_2', is_error: true, content: 'service down' },
        { type: 'text', text: 'And this chart?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
  ],
  tools: [{ name: 'weather', description: 'Current weather', input_schema: WEATHER_SCHEMA }],
  tool_choice: { type: 'auto', disable_parallel_tool_use: true },
  stop_sequences: ['</answer>'],
  temperature: 0.2,
  stream: true,
};

describe('translation: Anthropic Messages → Chat Completions request', () => {
  it('produces a request the Chat API accepts, for the target model', () => {
    const { body } = messagesToChat(conversation, target);
    assert.equal(requestProblem('chat', body), undefined);
    assert.equal(body.model, 'gpt-4.1');
  });

  it('carries the system prompt, the turns in order, and each tool result right after its call', () => {
    const { body } = messagesToChat(conversation, target);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'You are a coding agent.\n\nBe brief.' },
      { role: 'user', content: 'Weather in Paris and Oslo?' },
      {
        role: 'assistant',
        content: 'Checking both.',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo","days":2}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '18°C\nsunny' },
      { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: service down' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And this chart?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ]);
  });

  it('keeps the tool JSON Schema intact and maps tool_choice and parallel calls', () => {
    const { body } = messagesToChat(conversation, target);
    assert.deepEqual(body.tools, [{ type: 'function', function: { name: 'weather', parameters: WEATHER_SCHEMA, description: 'Current weather' } }]);
    assert.equal(body.tool_choice, 'auto');
    assert.equal(body.parallel_tool_calls, false);
    assert.deepEqual(messagesToChat({ ...conversation, tool_choice: { type: 'any' } }, target).body.tool_choice, 'required');
    assert.deepEqual(messagesToChat({ ...conversation, tool_choice: { type: 'tool', name: 'weather' } }, target).body.tool_choice, {
      type: 'function',
      function: { name: 'weather' },
    });
  });

  it('maps limits, stops, sampling and streaming, with the token field the target takes', () => {
    const { body } = messagesToChat(conversation, target);
    assert.equal(body.max_tokens, 4096);
    assert.deepEqual(body.stop, ['</answer>']);
    assert.equal(body.temperature, 0.2);
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    const reasoning = messagesToChat(conversation, { model: 'o4-mini', dialect: dialectTraits('openai') }).body;
    assert.equal(reasoning.max_completion_tokens, 4096);
    assert.equal(reasoning.max_tokens, undefined);
    assert.equal(requestProblem('chat', reasoning), undefined);
  });

  it('leaves temperature and top_p out for an OpenAI reasoning model, which refuses them, and says so', () => {
    const { body, notes } = messagesToChat({ ...conversation, top_p: 0.9 }, { model: 'o4-mini', dialect: dialectTraits('openai') });
    assert.equal(body.temperature, undefined);
    assert.equal(body.top_p, undefined);
    assert.ok(notes.dropped.includes('temperature and top_p (the reasoning model takes neither)'), notes.dropped.join(', '));
    assert.equal(messagesToChat({ ...conversation, top_p: 0.9 }, target).body.top_p, 0.9, 'other models still get them');
  });

  it('never sends thinking or its signature to another provider, and says it left them out', () => {
    const { body, notes } = messagesToChat({ ...conversation, thinking: { type: 'enabled', budget_tokens: 8000 } }, target);
    assert.doesNotMatch(JSON.stringify(body), /sig-from-anthropic|Two calls/);
    assert.deepEqual(notes.dropped.sort(), ['thinking', 'thinking history']);
    const effort = messagesToChat(
      { ...conversation, thinking: { type: 'enabled', budget_tokens: 8000 } },
      { model: 'o4-mini', dialect: dialectTraits('openai') },
    ).body;
    assert.equal(effort.reasoning_effort, 'medium');
  });

  it('drops an assistant turn left with nothing to say rather than send one the API refuses', () => {
    const request = {
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 's' }] },
        { role: 'user', content: 'again' },
      ],
    };
    const { body } = messagesToChat(request, target);
    assert.equal(requestProblem('chat', body), undefined);
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('names server tools it cannot carry instead of sending them', () => {
    const { body, notes } = messagesToChat({ ...conversation, tools: [...conversation.tools, { type: 'web_search_20250305', name: 'web_search' }] }, target);
    assert.equal((body.tools as unknown[]).length, 1);
    assert.ok(notes.dropped.includes('the server tool web_search'), JSON.stringify(notes.dropped));
  });

  it('the fake provider refuses what the real API refuses: a tool result without its call, a call without its result', () => {
    const orphan = {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'tool', tool_call_id: 'call_1', content: 'r' },
      ],
    };
    assert.match(requestProblem('chat', orphan) ?? '', /must be a response to a preceeding message with 'tool_calls'/);
    // Unknown fields are refused as the real APIs refuse them, so a translator cannot pass one through.
    assert.equal(
      requestProblem('chat', { model: 'm', messages: [{ role: 'user', content: 'hi' }], top_k: 5 }),
      'Unrecognized request argument supplied: top_k',
    );
    assert.equal(
      requestProblem('messages', { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }], stream_options: {} }),
      'stream_options: Extra inputs are not permitted',
    );
    const unanswered = {
      model: 'm',
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'user', content: 'x' },
      ],
    };
    assert.match(requestProblem('chat', unanswered) ?? '', /did not have response messages: call_1/);
  });
});
