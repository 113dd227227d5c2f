// The OpenAI Chat Completions request writer (issue 20): our conversation model as the exact request each Chat
// dialect gets, and the notes of what it could not take. Each case gives the whole body, so a field sent that a
// provider refuses, a message out of place, reasoning given to the wrong provider or a default lost shows up as a
// difference; every body must also pass the fake provider's Chat rules.
import assert from 'node:assert/strict';
import type { Conversation, ImagePart, Part, TextPart } from '../../src/core/conversation/conversation';
import { writeChatRequest, type ChatTarget } from '../../src/core/protocols/openaiChat/requestWriter';
import type { Wire } from '../../src/core/protocols/wire';
import { dialectTraits, type DialectId } from '../../src/core/providers/dialect';
import { requestProblem } from '../fakeProvider/requestRules';

const EMPTY: Conversation = { system: [], turns: [], tools: [], stop: [], stream: false, notCarried: [] };
const text = (value: string) => ({ kind: 'text' as const, text: value });
const image = (url: string, detail?: 'low' | 'high'): ImagePart => ({ kind: 'image', url, ...(detail ? { detail } : {}) });
const user = (...parts: Part[]) => ({ role: 'user' as const, parts });
const assistant = (...parts: Part[]) => ({ role: 'assistant' as const, parts });
const toolCall = (id: string): Part => ({ kind: 'tool-call', id, name: 'shell', arguments: '{}' });
const toolResult = (id: string, ...content: (TextPart | ImagePart)[]): Part => ({ kind: 'tool-result', id, content, error: false });
const carried = (dialect: DialectId, reasoning: string, thoughtSignatures?: Record<string, string>): Part => ({
  kind: 'reasoning',
  text: reasoning,
  state: { kind: 'carried', carried: { dialect, ...(thoughtSignatures ? { thoughtSignatures } : {}) } },
});
const HI = user(text('Hi'));
const SHELL = { name: 'shell', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } };
const target = (dialect: DialectId, model = 'some-model'): ChatTarget => ({ model, dialect: dialectTraits(dialect) });
const GENERIC = target('generic');
const HI_MESSAGE = { role: 'user', content: 'Hi' };
const callMessage = (...ids: string[]) => ({
  role: 'assistant',
  content: null,
  tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'shell', arguments: '{}' } })),
});

const cases: { name: string; conversation: Conversation; target?: ChatTarget; body: Wire; dropped?: string[] }[] = [
  {
    name: 'a plain turn: no fields the client did not ask for',
    conversation: { ...EMPTY, turns: [HI] },
    body: { model: 'some-model', messages: [HI_MESSAGE] },
  },
  {
    name: 'system pieces as system messages first, without empty ones; sampling, stops, streaming with usage, the user',
    conversation: {
      ...EMPTY,
      system: ['Be brief.', '', 'Use tools.'],
      turns: [HI],
      maxTokens: 1000,
      temperature: 0.5,
      stop: ['A', 'B', 'C', 'D'],
      stream: true,
      user: 'user-1',
    },
    body: {
      model: 'some-model',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'system', content: 'Use tools.' }, HI_MESSAGE],
      max_tokens: 1000,
      temperature: 0.5,
      stop: ['A', 'B', 'C', 'D'],
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-1',
    },
  },
  {
    name: 'top_p alone, top_k named, stop sequences past the fourth named',
    conversation: { ...EMPTY, turns: [HI], topP: 0.9, topK: 40, stop: ['A', 'B', 'C', 'D', 'E'] },
    body: { model: 'some-model', messages: [HI_MESSAGE], top_p: 0.9, stop: ['A', 'B', 'C', 'D'] },
    dropped: ['top_k', 'stop sequences past the fourth'],
  },
  {
    name: 'an OpenAI reasoning model: max_completion_tokens, no sampling, no stops, its effort',
    conversation: {
      ...EMPTY,
      turns: [HI],
      maxTokens: 1000,
      temperature: 0.5,
      stop: ['A'],
      reasoning: { effort: 'xhigh', askedAs: 'reasoning.effort', turnsThinkingOn: false },
    },
    target: target('openai', 'o4-mini'),
    body: { model: 'o4-mini', messages: [HI_MESSAGE], max_completion_tokens: 1000, reasoning_effort: 'high' },
    dropped: ['temperature and top_p (the reasoning model takes neither)', 'stop sequences (the reasoning model takes none)'],
  },
  {
    name: 'tools with description and strictness, the choice and parallel calls',
    conversation: {
      ...EMPTY,
      turns: [HI],
      tools: [
        { ...SHELL, description: 'Runs a command.', strict: true },
        { ...SHELL, name: 'plain' },
      ],
      toolChoice: { mode: 'function', name: 'shell' },
      parallelToolCalls: false,
    },
    body: {
      model: 'some-model',
      messages: [HI_MESSAGE],
      tools: [
        { type: 'function', function: { name: 'shell', parameters: SHELL.parameters, description: 'Runs a command.', strict: true } },
        { type: 'function', function: { name: 'plain', parameters: SHELL.parameters } },
      ],
      tool_choice: { type: 'function', function: { name: 'shell' } },
      parallel_tool_calls: false,
    },
  },
  {
    name: 'tools without a choice or a parallel setting',
    conversation: { ...EMPTY, turns: [HI], tools: [SHELL] },
    body: { model: 'some-model', messages: [HI_MESSAGE], tools: [{ type: 'function', function: { name: 'shell', parameters: SHELL.parameters } }] },
  },
  {
    name: 'a choice and a parallel setting without tools (only server tools came) are not sent',
    conversation: { ...EMPTY, turns: [HI], toolChoice: { mode: 'required' }, parallelToolCalls: true },
    body: { model: 'some-model', messages: [HI_MESSAGE] },
  },
  {
    name: 'assistant texts joined, calls with empty arguments as {}, an error result in its text, parts out of place named, an empty assistant turn left out',
    conversation: {
      ...EMPTY,
      turns: [
        user(text('Hi'), { kind: 'reasoning', text: 'x', state: { kind: 'unbound' } }),
        assistant(text('Let me '), text('look.'), image('https://example.test/a.png'), { kind: 'tool-call', id: 'call_a', name: 'shell', arguments: '' }),
        user({ kind: 'tool-result', id: 'call_a', content: [text('bad'), text('input')], error: true }),
        assistant({ kind: 'reasoning', text: 'x', state: { kind: 'unbound' } }),
        user(text('Next')),
      ],
    },
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_a', content: 'Error: bad\ninput' },
        { role: 'user', content: 'Next' },
      ],
    },
    dropped: ['thinking history', 'a reasoning in a user message', 'an image in an assistant message'],
  },
  {
    name: 'images a tool returned follow its results in a user message of their own, gathered over a run of results',
    conversation: {
      ...EMPTY,
      turns: [
        HI,
        assistant(toolCall('call_a'), toolCall('call_b')),
        user(toolResult('call_a', text('shot a'), image('https://example.test/a.png'))),
        user(toolResult('call_b', image('https://example.test/b.png'))),
        assistant(text('Both seen.')),
      ],
    },
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        callMessage('call_a', 'call_b'),
        { role: 'tool', tool_call_id: 'call_a', content: 'shot a' },
        { role: 'tool', tool_call_id: 'call_b', content: '' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.test/a.png' } },
            { type: 'image_url', image_url: { url: 'https://example.test/b.png' } },
          ],
        },
        { role: 'assistant', content: 'Both seen.' },
      ],
    },
  },
  {
    name: 'images a tool returned go with the user’s own text of the same turn, before it, with their detail',
    conversation: {
      ...EMPTY,
      turns: [HI, assistant(toolCall('call_a')), user(toolResult('call_a', image('https://example.test/a.png', 'low')), text('What is it?'))],
    },
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        callMessage('call_a'),
        { role: 'tool', tool_call_id: 'call_a', content: '' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'low' } },
            { type: 'text', text: 'What is it?' },
          ],
        },
      ],
    },
  },
  {
    name: 'images a tool returned come before the user’s next turn, not in it',
    conversation: {
      ...EMPTY,
      turns: [HI, assistant(toolCall('call_a')), user(toolResult('call_a', image('https://example.test/a.png'))), user(text('What is it?'))],
    },
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        callMessage('call_a'),
        { role: 'tool', tool_call_id: 'call_a', content: '' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.test/a.png' } }] },
        { role: 'user', content: 'What is it?' },
      ],
    },
  },
  {
    name: 'images a tool returned, at the end of the conversation',
    conversation: { ...EMPTY, turns: [HI, assistant(toolCall('call_a')), user(toolResult('call_a', image('https://example.test/a.png')))] },
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        callMessage('call_a'),
        { role: 'tool', tool_call_id: 'call_a', content: '' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.test/a.png' } }] },
      ],
    },
  },
  {
    name: 'a provider that takes no images gets a line in place of each, text parts joined',
    conversation: { ...EMPTY, turns: [user(text('Look:'), image('https://example.test/a.png'), text('ok?'))] },
    target: target('deepseek'),
    body: { model: 'some-model', messages: [{ role: 'user', content: 'Look:\n\n(an image was here; this provider takes none)\n\nok?' }] },
    dropped: ['images (the provider takes none)'],
  },
  {
    name: 'DeepSeek gets its reasoning back on every tool turn, joined, and an empty one on a turn another model made',
    conversation: {
      ...EMPTY,
      turns: [
        HI,
        assistant(carried('deepseek', 'First '), carried('deepseek', 'thought.'), toolCall('call_a')),
        user(toolResult('call_a', text('ok'))),
        assistant(carried('gemini', 'Gemini’s.'), toolCall('call_b')),
        user(toolResult('call_b', text('ok'))),
        assistant(carried('deepseek', 'Not with a call.'), text('Done.')),
        user(text('Next')),
      ],
    },
    target: target('deepseek'),
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        { ...callMessage('call_a'), reasoning_content: 'First thought.' },
        { role: 'tool', tool_call_id: 'call_a', content: 'ok' },
        { ...callMessage('call_b'), reasoning_content: '' },
        { role: 'tool', tool_call_id: 'call_b', content: 'ok' },
        { role: 'assistant', content: 'Done.' },
        { role: 'user', content: 'Next' },
      ],
    },
    dropped: ['reasoning kept for gemini'],
  },
  {
    name: 'Gemini gets its thought signatures back, and the skip value for calls of the open loop (after the last turn the user wrote or showed) that have none',
    conversation: {
      ...EMPTY,
      turns: [
        HI,
        assistant(carried('gemini', '', { call_a: 'sig-a' }), toolCall('call_a'), toolCall('call_old')),
        user(toolResult('call_a', text('ok')), toolResult('call_old', text('ok')), image('https://example.test/next.png')),
        assistant(carried('gemini', '', { call_b: 'sig-b' }), text('Reading.'), toolCall('call_b'), toolCall('call_c')),
        user(toolResult('call_b', text('ok')), toolResult('call_c', text('ok'))),
        assistant(carried('deepseek', 'DeepSeek’s.'), toolCall('call_d')),
        user(toolResult('call_d', text('ok'))),
      ],
    },
    target: target('gemini'),
    body: {
      model: 'some-model',
      messages: [
        HI_MESSAGE,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig-a' } } },
            { id: 'call_old', type: 'function', function: { name: 'shell', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'ok' },
        { role: 'tool', tool_call_id: 'call_old', content: 'ok' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.test/next.png' } }] },
        {
          role: 'assistant',
          content: 'Reading.',
          tool_calls: [
            { id: 'call_b', type: 'function', function: { name: 'shell', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig-b' } } },
            {
              id: 'call_c',
              type: 'function',
              function: { name: 'shell', arguments: '{}' },
              extra_content: { google: { thought_signature: 'skip_thought_signature_validator' } },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: 'ok' },
        { role: 'tool', tool_call_id: 'call_c', content: 'ok' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_d',
              type: 'function',
              function: { name: 'shell', arguments: '{}' },
              extra_content: { google: { thought_signature: 'skip_thought_signature_validator' } },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_d', content: 'ok' },
      ],
    },
    dropped: ['reasoning kept for deepseek'],
  },
  {
    name: 'Gemini: a history that opens on a call is all open loop',
    conversation: { ...EMPTY, turns: [assistant(toolCall('call_a')), user(toolResult('call_a', text('ok')))] },
    target: target('gemini'),
    body: {
      model: 'some-model',
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_a',
              type: 'function',
              function: { name: 'shell', arguments: '{}' },
              extra_content: { google: { thought_signature: 'skip_thought_signature_validator' } },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'ok' },
      ],
    },
  },
  {
    name: 'Gemini: the open loop starts after the last text the user wrote',
    conversation: {
      ...EMPTY,
      turns: [
        assistant(toolCall('call_a')),
        user(toolResult('call_a', text('ok'))),
        user(text('Next')),
        assistant(toolCall('call_b')),
        user(toolResult('call_b', text('ok'))),
      ],
    },
    target: target('gemini'),
    body: {
      model: 'some-model',
      messages: [
        callMessage('call_a'),
        { role: 'tool', tool_call_id: 'call_a', content: 'ok' },
        { role: 'user', content: 'Next' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_b',
              type: 'function',
              function: { name: 'shell', arguments: '{}' },
              extra_content: { google: { thought_signature: 'skip_thought_signature_validator' } },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: 'ok' },
      ],
    },
  },
  {
    name: 'a provider that takes no reasoning back drops a carrier naming it',
    conversation: { ...EMPTY, turns: [HI, assistant(carried('groq', 'Groq’s.'), text('Done.')), user(text('Next'))] },
    target: target('groq'),
    body: { model: 'some-model', messages: [HI_MESSAGE, { role: 'assistant', content: 'Done.' }, { role: 'user', content: 'Next' }] },
    dropped: ['reasoning kept for groq'],
  },
];

const effortCases: { effort: string; sent?: string }[] = [
  { effort: 'minimal', sent: 'low' },
  { effort: 'low', sent: 'low' },
  { effort: 'medium', sent: 'medium' },
  { effort: 'high', sent: 'high' },
  { effort: 'xhigh', sent: 'high' },
  { effort: 'none' },
  { effort: 'max' },
];

describe('OpenAI Chat request writer', () => {
  for (const { name, conversation, target: to, body, dropped } of cases) {
    it(name, () => {
      const written = writeChatRequest(conversation, to ?? GENERIC);
      assert.deepStrictEqual(written.body, body);
      assert.deepStrictEqual(written.notes.dropped, dropped ?? []);
      assert.equal(requestProblem('chat', written.body), undefined);
    });
  }

  it('keeps tool-call ids the target takes and derives the same stand-in for a call and its result otherwise', () => {
    const idsSent = (dialect: DialectId, ids: string[]) => {
      const turns = [HI, assistant(...ids.map(toolCall)), user(...ids.map((id) => toolResult(id, text('ok'))))];
      const { body } = writeChatRequest({ ...EMPTY, turns }, target(dialect));
      assert.equal(requestProblem('chat', body), undefined);
      const messages = body.messages as { tool_calls?: { id: string }[]; tool_call_id?: string }[];
      const calls = (messages[1].tool_calls ?? []).map((call) => call.id);
      assert.deepStrictEqual(
        messages.slice(2).map((m) => m.tool_call_id),
        calls,
        'each result under its call’s id',
      );
      return calls;
    };
    const forty = 'toolu_' + 'a'.repeat(34);
    const [kept, long] = idsSent('generic', [forty, forty + 'b']);
    assert.equal(kept, forty, 'OpenAI takes up to 40 characters');
    assert.match(long, /^call_[a-zA-Z0-9]{30}$/);
    const [nine, ten, kimi] = idsSent('mistral', ['abc123XYZ', 'abc123XYZ0', 'functions.Bash:0']);
    assert.equal(nine, 'abc123XYZ', 'Mistral takes nine letters and digits');
    assert.match(ten, /^[a-zA-Z0-9]{9}$/);
    assert.notEqual(ten, 'abc123XYZ');
    assert.match(kimi, /^[a-zA-Z0-9]{9}$/);
  });

  it('sends each effort as the nearest step a reasoning model takes, and names it for a model that takes none', () => {
    for (const { effort, sent } of effortCases) {
      const conversation: Conversation = { ...EMPTY, turns: [HI], reasoning: { effort, askedAs: 'reasoning_effort', turnsThinkingOn: true } };
      const reasoning = writeChatRequest(conversation, target('openai', 'o4-mini'));
      assert.equal(reasoning.body.reasoning_effort, sent, effort);
      assert.deepStrictEqual(reasoning.notes.dropped, [], effort);
      const plain = writeChatRequest(conversation, target('openai', 'gpt-4.1'));
      assert.equal(plain.body.reasoning_effort, undefined, effort);
      assert.deepStrictEqual(plain.notes.dropped, sent === undefined ? [] : ['reasoning_effort'], effort);
    }
  });
});
