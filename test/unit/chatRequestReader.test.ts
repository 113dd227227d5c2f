// The OpenAI Chat Completions request reader (issue 20): what a Chat client sends, read into our conversation
// model field by field. Each case gives the whole conversation the reader must produce, so a field lost, a default
// changed or a loss left unnamed shows up as a difference.
import assert from 'node:assert/strict';
import type { Conversation } from '../../src/core/conversation/conversation';
import { readChatRequest } from '../../src/core/protocols/openaiChat/requestReader';
import type { Wire } from '../../src/core/protocols/wire';

const EMPTY: Conversation = { system: [], turns: [], tools: [], stop: [], stream: false, notCarried: [] };
const text = (value: string) => ({ kind: 'text' as const, text: value });
const result = (id: string, content: { kind: 'text'; text: string }[]) => ({
  role: 'user' as const,
  parts: [{ kind: 'tool-result' as const, id, content, error: false }],
});

const cases: { name: string; request: Wire; expected: Conversation }[] = [
  { name: 'an empty request', request: {}, expected: EMPTY },
  {
    name: 'system and developer messages (parts joined by lines), user text, sampling, limits, a stop string and the user',
    request: {
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Be brief.' },
            { type: 'text', text: 'Use tools.' },
          ],
        },
        { role: 'developer', content: 'Plan first.' },
        { role: 'user', content: 'Hello' },
        { content: '' },
      ],
      stream: true,
      max_tokens: 1024,
      temperature: 0.5,
      top_p: 0.9,
      stop: 'END',
      parallel_tool_calls: true,
      user: 'user-1',
      reasoning_effort: 'high',
      response_format: { type: 'json_object' },
    },
    expected: {
      ...EMPTY,
      system: ['Be brief.\nUse tools.', 'Plan first.'],
      turns: [
        { role: 'user', parts: [text('Hello')] },
        { role: 'user', parts: [] },
      ],
      stream: true,
      maxTokens: 1024,
      temperature: 0.5,
      topP: 0.9,
      stop: ['END'],
      parallelToolCalls: true,
      user: 'user-1',
      reasoning: { effort: 'high', askedAs: 'reasoning_effort', turnsThinkingOn: true },
      responseFormat: { format: { type: 'json_object' }, askedAs: 'response_format' },
    },
  },
  {
    name: 'max_completion_tokens before max_tokens, stop lists without non-strings',
    request: { max_completion_tokens: 2048, max_tokens: 1024, stop: ['END', 3, 'STOP'] },
    expected: { ...EMPTY, maxTokens: 2048, stop: ['END', 'STOP'] },
  },
  {
    name: 'fields of the wrong type are left out',
    request: {
      stream: 'yes',
      max_completion_tokens: '2048',
      max_tokens: '1024',
      temperature: '0.5',
      top_p: null,
      stop: 3,
      parallel_tool_calls: 'no',
      user: 42,
      reasoning_effort: 5,
      response_format: 'json',
      tool_choice: { type: 'function' },
    },
    expected: EMPTY,
  },
  {
    name: 'user parts: text, images with their detail (auto left out), and audio and files named',
    request: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'text' },
            { type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.test/b.png', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.test/c.png', detail: 'auto' } },
            { type: 'image_url' },
            { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-1' } },
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
            text('Look:'),
            text(''),
            { kind: 'image', url: 'https://example.test/a.png', detail: 'low' },
            { kind: 'image', url: 'https://example.test/b.png', detail: 'high' },
            { kind: 'image', url: 'https://example.test/c.png' },
            { kind: 'image', url: '' },
          ],
        },
      ],
      notCarried: ['a input_audio part', 'a file part', 'a unknown part'],
    },
  },
  {
    name: 'assistant messages: text without images, tool calls with missing fields as empty; tool messages as results',
    request: {
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Listing.' },
            { type: 'image_url', image_url: { url: 'https://example.test/a.png' } },
          ],
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{"cmd":"ls"}' } },
            { id: 'call_b', type: 'function', function: { name: 'read' } },
            { type: 'function' },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'a\nb' },
        {
          role: 'tool',
          tool_call_id: 'call_b',
          content: [
            { type: 'text', text: 'one' },
            { type: 'text', text: 'two' },
          ],
        },
        { role: 'tool', content: '' },
        { role: 'assistant', content: null },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        {
          role: 'assistant',
          parts: [
            text('Listing.'),
            { kind: 'tool-call', id: 'call_a', name: 'shell', arguments: '{"cmd":"ls"}' },
            { kind: 'tool-call', id: 'call_b', name: 'read', arguments: '' },
            { kind: 'tool-call', id: '', name: '', arguments: '' },
          ],
        },
        result('call_a', [text('a\nb')]),
        result('call_b', [text('one\ntwo')]),
        result('', []),
        { role: 'assistant', parts: [] },
      ],
    },
  },
  {
    name: 'function tools with their schema and description; other tools named',
    request: {
      tools: [
        {
          type: 'function',
          function: { name: 'shell', description: 'Runs a command.', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
        },
        { type: 'function', function: { description: 5 } },
        { type: 'function' },
        { type: 'custom', custom: { name: 'apply_patch' } },
        { function: { name: 'untyped' } },
      ],
    },
    expected: {
      ...EMPTY,
      tools: [
        { name: 'shell', description: 'Runs a command.', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
        { name: '', parameters: { type: 'object', properties: {} } },
      ],
      notCarried: ['a function tool', 'a custom tool', 'a unknown tool'],
    },
  },
  {
    name: 'what only Chat can say is named: n above 1, logprobs, seed and penalties',
    request: { n: 2, logprobs: false, seed: 0, presence_penalty: 0.5, frequency_penalty: 0.5 },
    expected: { ...EMPTY, notCarried: ['n', 'logprobs', 'seed', 'presence_penalty', 'frequency_penalty'] },
  },
  {
    name: 'n of 1 and null fields are not named, the others beside them are',
    request: { n: 1, logprobs: null, seed: 7 },
    expected: { ...EMPTY, notCarried: ['seed'] },
  },
];

const choiceCases: { choice: unknown; mode?: Conversation['toolChoice'] }[] = [
  { choice: 'auto', mode: { mode: 'auto' } },
  { choice: 'none', mode: { mode: 'none' } },
  { choice: 'required', mode: { mode: 'required' } },
  { choice: { type: 'function', function: { name: 'shell' } }, mode: { mode: 'function', name: 'shell' } },
  { choice: { type: 'function', function: { name: 3 } } },
  { choice: 'sometimes' },
];

describe('OpenAI Chat request reader', () => {
  for (const { name, request, expected } of cases) {
    it(name, () => {
      assert.deepStrictEqual(readChatRequest(request), expected);
    });
  }

  it('reads each tool_choice', () => {
    for (const { choice, mode } of choiceCases) {
      assert.deepStrictEqual(readChatRequest({ tool_choice: choice }), mode ? { ...EMPTY, toolChoice: mode } : EMPTY, JSON.stringify(choice));
    }
  });
});
