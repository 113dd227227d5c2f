// Guards issue 20's "reasoning that survives a switch" on the request side: reasoning state a Chat provider needs
// back — DeepSeek's reasoning_content, Gemini 3's thought signatures — carried in the client's own history (an
// Anthropic thinking block's signature, a Responses reasoning item's encrypted_content) goes back to the dialect
// that produced it (DeepSeek: every turn that made tool calls; Gemini: the calls, with a skip value in the loop still
// open), and never to another provider nor to Anthropic. The fake
// provider refuses the next tool turn without it, in DeepSeek's and Gemini's words.
import assert from 'node:assert/strict';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { DIALECT_IDS, dialectTraits, type ReasoningReturn } from '../../src/core/providers/dialect';
import { translation } from '../helpers/requestTranslation';
import { holdsCarriedReasoning, withoutCarriedReasoning } from '../../src/core/translation/thinking';
import { parseRequestFields } from '../../src/core/server/requestBody';
import { wireFormatOf } from '../../src/core/protocols/table';
import { requestProblem } from '../fakeProvider/requestRules';

const DEEPSEEK = { protocol: 'openai' as const, dialect: 'deepseek' as const, baseUrl: 'https://api.deepseek.com/v1', responses: false };
const GEMINI = {
  protocol: 'openai' as const,
  dialect: 'gemini' as const,
  baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
  responses: false,
};
const OPENAI = { protocol: 'openai' as const, dialect: 'openai' as const, baseUrl: 'https://api.openai.com/v1', responses: true };
const ANTHROPIC = { protocol: 'anthropic' as const, dialect: 'generic' as const, baseUrl: 'https://api.anthropic.com', responses: true };
const MESSAGES = { protocol: 'anthropic' as const, endpoint: 'messages' as const };
const RESPONSES = { protocol: 'openai' as const, endpoint: 'responses' as const };

type Message = { role: string; reasoning_content?: string; tool_calls?: { id: string; extra_content?: { google: { thought_signature: string } } }[] };
const assistants = (body: Record<string, unknown>) => (body.messages as Message[]).filter((m) => m.role === 'assistant');

const tool = { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } };

/**
 * Claude Code's history after a fallback: a closed tool loop, a new question, and an open loop of two steps, each
 * assistant turn opening with the thinking block the translated answer gave it (signature: our carrier).
 */
function claudeHistory(signature: (step: string) => string, stream = true): Record<string, unknown> {
  const step = (id: string, thought: string) => ({
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: thought, signature: signature(id) },
      { type: 'tool_use', id, name: 'Bash', input: { command: 'ls' } },
    ],
  });
  const result = (id: string) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'a.ts' }] });
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 2000,
    stream,
    tools: [tool],
    messages: [
      { role: 'user', content: 'List the files.' },
      step('toolu_old', 'An earlier loop.'),
      result('toolu_old'),
      { role: 'assistant', content: [{ type: 'text', text: 'a.ts' }] },
      { role: 'user', content: 'Now the tests.' },
      step('toolu_a', 'First I list.'),
      result('toolu_a'),
      step('toolu_b', 'Then I read.'),
      result('toolu_b'),
    ],
  };
}

describe('reasoning carried through the client goes back only to the provider that made it', () => {
  it('gives DeepSeek its reasoning_content back on every assistant turn that made tool calls, streamed or not', () => {
    const carrier = () => encodeCarriedReasoning({ dialect: 'deepseek' });
    for (const stream of [true, false]) {
      const { body, notes } = translation(MESSAGES, DEEPSEEK).request(claudeHistory(carrier, stream), 'deepseek-reasoner');
      assert.equal(requestProblem('chat', body), undefined);
      // "in all subsequent user interaction turns" (DeepSeek's thinking-mode guide): the closed loop's too; a turn of text alone needs none.
      assert.deepEqual(
        assistants(body).map((m) => m.reasoning_content),
        ['An earlier loop.', undefined, 'First I list.', 'Then I read.'],
      );
      assert.deepEqual(notes.dropped, []);
      assert.doesNotMatch(JSON.stringify(body), /kbr1\./);
    }
  });

  it('the fake provider refuses a tool turn without it, as DeepSeek does', () => {
    const plain = translation(MESSAGES, OPENAI).request(
      claudeHistory(() => encodeCarriedReasoning({ dialect: 'deepseek' })),
      'gpt-4.1',
    ).body;
    assert.equal(
      requestProblem('chat', { ...plain, model: 'deepseek-reasoner' }),
      'The `reasoning_content` in the thinking mode must be passed back to the API.',
    );
  });

  it("gives Gemini each call's thought signature, and the documented skip value for an open-loop call without one", () => {
    const carrier = (id: string) => encodeCarriedReasoning({ dialect: 'gemini', ...(id === 'toolu_b' ? {} : { thoughtSignatures: { [id]: `sig-${id}` } }) });
    const { body } = translation(MESSAGES, GEMINI).request(claudeHistory(carrier), 'gemini-3-pro-preview');
    assert.equal(requestProblem('chat', body), undefined);
    const signatures = assistants(body).flatMap((m) => (m.tool_calls ?? []).map((call) => call.extra_content?.google.thought_signature));
    assert.deepEqual(signatures, ['sig-toolu_old', 'sig-toolu_a', 'skip_thought_signature_validator']);
    assert.equal(assistants(body)[2].reasoning_content, undefined, 'Gemini takes signatures, not the text');
    const unsigned = translation(MESSAGES, OPENAI).request(claudeHistory(carrier), 'gpt-4.1').body;
    assert.match(requestProblem('chat', { ...unsigned, model: 'gemini-3-pro-preview' }) ?? '', /Function call is missing a thought_signature/);
  });

  it("sends one provider's reasoning to no other: not to OpenAI, not to Gemini, and names what stayed behind", () => {
    const carrier = () => encodeCarriedReasoning({ dialect: 'deepseek' });
    const openai = translation(MESSAGES, OPENAI).request(claudeHistory(carrier), 'gpt-4.1');
    assert.doesNotMatch(JSON.stringify(openai.body), /First I list|kbr1\.|reasoning_content|extra_content/);
    assert.deepEqual(openai.notes.dropped, ['reasoning kept for deepseek']);
    const gemini = translation(MESSAGES, GEMINI).request(claudeHistory(carrier), 'gemini-3-pro-preview');
    assert.doesNotMatch(JSON.stringify(gemini.body), /First I list|kbr1\.|reasoning_content/);
    assert.equal(requestProblem('chat', gemini.body), undefined, 'the open loop still passes, on the skip value');
  });

  it("carries a Responses reasoning item's state back to DeepSeek, and never to Anthropic", () => {
    const codex = (stream: boolean) => ({
      model: 'gpt-5',
      stream,
      input: [
        { role: 'user', content: 'List the files.' },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'I list first.' }], encrypted_content: encodeCarriedReasoning({ dialect: 'deepseek' }) },
        { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a.ts' },
      ],
      tools: [{ type: 'function', name: 'shell', parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } } } }],
    });
    for (const stream of [true, false]) {
      const deepseek = translation(RESPONSES, DEEPSEEK).request(codex(stream), 'deepseek-reasoner');
      assert.equal(requestProblem('chat', deepseek.body), undefined);
      assert.equal(assistants(deepseek.body)[0].reasoning_content, 'I list first.');
      const anthropic = translation(RESPONSES, ANTHROPIC).request(codex(stream), 'claude-sonnet-4-5');
      assert.equal(requestProblem('messages', anthropic.body), undefined);
      assert.doesNotMatch(JSON.stringify(anthropic.body), /kbr1\.|I list first|thinking/);
      assert.deepEqual(anthropic.notes.dropped, ['reasoning kept for deepseek']);
    }
  });

  it('puts carried reasoning where each dialect declares it wants it back, and nowhere for the rest', () => {
    const placeOf = (body: Record<string, unknown>): ReasoningReturn => {
      const open = assistants(body).slice(2);
      if (open.every((m) => typeof m.reasoning_content === 'string')) return 'reasoning_content';
      if (open.every((m) => typeof m.tool_calls?.[0].extra_content?.google.thought_signature === 'string')) return 'thought_signature';
      return 'none';
    };
    for (const dialect of DIALECT_IDS) {
      const pool = { protocol: 'openai' as const, dialect, responses: false };
      const carrier = (id: string) => encodeCarriedReasoning({ dialect, thoughtSignatures: { [id]: `sig-${id}` } });
      const { body } = translation(MESSAGES, pool).request(claudeHistory(carrier), 'some-model');
      assert.equal(placeOf(body), dialectTraits(dialect).reasoningReturn, dialect);
      assert.equal(requestProblem('chat', body), undefined, dialect);
      assert.doesNotMatch(JSON.stringify(body), /kbr1\./, dialect);
    }
  });

  it('treats a carrier it cannot read as reasoning nobody gets back: the tool turn goes back with an empty reasoning_content', () => {
    const { body } = translation(MESSAGES, DEEPSEEK).request(
      claudeHistory(() => 'kbr1.not-base64-json'),
      'deepseek-chat',
    );
    assert.doesNotMatch(JSON.stringify(body), /kbr1\./);
    const toolTurns = (body.messages as { role: string; tool_calls?: unknown[]; reasoning_content?: string }[]).filter(
      (m) => m.role === 'assistant' && m.tool_calls,
    );
    assert.ok(toolTurns.length > 0);
    for (const turn of toolTurns) assert.equal(turn.reasoning_content, '', 'present, so thinking mode takes the request, and empty');
  });
});

describe("reasoning carried for a Chat provider, on a relay to the client's own protocol", () => {
  const carrier = encodeCarriedReasoning({ dialect: 'deepseek' });

  it('leaves an Anthropic request without it, and without the thinking setting when the last turn lost its thinking', () => {
    const request = {
      model: 'claude-x',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'list the files' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I should run ls.', signature: carrier },
            { type: 'tool_use', id: 'call_1', name: 'Bash', input: { command: 'ls' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'a.txt' }] },
      ],
    };
    const read = (body: unknown) => parseRequestFields(Buffer.from(JSON.stringify(body)), 'application/json', wireFormatOf('messages')).carriedReasoning;
    assert.equal(read(request), true, 'found as the body is read');
    assert.equal(read({ ...request, messages: [{ role: 'user', content: 'déjà vu — list the files' }, request.messages[1]] }), true, 'beside non-ASCII text');
    assert.equal(read({ ...request, messages: [{ role: 'user', content: `what does ${carrier} mean?` }] }), false, 'and only where it sits');
    const relayed = parseRequestFields(Buffer.from(JSON.stringify(request)), 'application/json').carriedReasoning;
    assert.equal(relayed, false, 'not looked for on a path relayed as it is');
    const stripped = withoutCarriedReasoning(request);
    assert.deepEqual(stripped, {
      model: 'claude-x',
      messages: [request.messages[0], { role: 'assistant', content: [request.messages[1].content[1]] }, request.messages[2]],
    });
  });

  it('looks for a carrier only where one can sit: the blocks of assistant turns, Responses items', () => {
    const user = { role: 'user', content: [{ type: 'text', text: 'what is this?', signature: carrier }] };
    const own = {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'mine', signature: 'EqQBCkYIBRgCKkD' },
        { type: 'text', text: 'ok' },
      ],
    };
    const odd = { role: 'assistant', content: ['junk', null, 42] };
    for (const request of [
      { messages: [user] },
      { messages: [own] },
      { messages: [odd, null, 'x'] },
      { input: ['junk', null, { role: 'user', content: 'hi' }] },
    ])
      assert.equal(holdsCarriedReasoning(request), false, JSON.stringify(request));
    assert.equal(withoutCarriedReasoning({ model: 'claude-x', messages: [user] }), undefined, "a user turn's block is left as it is");
  });

  it("keeps Anthropic's own signed thinking, and the thinking setting, when only an earlier turn carried ours", () => {
    const own = { type: 'thinking', thinking: 'mine', signature: 'EqQBCkYIBRgCKkD' };
    const request = {
      model: 'claude-x',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'theirs', signature: carrier },
            { type: 'text', text: 'hello' },
          ],
        },
        { role: 'user', content: 'and now?' },
        { role: 'assistant', content: [own, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
      ],
    };
    const stripped = withoutCarriedReasoning(request);
    assert.deepEqual(stripped?.thinking, request.thinking);
    assert.deepEqual((stripped.messages as { content: unknown }[])[1].content, [{ type: 'text', text: 'hello' }]);
    assert.deepEqual((stripped.messages as { content: unknown }[])[3].content, request.messages[3].content);
  });

  it("leaves a Responses request without the reasoning items it carried, and OpenAI's own items as they are", () => {
    const ownItem = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAABopenai' };
    const request = {
      model: 'gpt-5',
      input: [
        { role: 'user', content: 'run it' },
        { type: 'reasoning', id: 'rs_kb', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: carrier },
        { type: 'function_call', call_id: 'call_1', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
        ownItem,
      ],
    };
    const read = (body: unknown) => parseRequestFields(Buffer.from(JSON.stringify(body)), 'application/json', wireFormatOf('responses')).carriedReasoning;
    assert.equal(read(request), true, 'found as the body is read');
    assert.equal(read({ ...request, input: [ownItem] }), false, "OpenAI's own item is not ours");
    const stripped = withoutCarriedReasoning(request);
    assert.deepEqual(stripped?.input, [request.input[0], request.input[2], request.input[3], ownItem]);
    assert.equal(withoutCarriedReasoning({ model: 'gpt-5', input: [ownItem] }), undefined, 'nothing of ours: nothing to rewrite');
    assert.deepEqual(
      withoutCarriedReasoning({ model: 'gpt-5', input: [request.input[1], 'junk'] }),
      { model: 'gpt-5', input: ['junk'] },
      'no messages field appears',
    );
  });

  it('keeps a turn that held only our thinking as placeholder text, and the thinking setting where the last turn opens with redacted thinking', () => {
    const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' };
    const request = {
      model: 'claude-x',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'theirs', signature: carrier }] },
        { role: 'user', content: 'and now?' },
        { role: 'assistant', content: [redacted, { type: 'text', text: 'done' }] },
      ],
    };
    assert.deepEqual(withoutCarriedReasoning(request), {
      ...request,
      messages: [request.messages[0], { role: 'assistant', content: [{ type: 'text', text: '(thinking omitted)' }] }, request.messages[2], request.messages[3]],
    });
  });

  it('answers undefined for an Anthropic request that carries nothing of ours', () => {
    const request = {
      model: 'claude-x',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'mine', signature: 'EqQBCkYIBRgCKkD' },
            { type: 'text', text: 'hello' },
          ],
        },
        { role: 'user', content: 'and now?' },
        { role: 'assistant', content: 'plain text' },
      ],
    };
    assert.equal(withoutCarriedReasoning(request), undefined);
  });

  it('turns thinking off when ours came out of an earlier turn and the last assistant turn is plain text', () => {
    const request = {
      model: 'claude-x',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'theirs', signature: carrier },
            { type: 'text', text: 'hello' },
          ],
        },
        { role: 'user', content: 'and now?' },
        { role: 'assistant', content: 'plain text' },
      ],
    };
    assert.deepEqual(withoutCarriedReasoning(request), {
      model: 'claude-x',
      messages: [request.messages[0], { role: 'assistant', content: [{ type: 'text', text: 'hello' }] }, request.messages[2], request.messages[3]],
    });
  });
});
