// The Anthropic Messages request writer (issue 20): our conversation model as the exact request Anthropic gets, and
// the notes of what it could not take. Each case gives the whole body, so a field sent that Anthropic refuses, a
// turn out of place or a default lost shows up as a difference; every body must also pass the fake provider's
// Anthropic rules.
import assert from 'node:assert/strict';
import type { Conversation, Part } from '../../src/core/conversation/conversation';
import { writeMessagesRequest } from '../../src/core/protocols/anthropicMessages/requestWriter';
import type { Wire } from '../../src/core/protocols/wire';
import { requestProblem } from '../fakeProvider/requestRules';

const EMPTY: Conversation = { system: [], turns: [], tools: [], stop: [], stream: false, notCarried: [] };
const TARGET = { model: 'claude-sonnet-4-5', defaultMaxTokens: 8192 };
const text = (value: string) => ({ kind: 'text' as const, text: value });
const user = (...parts: Part[]) => ({ role: 'user' as const, parts });
const assistant = (...parts: Part[]) => ({ role: 'assistant' as const, parts });
const HI = user(text('Hi'));
const SHELL = { name: 'shell', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } };
const body = (fields: Wire): Wire => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 8192,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  ...fields,
});

const cases: { name: string; conversation: Conversation; body: Wire; dropped?: string[] }[] = [
  {
    name: 'a plain turn: the default max_tokens, no system, no fields the client did not ask for',
    conversation: { ...EMPTY, turns: [HI] },
    body: body({}),
  },
  {
    name: 'system pieces joined without empty ones, sampling, top_k, stop sequences, streaming and the user',
    conversation: {
      ...EMPTY,
      system: ['Be brief.', '', 'Use tools.'],
      turns: [HI],
      maxTokens: 1000,
      temperature: 1,
      topK: 40,
      stop: ['END'],
      stream: true,
      user: 'user-1',
    },
    body: body({
      max_tokens: 1000,
      system: 'Be brief.\n\nUse tools.',
      temperature: 1,
      top_k: 40,
      stop_sequences: ['END'],
      stream: true,
      metadata: { user_id: 'user-1' },
    }),
  },
  {
    name: 'only empty system pieces',
    conversation: { ...EMPTY, system: [''], turns: [HI] },
    body: body({}),
  },
  {
    name: 'temperature above Anthropic’s 1 sent as 1, and top_p dropped beside it',
    conversation: { ...EMPTY, turns: [HI], temperature: 1.5, topP: 0.9 },
    body: body({ temperature: 1 }),
    dropped: ['temperature above 1 (sent as 1)', 'top_p (with temperature)'],
  },
  {
    name: 'top_p alone',
    conversation: { ...EMPTY, turns: [HI], topP: 0.9 },
    body: body({ top_p: 0.9 }),
  },
  {
    name: 'tools with their description; no tool_choice unless asked; strict schemas named',
    conversation: {
      ...EMPTY,
      turns: [HI],
      tools: [
        { ...SHELL, description: 'Runs a command.', strict: true },
        { ...SHELL, name: 'plain', strict: false },
      ],
    },
    body: body({
      tools: [
        { name: 'shell', input_schema: SHELL.parameters, description: 'Runs a command.' },
        { name: 'plain', input_schema: SHELL.parameters },
      ],
    }),
    dropped: ['strict function schemas'],
  },
  {
    name: 'a tool choice without tools (only server tools came) is not sent',
    conversation: { ...EMPTY, turns: [HI], toolChoice: { mode: 'required' }, parallelToolCalls: false },
    body: body({}),
  },
  {
    name: 'calls and results: ids fit Anthropic’s pattern alike, results before text in a merged user turn, errors flagged',
    conversation: {
      ...EMPTY,
      turns: [
        HI,
        assistant(
          text('Listing.'),
          { kind: 'tool-call', id: 'functions.Bash:0', name: 'Bash', arguments: '{"command":"ls"}' },
          { kind: 'tool-call', id: 'call_b', name: 'Read', arguments: '' },
        ),
        user(text('Also this:')),
        user(
          { kind: 'tool-result', id: 'functions.Bash:0', content: [text('a'), text('b')], error: false },
          { kind: 'tool-result', id: 'call_b', content: [], error: true },
        ),
      ],
    },
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Listing.' },
            { type: 'tool_use', id: 'functions_Bash_0', name: 'Bash', input: { command: 'ls' } },
            { type: 'tool_use', id: 'call_b', name: 'Read', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'functions_Bash_0', content: 'a\nb' },
            { type: 'tool_result', tool_use_id: 'call_b', is_error: true },
            { type: 'text', text: 'Also this:' },
          ],
        },
      ],
    }),
  },
  {
    name: 'a tool result with an image keeps its blocks',
    conversation: {
      ...EMPTY,
      turns: [
        HI,
        assistant({ kind: 'tool-call', id: 'toolu_a', name: 'Shot', arguments: '{}' }),
        user({ kind: 'tool-result', id: 'toolu_a', content: [text('shot:'), { kind: 'image', url: 'https://example.test/a.png' }], error: false }),
      ],
    },
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'Shot', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_a',
              content: [
                { type: 'text', text: 'shot:' },
                { type: 'image', source: { type: 'url', url: 'https://example.test/a.png' } },
              ],
            },
          ],
        },
      ],
    }),
  },
  {
    name: 'images: base64 of a type Anthropic takes, http and https URLs; other types and sources named',
    conversation: {
      ...EMPTY,
      turns: [
        user(
          { kind: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
          { kind: 'image', url: 'data:image/bmp;base64,Qk0=' },
          { kind: 'image', url: 'http://example.test/a.png' },
          { kind: 'image', url: 'HTTPS://example.test/b.png' },
          { kind: 'image', url: 'file:///tmp/https://example.test/c.png' },
          { kind: 'image', url: 'https:/example.test/d.png' },
          { kind: 'image', url: 'file:///tmp/data:image/png;base64,iVBORw0KGgo=' },
          text('What are these?'),
        ),
      ],
    },
    body: body({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'http://example.test/a.png' } },
            { type: 'image', source: { type: 'url', url: 'HTTPS://example.test/b.png' } },
            { type: 'text', text: 'What are these?' },
          ],
        },
      ],
    }),
    dropped: ['an image of a type Anthropic does not take (image/bmp)', 'an image source the target cannot take'],
  },
  {
    name: 'parts out of place are named: reasoning in a user turn, an image or a result in an assistant turn',
    conversation: {
      ...EMPTY,
      notCarried: ['a document block'],
      turns: [
        user(text('Hi'), { kind: 'reasoning', text: 'x', state: { kind: 'unbound' } }),
        assistant(text('Here.'), { kind: 'image', url: 'https://example.test/a.png' }, { kind: 'tool-result', id: 'x', content: [], error: false }),
        user(text('Thanks')),
      ],
    },
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Here.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
    }),
    dropped: ['a document block', 'a reasoning in a user message', 'an image in an assistant message', 'an tool-result in an assistant message'],
  },
  {
    name: 'Anthropic’s own thinking goes back signed or redacted; another provider’s is dropped and named, unbound silently',
    conversation: {
      ...EMPTY,
      turns: [
        HI,
        assistant(
          { kind: 'reasoning', text: 'Mine.', state: { kind: 'anthropic', signature: 'EqQBCkgIARABGAIiQL' } },
          { kind: 'reasoning', text: '', state: { kind: 'anthropic', redactedData: 'EmwKAhgBEgy3va3pzix' } },
          { kind: 'reasoning', text: 'DeepSeek’s.', state: { kind: 'carried', carried: { dialect: 'deepseek' } } },
          { kind: 'reasoning', text: 'Nobody’s.', state: { kind: 'unbound' } },
          text('Done.'),
        ),
        user(text('Next')),
      ],
    },
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', signature: 'EqQBCkgIARABGAIiQL', thinking: 'Mine.' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'text', text: 'Done.' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'Next' }] },
      ],
    }),
    dropped: ['reasoning kept for deepseek'],
  },
  {
    name: 'a turn left empty adds nothing: the user turns around it merge, the roles still alternate',
    conversation: {
      ...EMPTY,
      turns: [HI, assistant({ kind: 'reasoning', text: 'x', state: { kind: 'unbound' } }), user(text('Again'))],
    },
    body: body({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'text', text: 'Again' },
          ],
        },
      ],
    }),
  },
  {
    name: 'a closing assistant turn (a prefill) loses its trailing whitespace; earlier turns keep theirs',
    conversation: { ...EMPTY, turns: [HI, assistant(text('First.  ')), user(text('More')), assistant(text('Sure, \n'))] },
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'First.  ' }] },
        { role: 'user', content: [{ type: 'text', text: 'More' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Sure,' }] },
      ],
    }),
  },
  {
    name: 'a closing assistant text of only whitespace goes, and its turn with it when nothing is left',
    conversation: { ...EMPTY, turns: [HI, assistant(text(' \n'))] },
    body: body({}),
  },
  {
    name: 'a closing whitespace text after a call goes, the call stays',
    conversation: { ...EMPTY, turns: [HI, assistant({ kind: 'tool-call', id: 'toolu_a', name: 'Bash', arguments: '{}' }, text('  '))] },
    body: body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'Bash', input: {} }] },
      ],
    }),
  },
];

/** A conversation that asks for a high effort, with `fields` over it. */
const thinking = (fields: Partial<Conversation>): Conversation => ({
  ...EMPTY,
  turns: [HI],
  reasoning: { effort: 'high', askedAs: 'reasoning_effort', turnsThinkingOn: true },
  ...fields,
});
const thinkingCases: { name: string; conversation: Conversation; thinking?: Wire; dropped?: string[] }[] = [
  { name: 'an effort with room for its budget', conversation: thinking({ maxTokens: 16_001 }), thinking: { type: 'enabled', budget_tokens: 16_000 } },
  { name: 'a budget that fills max_tokens', conversation: thinking({ maxTokens: 16_000 }), dropped: ['reasoning_effort'] },
  {
    name: 'the default max_tokens leaves room for medium',
    conversation: thinking({ reasoning: { effort: 'medium', askedAs: 'thinking', turnsThinkingOn: true } }),
    thinking: { type: 'enabled', budget_tokens: 4096 },
  },
  {
    name: 'an effort that does not turn thinking on (Codex sends one always)',
    conversation: thinking({ reasoning: { effort: 'low', askedAs: 'reasoning.effort', turnsThinkingOn: false } }),
    dropped: ['reasoning.effort'],
  },
  {
    name: 'effort none, which asks for no thinking',
    conversation: thinking({ reasoning: { effort: 'none', askedAs: 'reasoning_effort', turnsThinkingOn: true } }),
  },
  {
    name: 'an effort with no budget',
    conversation: thinking({ reasoning: { effort: 'max', askedAs: 'reasoning_effort', turnsThinkingOn: true } }),
    dropped: ['reasoning_effort'],
  },
  { name: 'temperature beside it', conversation: thinking({ maxTokens: 20_000, temperature: 0.5 }), dropped: ['reasoning_effort'] },
  { name: 'top_p beside it', conversation: thinking({ maxTokens: 20_000, topP: 0.5 }), dropped: ['reasoning_effort'] },
  {
    name: 'a forced tool',
    conversation: thinking({ maxTokens: 20_000, tools: [SHELL], toolChoice: { mode: 'function', name: 'shell' } }),
    dropped: ['reasoning_effort'],
  },
  { name: 'a required tool', conversation: thinking({ maxTokens: 20_000, tools: [SHELL], toolChoice: { mode: 'required' } }), dropped: ['reasoning_effort'] },
  {
    name: 'a free tool choice',
    conversation: thinking({ maxTokens: 20_000, tools: [SHELL], toolChoice: { mode: 'auto' } }),
    thinking: { type: 'enabled', budget_tokens: 16_000 },
  },
  {
    name: 'the middle of a tool loop',
    conversation: thinking({
      maxTokens: 20_000,
      turns: [
        HI,
        assistant({ kind: 'tool-call', id: 'toolu_a', name: 'shell', arguments: '{}' }),
        user({ kind: 'tool-result', id: 'toolu_a', content: [], error: false }, text('and go on')),
      ],
    }),
    dropped: ['reasoning_effort'],
  },
  {
    name: 'a conversation ending on the assistant',
    conversation: thinking({ maxTokens: 20_000, turns: [HI, assistant(text('Sure'))] }),
    dropped: ['reasoning_effort'],
  },
  { name: 'no turns', conversation: thinking({ maxTokens: 20_000, turns: [] }), dropped: ['reasoning_effort'] },
];

const choiceCases: { name: string; fields: Partial<Conversation>; choice?: Wire }[] = [
  { name: 'auto', fields: { toolChoice: { mode: 'auto' } }, choice: { type: 'auto' } },
  { name: 'required', fields: { toolChoice: { mode: 'required' } }, choice: { type: 'any' } },
  { name: 'none', fields: { toolChoice: { mode: 'none' } }, choice: { type: 'none' } },
  { name: 'one function', fields: { toolChoice: { mode: 'function', name: 'shell' } }, choice: { type: 'tool', name: 'shell' } },
  { name: 'one call at a time alone', fields: { parallelToolCalls: false }, choice: { type: 'auto', disable_parallel_tool_use: true } },
  {
    name: 'one function, one call at a time',
    fields: { toolChoice: { mode: 'function', name: 'shell' }, parallelToolCalls: false },
    choice: { type: 'tool', name: 'shell', disable_parallel_tool_use: true },
  },
  { name: 'none, one call at a time', fields: { toolChoice: { mode: 'none' }, parallelToolCalls: false }, choice: { type: 'none' } },
  { name: 'parallel calls allowed outright', fields: { parallelToolCalls: true } },
];

describe('Anthropic Messages request writer', () => {
  for (const { name, conversation, body: expected, dropped } of cases) {
    it(name, () => {
      const written = writeMessagesRequest(conversation, TARGET);
      assert.deepStrictEqual(written.body, expected);
      assert.deepStrictEqual(written.notes.dropped, dropped ?? []);
      assert.equal(requestProblem('messages', written.body), undefined);
    });
  }

  it('turns an effort into a thinking budget only where Anthropic takes it, and names it where not', () => {
    for (const { name, conversation, thinking: expected, dropped } of thinkingCases) {
      const written = writeMessagesRequest(conversation, TARGET);
      assert.deepStrictEqual(written.body.thinking, expected, name);
      assert.deepStrictEqual(written.notes.dropped, dropped ?? [], name);
    }
  });

  it('writes each tool choice, with one call at a time where asked', () => {
    for (const { name, fields, choice } of choiceCases) {
      const written = writeMessagesRequest({ ...EMPTY, turns: [HI], tools: [SHELL], ...fields }, TARGET);
      assert.deepStrictEqual(written.body.tool_choice, choice, name);
    }
  });
});
