// Guards how a target of another protocol is chosen and shaped (issue 11): which requests are translated,
// estimated or refused; the token-limit field and reasoning effort per provider; tool schemas adapted to what
// the target refuses (Gemini's JSON Schema subset, Anthropic's object-only input_schema), each change noted.
import assert from 'node:assert/strict';
import { crossProtocol, type TargetTranslation } from '../../src/core/translation/targetTranslation';
import { dialectTraits } from '../../src/core/providers/dialect';
import { chatRequestToMessages, messagesToChat } from '../helpers/requestTranslation';

const OPENAI = { protocol: 'openai' as const, dialect: 'openai' as const, responses: true };
const OPENROUTER = { protocol: 'openai' as const, dialect: 'openrouter' as const, responses: true };
const GEMINI = { protocol: 'openai' as const, dialect: 'gemini' as const, responses: false };
const ANTHROPIC = { protocol: 'anthropic' as const, dialect: 'generic' as const, responses: true };

function translation(client: Parameters<typeof crossProtocol>[0], pool: Parameters<typeof crossProtocol>[1]): TargetTranslation {
  const cross = crossProtocol(client, pool);
  assert.equal(cross?.kind, 'translate');
  return cross;
}

/** A tool as Claude Code sends it: draft-07 `$schema`, closed objects, a nullable field, a constant. */
const CLAUDE_TOOL = {
  name: 'Read',
  description: 'Reads a file',
  input_schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: {
      file_path: { type: 'string', description: 'absolute path' },
      limit: { type: ['number', 'null'], exclusiveMinimum: 0 },
      mode: { anyOf: [{ const: 'text' }, { const: 'lines' }] },
      // A property may be named like a keyword: it is data, and stays.
      format: { type: 'object', additionalProperties: { type: 'string' }, propertyNames: { pattern: '^x' } },
    },
    required: ['file_path'],
  },
};

describe('targets of another protocol', () => {
  it('translates, estimates or refuses by what the client asked and what the pool speaks', () => {
    assert.equal(crossProtocol({ protocol: 'openai', endpoint: 'chat' }, OPENAI), undefined, 'same protocol: a byte relay');
    assert.equal(crossProtocol({ protocol: 'openai', endpoint: 'responses' }, OPENAI), undefined);
    assert.equal(crossProtocol({ protocol: 'anthropic', endpoint: 'messages' }, ANTHROPIC), undefined);
    assert.equal(translation({ protocol: 'openai', endpoint: 'responses' }, GEMINI).label, 'OpenAI Responses → OpenAI Chat');
    assert.equal(translation({ protocol: 'openai', endpoint: 'responses' }, ANTHROPIC).label, 'OpenAI Responses → Anthropic Messages');
    assert.equal(translation({ protocol: 'openai', endpoint: 'chat' }, ANTHROPIC).upstreamPath('claude-x', true), '/v1/messages');
    assert.equal(translation({ protocol: 'anthropic', endpoint: 'messages' }, OPENAI).upstreamPath('gpt-x', false), '/chat/completions');
    assert.deepEqual(crossProtocol({ protocol: 'anthropic', endpoint: 'count_tokens' }, OPENAI), { kind: 'estimate-tokens' });
    assert.deepEqual(crossProtocol({ protocol: 'openai', endpoint: 'embeddings' }, ANTHROPIC), {
      kind: 'refused',
      reason: 'embeddings requests have no translation to Anthropic',
    });
    assert.deepEqual(crossProtocol({ protocol: 'anthropic', endpoint: 'models' }, OPENAI), {
      kind: 'refused',
      reason: 'models requests have no translation to OpenAI',
    });
  });

  it('uses the token-limit field and reasoning effort each provider takes', () => {
    const request = { model: 'claude-x', max_tokens: 900, thinking: { type: 'enabled', budget_tokens: 20_000 }, messages: [{ role: 'user', content: 'hi' }] };
    const toOpenai = translation({ protocol: 'anthropic', endpoint: 'messages' }, OPENAI);
    assert.deepEqual(pick(toOpenai.request(request, 'gpt-5').body, 'max_completion_tokens', 'max_tokens', 'reasoning_effort'), {
      max_completion_tokens: 900,
      reasoning_effort: 'high',
    });
    assert.deepEqual(pick(toOpenai.request(request, 'gpt-4.1').body, 'max_completion_tokens', 'reasoning_effort'), { max_completion_tokens: 900 });
    const toRouter = translation({ protocol: 'anthropic', endpoint: 'messages' }, OPENROUTER).request(request, 'o3');
    assert.deepEqual(pick(toRouter.body, 'max_completion_tokens', 'max_tokens', 'reasoning_effort'), { max_tokens: 900 });
    assert.deepEqual(toRouter.notes.dropped, ['thinking']);
    const adaptive = messagesToChat({ ...request, thinking: { type: 'adaptive' } }, { model: 'o3', dialect: dialectTraits('openai') });
    assert.equal(adaptive.body.reasoning_effort, 'medium');
  });

  it('gives Anthropic a max_tokens every model of the family takes when a Chat client sent none', () => {
    const chat = translation({ protocol: 'openai', endpoint: 'chat' }, ANTHROPIC);
    const body = (model: string) => chat.request({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] }, model).body.max_tokens;
    assert.deepEqual([body('claude-3-haiku-20240307'), body('claude-3-5-sonnet-latest'), body('claude-sonnet-4-5')], [4_096, 8_192, 32_000]);
  });

  it('maps reasoning_effort to a thinking budget only where Anthropic would take it', () => {
    const target = { model: 'claude-sonnet-4-5', defaultMaxTokens: 32_000 };
    const fresh = { model: 'gpt-x', max_tokens: 32_000, reasoning_effort: 'high', messages: [{ role: 'user', content: 'hi' }] };
    const mapped = chatRequestToMessages(fresh, target);
    assert.deepEqual(mapped.body.thinking, { type: 'enabled', budget_tokens: 16_000 });
    assert.deepEqual(mapped.notes.dropped, []);
    const cases: Record<string, Record<string, unknown>> = {
      'a temperature': { temperature: 0.2 },
      'no room in max_tokens': { max_tokens: 8_000 },
      'a forced tool': { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }], tool_choice: 'required' },
      'a tool loop': {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'ok' },
        ],
      },
    };
    for (const [why, change] of Object.entries(cases)) {
      const out = chatRequestToMessages({ ...fresh, ...change }, target);
      assert.equal(out.body.thinking, undefined, why);
      assert.deepEqual(out.notes.dropped, ['reasoning_effort'], why);
    }
  });

  it("keeps a tool's JSON Schema untouched for OpenAI and adapts it to the subset Gemini takes, noting what went", () => {
    const request = { model: 'claude-x', max_tokens: 64, tools: [CLAUDE_TOOL], messages: [{ role: 'user', content: 'hi' }] };
    const openai = translation({ protocol: 'anthropic', endpoint: 'messages' }, OPENAI).request(request, 'gpt-4.1');
    assert.deepEqual((openai.body.tools as { function: { parameters: unknown } }[])[0].function.parameters, CLAUDE_TOOL.input_schema);
    assert.deepEqual(openai.notes.dropped, []);
    const gemini = translation({ protocol: 'anthropic', endpoint: 'messages' }, GEMINI).request(request, 'gemini-2.5-pro');
    assert.deepEqual((gemini.body.tools as { function: { parameters: unknown } }[])[0].function.parameters, {
      type: 'object',
      properties: {
        file_path: { type: 'string', description: 'absolute path' },
        limit: { type: 'number', nullable: true },
        mode: { anyOf: [{ enum: ['text'] }, { enum: ['lines'] }] },
        format: { type: 'object' },
      },
      required: ['file_path'],
    });
    assert.deepEqual(gemini.notes.dropped, ['tool schema keywords Gemini refuses ($schema, additionalProperties, exclusiveMinimum, propertyNames)']);
    assert.deepEqual(CLAUDE_TOOL.input_schema.additionalProperties, false, "the client's request is not changed");
  });

  it('gives Anthropic an object input_schema: a typeless one with properties is an object, anything else is noted', () => {
    const chat = translation({ protocol: 'openai', endpoint: 'chat' }, ANTHROPIC);
    const tools = [
      { type: 'function', function: { name: 'typeless', parameters: { properties: { q: { type: 'string' } } } } },
      { type: 'function', function: { name: 'scalar', parameters: { type: 'string' } } },
    ];
    const out = chat.request({ model: 'gpt-x', tools, messages: [{ role: 'user', content: 'hi' }] }, 'claude-sonnet-4-5');
    assert.deepEqual(
      (out.body.tools as { input_schema: unknown }[]).map((t) => t.input_schema),
      [
        { properties: { q: { type: 'string' } }, type: 'object' },
        { type: 'object', properties: {} },
      ],
    );
    assert.deepEqual(out.notes.dropped, ['a tool schema that is not an object (sent as an empty object)']);
  });

  it('dates a translated answer now, in seconds, as Chat and Responses clients read it', () => {
    const answer = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'text', text: 'hi' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 1, output_tokens: 1 },
    };
    const before = Math.floor(Date.now() / 1000);
    const chat = translation({ protocol: 'openai', endpoint: 'chat' }, ANTHROPIC).answer(answer, 'claude-x');
    const responses = translation({ protocol: 'openai', endpoint: 'responses' }, ANTHROPIC).answer(answer, 'claude-x');
    const after = Math.ceil(Date.now() / 1000);
    for (const created of [chat?.created, responses?.created_at]) {
      assert.ok(typeof created === 'number' && created >= before && created <= after, `created ${String(created)} within [${before}, ${after}]`);
    }
  });
});

function pick(body: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => body[f] !== undefined).map((f) => [f, body[f]]));
}
