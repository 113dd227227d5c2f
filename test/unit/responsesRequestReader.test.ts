// The OpenAI Responses request reader (issue 20): what Codex sends, read into our conversation model field by
// field. Each case gives the whole conversation the reader must produce, so a field lost, a default changed or a
// loss left unnamed shows up as a difference; the writers' suites check what each target then gets.
import assert from 'node:assert/strict';
import type { Conversation } from '../../src/core/conversation/conversation';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { readResponsesRequest } from '../../src/core/protocols/openaiResponses/requestReader';
import type { Wire } from '../../src/core/protocols/wire';

const EMPTY: Conversation = { system: [], turns: [], tools: [], stop: [], stream: false, notCarried: [] };
const DEEPSEEK = encodeCarriedReasoning({ dialect: 'deepseek' });
const call = (id: string, name = 'shell', args = '{}') => ({ kind: 'tool-call' as const, id, name, arguments: args });
const result = (id: string, text: string) => ({ kind: 'tool-result' as const, id, content: [{ kind: 'text' as const, text }], error: false });

const cases: { name: string; request: Wire; expected: Conversation }[] = [
  { name: 'an empty request', request: {}, expected: EMPTY },
  {
    name: 'empty instructions and an empty input string',
    request: { instructions: '', input: '', stream: true },
    expected: { ...EMPTY, stream: true },
  },
  {
    name: 'instructions and an input string',
    request: { instructions: 'Be brief.', input: 'Hello' },
    expected: { ...EMPTY, system: ['Be brief.'], turns: [{ role: 'user', parts: [{ kind: 'text', text: 'Hello' }] }] },
  },
  {
    name: 'system and developer messages, text parts joined, a message without a type, empty ones',
    request: {
      input: [
        {
          type: 'message',
          role: 'system',
          content: [
            { type: 'input_text', text: 'One ' },
            { type: 'text', text: 'two' },
          ],
        },
        { role: 'developer', content: 'Three' },
        { role: 'user', content: '' },
        { role: 'user', content: [{ type: 'input_text' }, { type: 'input_text', text: 'Hi' }] },
        { role: 'assistant', content: '' },
      ],
    },
    expected: {
      ...EMPTY,
      system: ['One two', 'Three'],
      turns: [
        { role: 'user', parts: [] },
        {
          role: 'user',
          parts: [
            { kind: 'text', text: '' },
            { kind: 'text', text: 'Hi' },
          ],
        },
        { role: 'assistant', parts: [] },
      ],
    },
  },
  {
    name: 'images: detail low or high kept, auto left out, file ids, empty and missing URLs and other parts named',
    request: {
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'https://example.test/a.png', detail: 'high' },
            { type: 'input_image', image_url: 'https://example.test/b.png', detail: 'low' },
            { type: 'input_image', image_url: 'https://example.test/c.png', detail: 'auto' },
            { type: 'input_image', image_url: '' },
            { type: 'input_image', file_id: 'file-1' },
            { type: 'image_url', image_url: 'https://example.test/chat-style.png' },
            { type: 'input_file', file_id: 'file-2' },
            { type: 'input_audio' },
            { text: 'no type' },
          ],
        },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        {
          role: 'user',
          parts: [
            { kind: 'image', url: 'https://example.test/a.png', detail: 'high' },
            { kind: 'image', url: 'https://example.test/b.png', detail: 'low' },
            { kind: 'image', url: 'https://example.test/c.png' },
          ],
        },
      ],
      notCarried: ['an image given by file_id', 'a image_url part', 'a input_file part', 'a input_audio part', 'a unknown part'],
    },
  },
  {
    name: 'an assistant message: output text and a refusal as its text, an image named',
    request: {
      input: [
        {
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'I cannot ' },
            { type: 'refusal', refusal: 'do that.' },
            { type: 'refusal' },
            { type: 'input_image', image_url: 'https://example.test/a.png' },
          ],
        },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [{ role: 'assistant', parts: [{ kind: 'text', text: 'I cannot do that.' }] }],
      notCarried: ['an image in an assistant message'],
    },
  },
  {
    name: 'calls as the first items, joined into one turn, outputs moved up to them; a string or parts as output',
    request: {
      input: [
        { type: 'function_call', call_id: 'call_a', name: 'shell', arguments: '{"cmd":"ls"}' },
        { type: 'function_call', call_id: 'call_b', name: 'read' },
        { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: 'file' }] },
        { type: 'function_call_output', call_id: 'call_a', output: 'a\nb' },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        { role: 'assistant', parts: [call('call_a', 'shell', '{"cmd":"ls"}'), call('call_b', 'read', '')] },
        { role: 'user', parts: [result('call_a', 'a\nb')] },
        { role: 'user', parts: [result('call_b', 'file')] },
      ],
    },
  },
  {
    name: 'a call without id, name or arguments pairs with an output without id',
    request: { input: [{ type: 'function_call' }, { type: 'function_call_output', output: '' }] },
    expected: {
      ...EMPTY,
      turns: [
        { role: 'assistant', parts: [call('', '', '')] },
        { role: 'user', parts: [{ kind: 'tool-result', id: '', content: [], error: false }] },
      ],
    },
  },
  {
    name: 'a second output for the same call, an output before its call and a call never answered are dropped and named',
    request: {
      input: [
        { role: 'user', content: 'Go' },
        { type: 'function_call_output', call_id: 'call_early', output: 'too soon' },
        { type: 'function_call', call_id: 'call_early', name: 'shell', arguments: '{}' },
        { type: 'function_call', call_id: 'call_a', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'first' },
        { type: 'function_call_output', call_id: 'call_a', output: 'second' },
        { role: 'assistant', content: 'Now this.' },
        { type: 'function_call', call_id: 'call_lost', name: 'shell', arguments: '{}' },
        { role: 'user', content: 'Next' },
        { type: 'function_call', call_id: 'call_lost_too', name: 'shell', arguments: '{}' },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        { role: 'user', parts: [{ kind: 'text', text: 'Go' }] },
        { role: 'assistant', parts: [call('call_a')] },
        { role: 'user', parts: [result('call_a', 'first')] },
        { role: 'assistant', parts: [{ kind: 'text', text: 'Now this.' }] },
        { role: 'user', parts: [{ kind: 'text', text: 'Next' }] },
      ],
      notCarried: ['a function_call_output without its function_call', 'a function_call without its output'],
    },
  },
  {
    name: 'carried reasoning goes with the turn after it: its full text where given, else its summary; other reasoning is named',
    request: {
      input: [
        { role: 'user', content: 'Go' },
        {
          type: 'reasoning',
          content: [{ type: 'reasoning_text', text: 'Full ' }, { type: 'other' }, { type: 'reasoning_text', text: 'thought.' }],
          summary: [{ type: 'summary_text', text: 'Short.' }],
          encrypted_content: DEEPSEEK,
        },
        { role: 'assistant', content: 'Listing.' },
        { type: 'function_call', call_id: 'call_a', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'ok' },
        {
          type: 'reasoning',
          content: [{ type: 'other', text: 'x' }],
          summary: [{ type: 'summary_text', text: 'Sum ' }, { type: 'summary_text' }, { text: 'up.' }],
          encrypted_content: DEEPSEEK,
        },
        { type: 'function_call', call_id: 'call_b', name: 'shell', arguments: '{}' },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Joins the open turn.' }], encrypted_content: DEEPSEEK },
        { type: 'function_call', call_id: 'call_c', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_b', output: 'b' },
        { type: 'function_call_output', call_id: 'call_c', output: 'c' },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'OpenAI’s own.' }], encrypted_content: 'gAAAAB-openai' },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        { role: 'user', parts: [{ kind: 'text', text: 'Go' }] },
        {
          role: 'assistant',
          parts: [
            { kind: 'reasoning', text: 'Full thought.', state: { kind: 'carried', carried: { dialect: 'deepseek' } } },
            { kind: 'text', text: 'Listing.' },
            call('call_a'),
          ],
        },
        { role: 'user', parts: [result('call_a', 'ok')] },
        {
          role: 'assistant',
          parts: [
            { kind: 'reasoning', text: 'Sum up.', state: { kind: 'carried', carried: { dialect: 'deepseek' } } },
            { kind: 'reasoning', text: 'Joins the open turn.', state: { kind: 'carried', carried: { dialect: 'deepseek' } } },
            call('call_b'),
            call('call_c'),
          ],
        },
        { role: 'user', parts: [result('call_b', 'b')] },
        { role: 'user', parts: [result('call_c', 'c')] },
      ],
      notCarried: ['reasoning history'],
    },
  },
  {
    name: 'items of hosted tools and stored references are named',
    request: { input: [{ type: 'web_search_call', id: 'ws_1' }, { type: 'item_reference', id: 'msg_1' }, { type: 42 }] },
    expected: { ...EMPTY, notCarried: ['a web_search_call item', 'a item_reference item', 'a unknown item'] },
  },
  {
    name: 'function tools with their schema, description and strictness; hosted and custom tools named',
    request: {
      tools: [
        {
          type: 'function',
          name: 'shell',
          description: 'Runs a command.',
          strict: true,
          parameters: { type: 'object', properties: { cmd: { type: 'string' } } },
        },
        { type: 'function', name: 'plain', strict: false },
        { type: 'function', description: 3, strict: 'yes', parameters: 'none' },
        { type: 'web_search' },
        { type: 'custom', name: 'apply_patch' },
        { name: 7 },
      ],
    },
    expected: {
      ...EMPTY,
      tools: [
        { name: 'shell', description: 'Runs a command.', strict: true, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
        { name: 'plain', strict: false, parameters: { type: 'object', properties: {} } },
        { name: '', parameters: { type: 'object', properties: {} } },
      ],
      notCarried: ['the built-in tool web_search', 'the built-in tool apply_patch', 'the built-in tool unknown'],
    },
  },
  {
    name: 'sampling, limits, parallel calls, effort, a JSON schema answer and the user',
    request: {
      max_output_tokens: 4000,
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      reasoning: { effort: 'high', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'plan', description: 'A plan.', strict: true, schema: { type: 'object' } } },
      user: 'user-1',
    },
    expected: {
      ...EMPTY,
      maxTokens: 4000,
      temperature: 0.2,
      topP: 0.9,
      parallelToolCalls: false,
      reasoning: { effort: 'high', askedAs: 'reasoning.effort', turnsThinkingOn: false },
      responseFormat: {
        format: { type: 'json_schema', json_schema: { name: 'plan', schema: { type: 'object' }, description: 'A plan.', strict: true } },
        askedAs: 'text.format',
      },
      user: 'user-1',
    },
  },
  {
    name: 'fields of the wrong type are left out; a JSON schema without name or schema gets both',
    request: {
      max_output_tokens: '4000',
      temperature: '0.2',
      top_p: null,
      parallel_tool_calls: 'no',
      reasoning: { effort: 3 },
      text: { format: { type: 'json_schema', description: 5, strict: 'yes' } },
      user: 42,
      tool_choice: 7,
    },
    expected: { ...EMPTY, responseFormat: { format: { type: 'json_schema', json_schema: { name: 'response', schema: {} } }, askedAs: 'text.format' } },
  },
  {
    name: 'a JSON object answer; a text answer is no format',
    request: { text: { format: { type: 'json_object' } } },
    expected: { ...EMPTY, responseFormat: { format: { type: 'json_object' }, askedAs: 'text.format' } },
  },
  { name: 'a text answer', request: { text: { format: { type: 'text' } } }, expected: EMPTY },
  {
    name: 'what only OpenAI can honour is named; its defaults are not',
    request: {
      previous_response_id: 'resp_1',
      conversation: { id: 'conv_1' },
      prompt: { id: 'pmpt_1' },
      truncation: 'auto',
      background: true,
      top_logprobs: 2,
      max_tool_calls: 3,
      service_tier: 'flex',
      text: { verbosity: 'low' },
    },
    expected: {
      ...EMPTY,
      notCarried: [
        'previous_response_id (earlier turns stored at OpenAI are not sent)',
        'conversation (earlier turns stored at OpenAI are not sent)',
        'prompt (a template stored at OpenAI)',
        'truncation: auto',
        'background',
        'top_logprobs',
        'max_tool_calls',
        'service_tier',
        'text.verbosity',
      ],
    },
  },
  {
    name: 'defaults and values of the wrong type for those fields are not named',
    request: { truncation: 'disabled', background: 'yes', top_logprobs: '2', max_tool_calls: '3', service_tier: 'auto', previous_response_id: 5 },
    expected: EMPTY,
  },
  { name: 'the default service tier', request: { service_tier: 'default' }, expected: EMPTY },
  { name: 'a service tier of the wrong type', request: { service_tier: 1 }, expected: EMPTY },
];

const choiceCases: { choice: unknown; mode: Conversation['toolChoice']; notCarried?: string[] }[] = [
  { choice: 'auto', mode: { mode: 'auto' } },
  { choice: 'none', mode: { mode: 'none' } },
  { choice: 'required', mode: { mode: 'required' } },
  { choice: { type: 'function', name: 'shell' }, mode: { mode: 'function', name: 'shell' } },
  {
    choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'shell' }] },
    mode: { mode: 'required' },
    notCarried: ['tool_choice allowed_tools (every tool stays offered)'],
  },
  { choice: { type: 'allowed_tools', mode: 'auto', tools: [] }, mode: { mode: 'auto' }, notCarried: ['tool_choice allowed_tools (every tool stays offered)'] },
  { choice: { type: 'web_search_preview' }, mode: { mode: 'auto' }, notCarried: ['tool_choice web_search_preview'] },
  { choice: { type: 'function' }, mode: { mode: 'auto' }, notCarried: ['tool_choice function'] },
  { choice: { name: 'shell' }, mode: { mode: 'auto' }, notCarried: ['tool_choice unknown'] },
  { choice: 'sometimes', mode: undefined },
];

describe('OpenAI Responses request reader', () => {
  for (const { name, request, expected } of cases) {
    it(name, () => {
      assert.deepStrictEqual(readResponsesRequest(request), expected);
    });
  }

  it('reads each tool_choice, an allowed subset by its mode and a hosted tool as auto', () => {
    for (const { choice, mode, notCarried } of choiceCases) {
      const expected: Conversation = { ...EMPTY, notCarried: notCarried ?? [] };
      if (mode) expected.toolChoice = mode;
      assert.deepStrictEqual(readResponsesRequest({ tool_choice: choice }), expected, JSON.stringify(choice));
    }
  });
});
