// Guards the Chat Completions → Anthropic Messages request translation (issue 11): a Codex- or SDK-shaped Chat
// request must become one the Messages API accepts (the fake provider's rules, worded as the real API words them:
// roles alternate, every tool_use answered in the next turn) and carry what the client asked for.
import assert from 'node:assert/strict';
import type { MessagesTarget } from '../../src/core/protocols/anthropicMessages/requestWriter';
import { chatRequestToMessages } from '../helpers/requestTranslation';
import { requestProblem } from '../fakeProvider/requestRules';

const target: MessagesTarget = { model: 'claude-sonnet-4-5', defaultMaxTokens: 8192 };
const SCHEMA = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };

const chat = {
  model: 'gpt-4.1',
  messages: [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'developer', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'List two dirs.' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"path":"src"}' } },
        { id: 'call_2', type: 'function', function: { name: 'ls', arguments: '{"path":"test"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'a.ts b.ts' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'c.test.ts' }] },
    { role: 'user', content: 'Thanks. Now explain.' },
  ],
  tools: [{ type: 'function', function: { name: 'ls', description: 'List a directory', parameters: SCHEMA } }],
  tool_choice: 'required',
  parallel_tool_calls: false,
  max_completion_tokens: 2000,
  stop: 'END',
  temperature: 1.5,
  stream: true,
  stream_options: { include_usage: true },
  user: 'u-42',
};

describe('translation: Chat Completions → Anthropic Messages request', () => {
  it('produces a request the Messages API accepts, for the target model', () => {
    const { body } = chatRequestToMessages(chat, target);
    assert.equal(requestProblem('messages', body), undefined);
    assert.equal(body.model, 'claude-sonnet-4-5');
  });

  it('makes system and developer messages the system prompt, and answers both calls in the next user turn', () => {
    const { body } = chatRequestToMessages(chat, target);
    assert.equal(body.system, 'You are a coding agent.\n\nBe brief.');
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'List two dirs.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'ls', input: { path: 'src' } },
          { type: 'tool_use', id: 'call_2', name: 'ls', input: { path: 'test' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'a.ts b.ts' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'c.test.ts' },
          { type: 'text', text: 'Thanks. Now explain.' },
        ],
      },
    ]);
  });

  it('keeps the tool schema, and maps tool_choice, parallel calls, limits, stops, sampling and the user', () => {
    const { body, notes } = chatRequestToMessages(chat, target);
    assert.deepEqual(body.tools, [{ name: 'ls', input_schema: SCHEMA, description: 'List a directory' }]);
    assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
    assert.equal(body.max_tokens, 2000);
    assert.deepEqual(body.stop_sequences, ['END']);
    assert.equal(body.temperature, 1, 'Chat goes to 2, Anthropic to 1');
    assert.ok(notes.dropped.includes('temperature above 1 (sent as 1)'));
    assert.equal(body.stream, true);
    assert.equal(body.stream_options, undefined, 'Anthropic refuses fields it does not know');
    assert.deepEqual(body.metadata, { user_id: 'u-42' });
    const named = chatRequestToMessages({ ...chat, tool_choice: { type: 'function', function: { name: 'ls' } }, parallel_tool_calls: undefined }, target).body;
    assert.deepEqual(named.tool_choice, { type: 'tool', name: 'ls' });
  });

  it('sets the max_tokens Anthropic requires when the client sent none, and names what it could not carry', () => {
    const { body, notes } = chatRequestToMessages(
      { model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], n: 2, response_format: { type: 'json_object' } },
      target,
    );
    assert.equal(body.max_tokens, 8192);
    assert.equal(requestProblem('messages', body), undefined);
    assert.deepEqual(notes.dropped, ['n', 'response_format']);
  });

  it('keeps arguments a model got wrong where the agent can read them, since Anthropic takes only an object', () => {
    const broken = {
      ...chat,
      messages: [
        chat.messages[2],
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{"path": ' } }] },
      ],
    };
    const assistant = (chatRequestToMessages(broken, target).body.messages as { content: { input?: unknown }[] }[])[1];
    assert.deepEqual(assistant.content[0].input, { _raw_arguments: '{"path": ' });
  });

  it('the fake provider refuses what the real API refuses: a tool_result without its tool_use, a tool_use left unanswered', () => {
    const stray = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }] }] };
    assert.match(requestProblem('messages', stray) ?? '', /Each `tool_result` block must have a corresponding `tool_use` block/);
    const unanswered = {
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: 'never mind' },
      ],
    };
    assert.match(requestProblem('messages', unanswered) ?? '', /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);
  });
});
