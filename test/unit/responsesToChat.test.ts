// Guards the OpenAI Responses → Chat Completions request translation (issue 11): what Codex sends must become a
// request the Chat API accepts (the fake provider's rules, worded as the real API words them: every call answered
// right after it, no tool message without its call, no empty assistant message) and carry what the client asked for,
// while encrypted reasoning, which belongs to OpenAI, never leaves for another provider.
import assert from 'node:assert/strict';
import type { ChatTarget } from '../../src/core/protocols/openaiChat/requestWriter';
import { dialectTraits } from '../../src/core/providers/dialect';
import { responsesToChat } from '../helpers/requestTranslation';
import { requestProblem } from '../fakeProvider/requestRules';
import { codexRequest, ENCRYPTED, PLAN_SCHEMA, SHELL_SCHEMA } from '../helpers/codexRequest';

const target: ChatTarget = { model: 'qwen3-coder', dialect: dialectTraits('generic') };
const call = (id: string, args: string) => ({ id, type: 'function', function: { name: 'shell', arguments: args } });

describe('translation: OpenAI Responses → Chat Completions request', () => {
  it('produces a request the Chat API accepts, for the target model', () => {
    const { body } = responsesToChat(codexRequest(), target);
    assert.equal(requestProblem('chat', body), undefined);
    assert.equal(body.model, 'qwen3-coder');
  });

  it('carries instructions and the turns in order: parallel calls in one assistant message, each output right after', () => {
    const { body } = responsesToChat(codexRequest(), target);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'You are Codex, a coding agent running in a terminal.' },
      { role: 'system', content: '<permissions>sandbox: workspace-write</permissions>' },
      { role: 'user', content: '<environment_context>cwd: /repo</environment_context>' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Why does the build fail? Screenshot attached.' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [call('call_a', '{"command":["ls"]}'), call('call_b', '{"command":["cat","package.json"]}')] },
      { role: 'tool', tool_call_id: 'call_a', content: 'src\ntest' },
      { role: 'tool', tool_call_id: 'call_b', content: '{"name":"app"}' },
      { role: 'assistant', content: 'Let me run the build.', tool_calls: [call('call_c', '{"command":["npm","run","build"]}')] },
      { role: 'tool', tool_call_id: 'call_c', content: 'error TS2322 in src/a.ts' },
      { role: 'user', content: 'Fix it, see the log.' },
    ]);
  });

  it('never sends encrypted reasoning or its summary, and names what it left out', () => {
    const { body, notes } = responsesToChat(codexRequest(), target);
    assert.doesNotMatch(JSON.stringify(body), /gAAAA|Look at the files first|encrypted|reasoning/);
    assert.deepEqual(notes.dropped.sort(), [
      'an image given by file_id',
      'reasoning history',
      'reasoning.effort',
      'text.verbosity',
      'the built-in tool apply_patch',
      'the built-in tool web_search',
    ]);
    assert.ok(!JSON.stringify(body).includes(ENCRYPTED));
  });

  it('keeps function tools with their JSON Schema untouched, and drops hosted and free-form tools', () => {
    const { body } = responsesToChat(codexRequest(), target);
    assert.deepEqual(body.tools, [
      { type: 'function', function: { name: 'shell', parameters: SHELL_SCHEMA, description: 'Runs a shell command and returns its output.', strict: false } },
      { type: 'function', function: { name: 'update_plan', parameters: PLAN_SCHEMA, description: 'Updates the task plan.', strict: false } },
    ]);
    assert.equal(body.tool_choice, 'auto');
    assert.equal(body.parallel_tool_calls, true);
    for (const field of ['store', 'include', 'prompt_cache_key', 'reasoning', 'text', 'instructions', 'input']) assert.equal(body[field], undefined, field);
  });

  it('maps tool_choice, the token limit to the field the target takes, reasoning effort and streaming usage', () => {
    const choice = (tool_choice: unknown) => responsesToChat(codexRequest({ tool_choice }), target).body.tool_choice;
    assert.equal(choice('required'), 'required');
    assert.equal(choice('none'), 'none');
    assert.deepEqual(choice({ type: 'function', name: 'shell' }), { type: 'function', function: { name: 'shell' } });
    const reasoning = responsesToChat(codexRequest({ max_output_tokens: 4000, parallel_tool_calls: false }), {
      model: 'o4-mini',
      dialect: dialectTraits('openai'),
    });
    assert.equal(reasoning.body.max_completion_tokens, 4000);
    assert.equal(reasoning.body.max_tokens, undefined);
    assert.equal(reasoning.body.reasoning_effort, 'medium');
    assert.equal(reasoning.body.parallel_tool_calls, false);
    assert.ok(!reasoning.notes.dropped.includes('reasoning.effort'));
    assert.equal(requestProblem('chat', reasoning.body), undefined);
    const plain = responsesToChat(codexRequest({ max_output_tokens: 4000 }), target).body;
    assert.equal(plain.max_tokens, 4000);
    assert.equal(plain.stream, true);
    assert.deepEqual(plain.stream_options, { include_usage: true });
    const unstreamed = responsesToChat(codexRequest({ stream: false }), target).body;
    assert.equal(unstreamed.stream_options, undefined);
    assert.equal(requestProblem('chat', unstreamed), undefined);
  });

  it('maps text.format to response_format with the schema, and sampling and the user across', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const { body } = responsesToChat(
      codexRequest({ text: { format: { type: 'json_schema', name: 'verdict', schema, strict: true } }, temperature: 0.3, top_p: 0.9, user: 'u-7' }),
      target,
    );
    assert.deepEqual(body.response_format, { type: 'json_schema', json_schema: { name: 'verdict', schema, strict: true } });
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.user, 'u-7');
    assert.deepEqual(responsesToChat(codexRequest({ text: { format: { type: 'json_object' } } }), target).body.response_format, { type: 'json_object' });
  });

  it('leaves temperature and top_p out for an OpenAI reasoning model, which refuses them, and says so', () => {
    const { body, notes } = responsesToChat(codexRequest({ temperature: 0.3, top_p: 0.9 }), { model: 'gpt-5', dialect: dialectTraits('openai') });
    assert.equal(body.temperature, undefined);
    assert.equal(body.top_p, undefined);
    assert.ok(notes.dropped.includes('temperature and top_p (the reasoning model takes neither)'), notes.dropped.join(', '));
  });

  it('takes a plain string input, and leaves tool_choice out when only hosted tools came (Chat refuses it without tools)', () => {
    const { body, notes } = responsesToChat(
      { model: 'gpt-5', input: 'hello', tools: [{ type: 'web_search' }], tool_choice: 'required', parallel_tool_calls: false },
      target,
    );
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hello' }]);
    assert.equal(body.tools, undefined);
    assert.equal(body.tool_choice, undefined);
    assert.equal(body.parallel_tool_calls, undefined);
    assert.deepEqual(notes.dropped, ['the built-in tool web_search']);
    assert.equal(requestProblem('chat', body), undefined);
  });

  it('drops an output whose call was stored at OpenAI and a call never answered, rather than send what Chat refuses', () => {
    const { body, notes } = responsesToChat(
      {
        model: 'gpt-5',
        previous_response_id: 'resp_earlier',
        input: [
          { type: 'function_call_output', call_id: 'call_stored', output: 'done' },
          { type: 'message', role: 'user', content: 'next' },
          { type: 'reasoning', id: 'rs_9', summary: [], encrypted_content: ENCRYPTED },
          { type: 'function_call', call_id: 'call_open', name: 'shell', arguments: '{}' },
          { type: 'item_reference', id: 'msg_stored' },
          { type: 'message', role: 'user', content: 'and now?' },
        ],
      },
      target,
    );
    assert.equal(requestProblem('chat', body), undefined);
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'next' },
      { role: 'user', content: 'and now?' },
    ]);
    assert.deepEqual(notes.dropped.sort(), [
      'a function_call without its output',
      'a function_call_output without its function_call',
      'a item_reference item',
      'previous_response_id (earlier turns stored at OpenAI are not sent)',
      'reasoning history',
    ]);
  });

  it('moves an output up to its call when something came between, and sends a tool’s images after the tool messages', () => {
    const { body } = responsesToChat(
      {
        model: 'gpt-5',
        input: [
          { role: 'user', content: 'shoot' },
          { type: 'function_call', call_id: 'call_1', name: 'screenshot', arguments: '' },
          { role: 'user', content: 'hurry' },
          {
            type: 'function_call_output',
            call_id: 'call_1',
            output: [
              { type: 'input_text', text: 'taken' },
              { type: 'input_image', image_url: 'https://example.test/s.png', detail: 'high' },
            ],
          },
        ],
      },
      target,
    );
    assert.equal(requestProblem('chat', body), undefined);
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'shoot' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'taken' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.test/s.png', detail: 'high' } }] },
      { role: 'user', content: 'hurry' },
    ]);
  });

  it('the fake provider refuses what the real API refuses: a tool message without its call, an empty assistant message', () => {
    const orphan = {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'tool', tool_call_id: 'call_1', content: 'r' },
      ],
    };
    assert.match(requestProblem('chat', orphan) ?? '', /must be a response to a preceeding message with 'tool_calls'/);
    const empty = {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null },
      ],
    };
    assert.match(requestProblem('chat', empty) ?? '', /expected a string, got null/);
  });
});
