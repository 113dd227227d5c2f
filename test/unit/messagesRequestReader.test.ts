// The Anthropic Messages request reader (issue 20): what Claude Code sends, read into our conversation model field
// by field. Each case gives the whole conversation the reader must produce, so a field lost, a default changed, a
// thinking block bound to the wrong provider or a loss left unnamed shows up as a difference.
import assert from 'node:assert/strict';
import type { Conversation } from '../../src/core/conversation/conversation';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { readMessagesRequest } from '../../src/core/protocols/anthropicMessages/requestReader';
import type { Wire } from '../../src/core/protocols/wire';

const EMPTY: Conversation = { system: [], turns: [], tools: [], stop: [], stream: false, notCarried: [] };
const text = (value: string) => ({ kind: 'text' as const, text: value });
const user = (...parts: Conversation['turns'][number]['parts']) => ({ role: 'user' as const, parts });
const assistant = (...parts: Conversation['turns'][number]['parts']) => ({ role: 'assistant' as const, parts });

const cases: { name: string; request: Wire; expected: Conversation }[] = [
  { name: 'an empty request', request: {}, expected: EMPTY },
  {
    name: 'system blocks joined, string content, stop sequences without non-strings, sampling, limits and the user',
    request: {
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Use tools.' },
      ],
      messages: [{ role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi' }, { content: 'no role' }],
      stop_sequences: ['END', 7, 'STOP'],
      stream: true,
      max_tokens: 1024,
      temperature: 0.5,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: 'user-1' },
    },
    expected: {
      ...EMPTY,
      system: ['Be brief.\n\nUse tools.'],
      turns: [user(text('Hello')), assistant(text('Hi')), user(text('no role'))],
      stop: ['END', 'STOP'],
      stream: true,
      maxTokens: 1024,
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      user: 'user-1',
    },
  },
  {
    name: 'fields of the wrong type are left out',
    request: {
      system: '',
      stop_sequences: 'END',
      stream: 'yes',
      max_tokens: '1024',
      temperature: '0.5',
      top_p: null,
      top_k: '40',
      metadata: { user_id: 42 },
      tool_choice: { type: 'sometimes' },
    },
    expected: EMPTY,
  },
  {
    name: 'a user message: text, images by base64 or URL, images the target cannot take and other blocks named',
    request: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look:' },
            { type: 'text' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.test/a.png' } },
            { type: 'image', source: { type: 'base64', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png' } },
            { type: 'image', source: { type: 'url' } },
            { type: 'image', source: { type: 'file', file_id: 'file_1' } },
            { type: 'image' },
            { type: 'document', source: { type: 'text', data: 'a document' } },
            { text: 'no type' },
          ],
        },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        user(text('Look:'), text(''), { kind: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' }, { kind: 'image', url: 'https://example.test/a.png' }),
      ],
      notCarried: ['an image source the target cannot take', 'a document block', 'a unknown block'],
    },
  },
  {
    name: 'tool results: string or block content, images in them, error flags, missing ids',
    request: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_a', content: 'done' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_b',
              is_error: true,
              content: [
                { type: 'text', text: 'failed' },
                { type: 'text' },
                { type: 'image', source: { type: 'url', url: 'https://example.test/shot.png' } },
                { type: 'image', source: { type: 'file', file_id: 'file_1' } },
                { type: 'document' },
              ],
            },
            { type: 'tool_result', is_error: 'yes' },
            { type: 'text', text: 'Go on.' },
          ],
        },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        user(
          { kind: 'tool-result', id: 'toolu_a', content: [text('done')], error: false },
          { kind: 'tool-result', id: 'toolu_b', content: [text('failed'), text(''), { kind: 'image', url: 'https://example.test/shot.png' }], error: true },
          { kind: 'tool-result', id: '', content: [], error: false },
          text('Go on.'),
        ),
      ],
      notCarried: ['an image source the target cannot take', 'a document block in a tool result'],
    },
  },
  {
    name: 'a tool result of a document alone: the loss is named',
    request: {
      messages: [
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_a', content: [{ type: 'document', source: { type: 'text', data: 'x' } }, {}] }] },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [user({ kind: 'tool-result', id: 'toolu_a', content: [], error: false })],
      notCarried: ['a document block in a tool result', 'a unknown block in a tool result'],
    },
  },
  {
    name: 'an assistant message: text, tool calls with their input as JSON, thinking bound to whoever made it, other blocks named',
    request: {
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Anthropic’s own.', signature: 'EqQBCkgIARABGAIiQL' },
            { type: 'thinking', thinking: 'DeepSeek’s.', signature: encodeCarriedReasoning({ dialect: 'deepseek' }) },
            { type: 'thinking', thinking: 'A cut carrier.', signature: 'kbr1.not-json' },
            { type: 'thinking', thinking: 'Unsigned.' },
            { type: 'thinking', signature: 42 },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'redacted_thinking' },
            { type: 'text', text: 'Listing.' },
            { type: 'text' },
            { type: 'tool_use', id: 'toolu_a', name: 'Bash', input: { command: 'ls' } },
            { type: 'tool_use' },
            { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search' },
            {},
          ],
        },
      ],
    },
    expected: {
      ...EMPTY,
      turns: [
        assistant(
          { kind: 'reasoning', text: 'Anthropic’s own.', state: { kind: 'anthropic', signature: 'EqQBCkgIARABGAIiQL' } },
          { kind: 'reasoning', text: 'DeepSeek’s.', state: { kind: 'carried', carried: { dialect: 'deepseek' } } },
          { kind: 'reasoning', text: 'A cut carrier.', state: { kind: 'unbound' } },
          { kind: 'reasoning', text: 'Unsigned.', state: { kind: 'unbound' } },
          { kind: 'reasoning', text: '', state: { kind: 'unbound' } },
          { kind: 'reasoning', text: '', state: { kind: 'anthropic', redactedData: 'EmwKAhgBEgy3va3pzix' } },
          { kind: 'reasoning', text: '', state: { kind: 'anthropic', redactedData: '' } },
          text('Listing.'),
          text(''),
          { kind: 'tool-call', id: 'toolu_a', name: 'Bash', arguments: '{"command":"ls"}' },
          { kind: 'tool-call', id: '', name: '', arguments: '{}' },
        ),
      ],
      notCarried: ['a server_tool_use block', 'a unknown block'],
    },
  },
  {
    name: 'client tools with their schema and description; server tools named',
    request: {
      tools: [
        { name: 'Bash', description: 'Runs a command.', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
        { type: 'custom', name: 'Read', description: 5 },
        { description: 'no name' },
        { type: 'web_search_20250305', name: 'web_search' },
        { type: 'code_execution_20250522' },
      ],
    },
    expected: {
      ...EMPTY,
      tools: [
        { name: 'Bash', description: 'Runs a command.', parameters: { type: 'object', properties: { command: { type: 'string' } } } },
        { name: 'Read', parameters: { type: 'object', properties: {} } },
        { name: '', description: 'no name', parameters: { type: 'object', properties: {} } },
      ],
      notCarried: ['the server tool web_search', 'the server tool code_execution_20250522'],
    },
  },
];

const choiceCases: { choice: unknown; expected: Partial<Conversation> }[] = [
  { choice: { type: 'auto' }, expected: { toolChoice: { mode: 'auto' } } },
  { choice: { type: 'any' }, expected: { toolChoice: { mode: 'required' } } },
  { choice: { type: 'none' }, expected: { toolChoice: { mode: 'none' } } },
  { choice: { type: 'tool', name: 'Bash' }, expected: { toolChoice: { mode: 'function', name: 'Bash' } } },
  { choice: { type: 'tool' }, expected: {} },
  { choice: { type: 'auto', disable_parallel_tool_use: true }, expected: { toolChoice: { mode: 'auto' }, parallelToolCalls: false } },
  { choice: { type: 'any', disable_parallel_tool_use: false }, expected: { toolChoice: { mode: 'required' } } },
  { choice: { disable_parallel_tool_use: true }, expected: { parallelToolCalls: false } },
  { choice: 'auto', expected: {} },
];

const thinkingCases: { thinking: unknown; effort?: string }[] = [
  { thinking: { type: 'adaptive' }, effort: 'medium' },
  { thinking: { type: 'enabled', budget_tokens: 1024 }, effort: 'low' },
  { thinking: { type: 'enabled', budget_tokens: 3999 }, effort: 'low' },
  { thinking: { type: 'enabled', budget_tokens: 4000 }, effort: 'medium' },
  { thinking: { type: 'enabled', budget_tokens: 15_999 }, effort: 'medium' },
  { thinking: { type: 'enabled', budget_tokens: 16_000 }, effort: 'high' },
  { thinking: { type: 'enabled' }, effort: 'low' },
  { thinking: { type: 'disabled' } },
  { thinking: 'enabled' },
];

describe('Anthropic Messages request reader', () => {
  for (const { name, request, expected } of cases) {
    it(name, () => {
      assert.deepStrictEqual(readMessagesRequest(request), expected);
    });
  }

  it('reads each tool_choice, and one tool call at a time', () => {
    for (const { choice, expected } of choiceCases) {
      assert.deepStrictEqual(readMessagesRequest({ tool_choice: choice }), { ...EMPTY, ...expected }, JSON.stringify(choice));
    }
  });

  it('reads a thinking budget as an effort, at the edges of each step, and turns thinking on for it', () => {
    for (const { thinking, effort } of thinkingCases) {
      const expected: Conversation = effort === undefined ? EMPTY : { ...EMPTY, reasoning: { effort, askedAs: 'thinking', turnsThinkingOn: true } };
      assert.deepStrictEqual(readMessagesRequest({ thinking }), expected, JSON.stringify(thinking));
    }
  });
});
