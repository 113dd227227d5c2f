// Guards the OpenAI Responses → Anthropic Messages request translation (issue 11): what Codex sends must become a
// request the Messages API accepts (the fake provider's rules, worded as the real API words them: roles alternate,
// every tool_use answered at the head of the next turn, max_tokens present) and carry what the client asked for,
// while encrypted reasoning, which belongs to OpenAI, never leaves for another provider.
import assert from 'node:assert/strict';
import type { MessagesTarget } from '../../src/core/protocols/anthropicMessages/requestWriter';
import { responsesToMessages } from '../helpers/requestTranslation';
import { requestProblem } from '../fakeProvider/requestRules';
import { codexRequest, ENCRYPTED, PLAN_SCHEMA, SHELL_SCHEMA } from '../helpers/codexRequest';

const target: MessagesTarget = { model: 'claude-sonnet-4-5', defaultMaxTokens: 8192 };
const shell = (id: string, command: string[]) => ({ type: 'tool_use', id, name: 'shell', input: { command } });

describe('translation: OpenAI Responses → Anthropic Messages request', () => {
  it('produces a request the Messages API accepts, for the target model, with the max_tokens it requires', () => {
    const { body } = responsesToMessages(codexRequest(), target);
    assert.equal(requestProblem('messages', body), undefined);
    assert.equal(body.model, 'claude-sonnet-4-5');
    assert.equal(body.max_tokens, 8192, 'Codex sends no limit; Anthropic requires one');
    assert.equal(responsesToMessages(codexRequest({ max_output_tokens: 3000 }), target).body.max_tokens, 3000);
  });

  it('makes instructions and developer messages the system prompt, merges turns of one role, and answers calls at the head of the next turn', () => {
    const { body } = responsesToMessages(codexRequest(), target);
    assert.equal(body.system, 'You are Codex, a coding agent running in a terminal.\n\n<permissions>sandbox: workspace-write</permissions>');
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: '<environment_context>cwd: /repo</environment_context>' },
          { type: 'text', text: 'Why does the build fail? Screenshot attached.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      { role: 'assistant', content: [shell('call_a', ['ls']), shell('call_b', ['cat', 'package.json'])] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_a', content: 'src\ntest' },
          { type: 'tool_result', tool_use_id: 'call_b', content: '{"name":"app"}' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me run the build.' }, shell('call_c', ['npm', 'run', 'build'])] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_c', content: 'error TS2322 in src/a.ts' },
          { type: 'text', text: 'Fix it, see the log.' },
        ],
      },
    ]);
  });

  it('never sends encrypted reasoning, nor thinking for an effort, and names what it left out', () => {
    const { body, notes } = responsesToMessages(codexRequest(), target);
    assert.doesNotMatch(JSON.stringify(body), /gAAAA|Look at the files first|encrypted/);
    assert.ok(!JSON.stringify(body).includes(ENCRYPTED));
    assert.equal(body.thinking, undefined, 'with thinking on, Anthropic wants signed thinking in each earlier tool turn');
    assert.deepEqual(notes.dropped.sort(), [
      'an image given by file_id',
      'reasoning history',
      'reasoning.effort',
      'text.verbosity',
      'the built-in tool apply_patch',
      'the built-in tool web_search',
    ]);
  });

  it('keeps function tools with their JSON Schema untouched, and maps tool_choice and parallel_tool_calls', () => {
    const { body } = responsesToMessages(codexRequest(), target);
    assert.deepEqual(body.tools, [
      { name: 'shell', input_schema: SHELL_SCHEMA, description: 'Runs a shell command and returns its output.' },
      { name: 'update_plan', input_schema: PLAN_SCHEMA, description: 'Updates the task plan.' },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'auto' });
    const choice = (extra: Record<string, unknown>) => responsesToMessages(codexRequest(extra), target).body.tool_choice;
    assert.deepEqual(choice({ tool_choice: 'required', parallel_tool_calls: false }), { type: 'any', disable_parallel_tool_use: true });
    assert.deepEqual(choice({ tool_choice: { type: 'function', name: 'shell' } }), { type: 'tool', name: 'shell' });
    assert.deepEqual(choice({ tool_choice: 'none', parallel_tool_calls: false }), { type: 'none' });
    assert.deepEqual(choice({ tool_choice: undefined, parallel_tool_calls: false }), { type: 'auto', disable_parallel_tool_use: true });
    for (const field of ['store', 'include', 'prompt_cache_key', 'reasoning', 'text', 'instructions', 'input', 'parallel_tool_calls', 'stream_options']) {
      assert.equal(body[field], undefined, `${field}: Anthropic refuses fields it does not know`);
    }
  });

  it('caps temperature at 1, keeps one of temperature and top_p, and maps the user and streaming', () => {
    const { body, notes } = responsesToMessages(codexRequest({ temperature: 1.4, top_p: 0.9, user: 'u-7' }), target);
    assert.equal(body.temperature, 1);
    assert.equal(body.top_p, undefined, 'current Claude models refuse both');
    assert.ok(notes.dropped.includes('temperature above 1 (sent as 1)'));
    assert.ok(notes.dropped.includes('top_p (with temperature)'));
    assert.deepEqual(body.metadata, { user_id: 'u-7' });
    assert.equal(body.stream, true);
    assert.equal(responsesToMessages(codexRequest({ top_p: 0.9 }), target).body.top_p, 0.9);
  });

  it('names text.format and strict schemas it cannot carry', () => {
    const strictTools = [{ type: 'function', name: 'shell', strict: true, parameters: SHELL_SCHEMA }];
    const { notes } = responsesToMessages(codexRequest({ tools: strictTools, text: { format: { type: 'json_schema', name: 'x', schema: {} } } }), target);
    assert.ok(notes.dropped.includes('text.format'));
    assert.ok(notes.dropped.includes('strict function schemas'));
  });

  it('rewrites tool ids Anthropic refuses in the call and its result alike, and keeps broken arguments readable', () => {
    const { body } = responsesToMessages(
      {
        model: 'gpt-5',
        input: [
          { role: 'user', content: 'go' },
          { type: 'function_call', call_id: 'functions.shell:0', name: 'shell', arguments: '{"command": [' },
          { type: 'function_call_output', call_id: 'functions.shell:0', output: 'bad arguments' },
        ],
      },
      target,
    );
    assert.equal(requestProblem('messages', body), undefined);
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_shell_0', name: 'shell', input: { _raw_arguments: '{"command": [' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions_shell_0', content: 'bad arguments' }] },
    ]);
  });

  it('takes a plain string input; carries a tool’s images inside its tool_result, and drops partners that are missing', () => {
    const { body, notes } = responsesToMessages({ model: 'gpt-5', input: 'hello' }, target);
    assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }]);
    assert.deepEqual(notes.dropped, []);
    const withImages = responsesToMessages(
      {
        model: 'gpt-5',
        previous_response_id: 'resp_earlier',
        input: [
          { type: 'function_call_output', call_id: 'call_stored', output: 'done' },
          { role: 'user', content: 'shoot' },
          { type: 'function_call', call_id: 'call_1', name: 'screenshot', arguments: '{}' },
          { type: 'function_call', call_id: 'call_2', name: 'screenshot', arguments: '{}' },
          {
            type: 'function_call_output',
            call_id: 'call_1',
            output: [
              { type: 'input_text', text: 'taken' },
              { type: 'input_image', image_url: 'https://example.test/s.png' },
            ],
          },
        ],
      },
      target,
    );
    assert.equal(requestProblem('messages', withImages.body), undefined);
    assert.deepEqual(withImages.body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'shoot' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'screenshot', input: {} }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'call_1',
            content: [
              { type: 'text', text: 'taken' },
              { type: 'image', source: { type: 'url', url: 'https://example.test/s.png' } },
            ],
          },
        ],
      },
    ]);
    assert.deepEqual(withImages.notes.dropped.sort(), [
      'a function_call without its output',
      'a function_call_output without its function_call',
      'previous_response_id (earlier turns stored at OpenAI are not sent)',
    ]);
  });
});
