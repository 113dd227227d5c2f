// The fake provider's strict dialects (issue 20, item 2), asked directly: each provider rule refuses what the real
// API refuses, with its status, body shape and wording, and takes the request once the rule is met; each dialect
// answers in its provider's shapes. The translation tests lean on these refusals, so they must be able to fail.
import assert from 'node:assert/strict';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { startFakeProvider, type FakeProvider, type StrictDialect } from '../fakeProvider/fakeProvider';
import { sseEvents } from '../helpers/harness';
import { arrAt, at, numAt, objAt, parseJson, strAt } from '../helpers/json';
import { must } from '../helpers/must';

const KEY = 'test-key-strict-1';

async function send(p: FakeProvider, dialect: StrictDialect, body: Record<string, unknown>): Promise<{ status: number; json: unknown; text: string }> {
  const anthropic = dialect === 'anthropic';
  const res = await fetch(`${p.dialectBaseUrl(dialect)}${anthropic ? '/v1/messages' : '/chat/completions'}`, {
    method: 'POST',
    headers: anthropic
      ? { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }
      : { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const user = { role: 'user', content: 'go' };
const chatCall = (id: string, name = 'Bash', extra: Record<string, unknown> = {}) => ({ id, type: 'function', function: { name, arguments: '{}' }, ...extra });
const chatTurn = (id: string, assistantExtra: Record<string, unknown> = {}, callExtra: Record<string, unknown> = {}) => [
  user,
  { role: 'assistant', content: null, tool_calls: [chatCall(id, 'Bash', callExtra)], ...assistantExtra },
  { role: 'tool', tool_call_id: id, content: 'ok' },
];
const anthropicTurn = (id: string) => [
  user,
  { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }] },
];
const messagesBody = (extra: Record<string, unknown>) => ({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: [user], ...extra });
const schemaTool = (input_schema: unknown) => ({ name: 'Bash', input_schema });

interface RuleCase {
  dialect: StrictDialect;
  rule: string;
  refused: Record<string, unknown>;
  accepted: Record<string, unknown>;
  /** The provider's body, as it sends it. */
  expect: (json: unknown) => void;
}

const anthropicError = (message: RegExp) => (json: unknown) => {
  assert.equal(at(json, 'type'), 'error');
  assert.equal(at(json, 'error', 'type'), 'invalid_request_error');
  assert.match(strAt(json, 'error', 'message'), message);
  assert.match(strAt(json, 'request_id'), /^req_/);
};
const openaiError = (message: RegExp, param: string | null, code: string | null) => (json: unknown) => {
  assert.match(strAt(json, 'error', 'message'), message);
  assert.equal(at(json, 'error', 'type'), 'invalid_request_error');
  assert.equal(at(json, 'error', 'param'), param);
  assert.equal(at(json, 'error', 'code'), code);
};

const RULES: RuleCase[] = [
  {
    dialect: 'anthropic',
    rule: 'tool_use ids match ^[a-zA-Z0-9_-]+$',
    refused: messagesBody({ messages: anthropicTurn('functions.Bash:0') }),
    accepted: messagesBody({ messages: anthropicTurn('functions_Bash_0') }),
    expect: anthropicError(/^messages\.1\.content\.0\.tool_use\.id: String should match pattern '\^\[a-zA-Z0-9_-\]\+\$'$/),
  },
  {
    dialect: 'anthropic',
    rule: 'input_schema has no oneOf/anyOf/allOf at its root',
    refused: messagesBody({ tools: [schemaTool({ type: 'object', anyOf: [{ required: ['a'] }, { required: ['b'] }] })] }),
    accepted: messagesBody({ tools: [schemaTool({ type: 'object', properties: { a: { type: 'string' } } })] }),
    expect: anthropicError(/^tools\.0\.custom\.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level$/),
  },
  {
    dialect: 'anthropic',
    rule: 'input_schema is an object schema',
    refused: messagesBody({ tools: [schemaTool({ type: 'string' })] }),
    accepted: messagesBody({ tools: [schemaTool({ type: 'object' })] }),
    expect: anthropicError(/^tools\.0\.custom\.input_schema\.type: Input should be 'object'$/),
  },
  {
    dialect: 'anthropic',
    rule: 'temperature and top_p not both (Claude 4.5)',
    refused: messagesBody({ temperature: 0.2, top_p: 0.9 }),
    accepted: messagesBody({ model: 'claude-3-5-haiku-latest', temperature: 0.2, top_p: 0.9 }),
    expect: anthropicError(/^`temperature` and `top_p` cannot both be specified for this model\. Please use only one\.$/),
  },
  {
    dialect: 'anthropic',
    rule: 'temperature stays 1 with thinking on',
    refused: messagesBody({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, temperature: 0.2 }),
    accepted: messagesBody({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, temperature: 1 }),
    expect: anthropicError(
      /^`temperature` may only be set to 1 when thinking is enabled\. Please consult our documentation at https:\/\/docs\.anthropic\.com\//,
    ),
  },
  {
    dialect: 'anthropic',
    rule: 'thinking signatures it did not issue are refused (our kbr1. carriers included)',
    refused: messagesBody({
      messages: [
        user,
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hm', signature: encodeCarriedReasoning({ dialect: 'deepseek' }) },
            { type: 'text', text: 'hi' },
          ],
        },
        user,
      ],
    }),
    accepted: messagesBody({ messages: [user, { role: 'assistant', content: [{ type: 'text', text: 'hi' }] }, user] }),
    expect: anthropicError(/^messages\.1\.content\.0: Invalid `signature` in `thinking` block$/),
  },
  {
    dialect: 'openai',
    rule: 'image detail is low, high or auto',
    refused: {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'LOW' } }] }],
    },
    accepted: {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==', detail: 'low' } }] }],
    },
    expect: openaiError(
      /^Invalid value: 'LOW'\. Supported values are: 'low', 'high', and 'auto'\.$/,
      'messages[0].content[0].image_url.detail',
      'invalid_value',
    ),
  },
  {
    dialect: 'openai',
    rule: 'images only in user messages',
    refused: {
      model: 'gpt-4o',
      messages: [
        ...chatTurn('call_1').slice(0, 2),
        { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] },
      ],
    },
    accepted: {
      model: 'gpt-4o',
      messages: [...chatTurn('call_1'), { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }],
    },
    expect: openaiError(
      /^Invalid 'messages\[2\]'\. Image URLs are only allowed for messages with role 'user', but this message with role 'tool' contains an image URL\.$/,
      'messages[2]',
      'invalid_value',
    ),
  },
  {
    dialect: 'openai',
    rule: 'function names match ^[a-zA-Z0-9_-]+$',
    refused: { model: 'gpt-4o', messages: [user], tools: [{ type: 'function', function: { name: 'mcp.read file', parameters: { type: 'object' } } }] },
    accepted: { model: 'gpt-4o', messages: [user], tools: [{ type: 'function', function: { name: 'mcp_read_file', parameters: { type: 'object' } } }] },
    expect: openaiError(/^Invalid 'tools\[0\]\.function\.name': string does not match pattern\./, 'tools[0].function.name', 'invalid_value'),
  },
  {
    dialect: 'openai',
    rule: 'tool call ids are at most 40 characters',
    refused: { model: 'gpt-4o', messages: chatTurn(`toolu_${'x'.repeat(40)}`) },
    accepted: { model: 'gpt-4o', messages: chatTurn(`toolu_${'x'.repeat(34)}`) },
    expect: openaiError(
      /^Invalid 'messages\[1\]\.tool_calls\[0\]\.id': string too long\. Expected a string with maximum length 40, but got a string with length 46 instead\.$/,
      'messages[1].tool_calls[0].id',
      'string_above_max_length',
    ),
  },
  {
    dialect: 'openai',
    rule: 'reasoning models refuse max_tokens',
    refused: { model: 'gpt-5-mini', messages: [user], max_tokens: 100 },
    accepted: { model: 'gpt-5-mini', messages: [user], max_completion_tokens: 100 },
    expect: openaiError(
      /^Unsupported parameter: 'max_tokens' is not supported with this model\. Use 'max_completion_tokens' instead\.$/,
      'max_tokens',
      'unsupported_parameter',
    ),
  },
  {
    dialect: 'openai',
    rule: "another provider's message fields are refused",
    refused: { model: 'gpt-4o', messages: chatTurn('call_1', { reasoning_content: 'hm' }) },
    accepted: { model: 'gpt-4o', messages: chatTurn('call_1') },
    expect: openaiError(/^Additional properties are not allowed \('reasoning_content' was unexpected\) - 'messages\.1'$/, null, null),
  },
  {
    dialect: 'deepseek',
    rule: 'thinking mode: the open tool loop carries reasoning_content back',
    refused: { model: 'deepseek-v4-flash', messages: chatTurn('call_1') },
    accepted: { model: 'deepseek-v4-flash', messages: chatTurn('call_1', { reasoning_content: '' }) },
    expect: (json) =>
      assert.deepEqual(json, {
        error: {
          message: 'The `reasoning_content` in the thinking mode must be passed back to the API.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_request_error',
        },
      }),
  },
  {
    dialect: 'gemini',
    rule: 'Gemini 3: the current turn’s function calls carry their thought signature (or the documented stand-in)',
    refused: { model: 'gemini-3-pro-preview', messages: chatTurn('call_1') },
    accepted: {
      model: 'gemini-3-pro-preview',
      messages: chatTurn('call_1', {}, { extra_content: { google: { thought_signature: 'skip_thought_signature_validator' } } }),
    },
    expect: (json) => {
      assert.ok(Array.isArray(json), 'an array of Google error objects');
      assert.equal(at(json, 0, 'error', 'code'), 400);
      assert.equal(at(json, 0, 'error', 'status'), 'INVALID_ARGUMENT');
      assert.match(
        strAt(json, 0, 'error', 'message'),
        /^Function call is missing a thought_signature in functionCall parts\. .* function call `default_api:Bash` , position 2\./,
      );
    },
  },
  {
    dialect: 'gemini',
    rule: 'Gemini 3: a signature it did not give is refused',
    refused: { model: 'gemini-3-pro-preview', messages: chatTurn('call_1', {}, { extra_content: { google: { thought_signature: 'kbr1.made-up' } } }) },
    accepted: { model: 'gemini-2.5-flash', messages: chatTurn('call_1') },
    expect: (json) => assert.equal(at(json, 0, 'error', 'message'), 'Corrupted thought signature.'),
  },
  {
    dialect: 'mistral',
    rule: 'tool call ids are nine letters or digits',
    refused: { model: 'mistral-large-latest', messages: chatTurn('call_0fypS1hVX') },
    accepted: { model: 'mistral-large-latest', messages: chatTurn('0fypS1hVX') },
    expect: (json) =>
      assert.deepEqual(json, {
        object: 'error',
        message: 'Tool call id was call_0fypS1hVX but must be a-z, A-Z, 0-9, with a length of 9.',
        type: 'invalid_request_error',
        param: null,
        code: null,
      }),
  },
  {
    dialect: 'groq',
    rule: 'reasoning fields sent back are refused',
    refused: { model: 'openai/gpt-oss-120b', messages: chatTurn('call_1', { reasoning_content: 'hm' }) },
    accepted: { model: 'openai/gpt-oss-120b', messages: chatTurn('call_1') },
    expect: (json) =>
      assert.equal(
        at(json, 'error', 'message'),
        "'messages.1' : for 'role:assistant' the following must be satisfied[('messages.1' : property 'reasoning_content' is unsupported)]",
      ),
  },
];

describe('fake provider: strict dialects', () => {
  let p: FakeProvider;
  before(async () => (p = await startFakeProvider()));
  after(async () => p.close());

  for (const r of RULES) {
    it(`${r.dialect}: ${r.rule}`, async () => {
      const refused = await send(p, r.dialect, r.refused);
      assert.equal(refused.status, 400, refused.text);
      r.expect(refused.json);
      const accepted = await send(p, r.dialect, r.accepted);
      assert.equal(accepted.status, 200, accepted.text);
    });
  }

  it('keeps the general rules of the API under every dialect, and takes the fields a provider adds', async () => {
    const unpaired = await send(p, 'deepseek', { model: 'deepseek-v4-flash', messages: [user, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] });
    assert.equal(unpaired.status, 400);
    assert.match(strAt(unpaired.json, 'error', 'message'), /messages with role 'tool' must be a response/);
    const own = await send(p, 'deepseek', { model: 'deepseek-v4-flash', messages: [user], thinking: { type: 'enabled' } });
    assert.equal(own.status, 200, own.text);
    const foreign = await send(p, 'openai', { model: 'gpt-4o', messages: [user], thinking: { type: 'enabled' } });
    assert.equal(foreign.status, 400);
    assert.match(strAt(foreign.json, 'error', 'message'), /^Unrecognized request argument supplied: thinking$/);
  });

  it('checks signatures against what it issued: a Gemini 3 signature from its own answer comes back valid', async () => {
    p.setResponder(() => ({ toolCall: { name: 'Bash', arguments: { command: 'ls' } } }));
    try {
      const first = await send(p, 'gemini', { model: 'gemini-3-pro-preview', messages: [user] });
      const call = at(first.json, 'choices', 0, 'message', 'tool_calls', 0);
      assert.equal(typeof at(call, 'extra_content', 'google', 'thought_signature'), 'string');
      const again = await send(p, 'gemini', {
        model: 'gemini-3-pro-preview',
        messages: [user, at(first.json, 'choices', 0, 'message'), { role: 'tool', tool_call_id: at(call, 'id'), content: 'ok' }],
      });
      assert.equal(again.status, 200, again.text);
    } finally {
      p.setResponder(undefined);
    }
  });

  it('signs a thinking block when Claude is asked to think, and takes that signature back', async () => {
    const thinking = { type: 'enabled', budget_tokens: 1024 };
    const first = await send(p, 'anthropic', messagesBody({ max_tokens: 2048, thinking }));
    const [block, text] = arrAt(first.json, 'content');
    assert.equal(at(block, 'type'), 'thinking');
    assert.equal(at(text, 'type'), 'text');
    const again = await send(
      p,
      'anthropic',
      messagesBody({ max_tokens: 2048, thinking, messages: [user, { role: 'assistant', content: at(first.json, 'content') }, user] }),
    );
    assert.equal(again.status, 200, again.text);
    const streamed = await send(p, 'anthropic', messagesBody({ max_tokens: 2048, thinking, stream: true }));
    const events = sseEvents(streamed.text).map((e) => parseJson(e.data));
    assert.deepEqual(
      events.filter((e) => at(e, 'type') === 'content_block_start').map((e) => [at(e, 'index'), at(e, 'content_block', 'type')]),
      [
        [0, 'thinking'],
        [1, 'text'],
      ],
    );
    assert.ok(events.some((e) => at(e, 'type') === 'content_block_delta' && at(e, 'index') === 0 && at(e, 'delta', 'type') === 'signature_delta'));
  });
});

describe('fake provider: answer shapes per dialect', () => {
  let p: FakeProvider;
  before(async () => {
    p = await startFakeProvider({ streamEvents: 2 });
    p.setResponder(() => ({ toolCall: { name: 'Bash', arguments: { command: 'ls' } } }));
  });
  after(async () => p.close());

  const chunks = async (dialect: StrictDialect, model: string, extra: Record<string, unknown> = {}): Promise<unknown[]> => {
    const res = await send(p, dialect, { model, messages: [user], stream: true, ...extra });
    assert.equal(res.status, 200, res.text);
    const events = sseEvents(res.text);
    assert.equal(events.at(-1)?.data, '[DONE]');
    return events.slice(0, -1).map((e) => parseJson(e.data));
  };
  /** The delta of a chunk's first choice; a chunk with no choices (usage) has none. */
  const delta = (chunk: unknown): unknown => (arrAt(chunk, 'choices').length ? at(chunk, 'choices', 0, 'delta') : undefined);
  /** The first tool call streamed with an id. */
  const firstCall = (all: unknown[]): unknown =>
    at(
      must(
        all.find((c) => delta(c) !== undefined && at(delta(c), 'tool_calls') !== undefined && at(delta(c), 'tool_calls', 0, 'id')),
        'a tool call with an id',
      ),
      'choices',
      0,
      'delta',
      'tool_calls',
      0,
    );

  it('DeepSeek: reasoning_content deltas, then the tool call, then a usage chunk with no choices', async () => {
    const all = await chunks('deepseek', 'deepseek-v4-flash', { stream_options: { include_usage: true } });
    const kinds = all.map((c) =>
      delta(c) === undefined ? 'usage' : at(delta(c), 'reasoning_content') ? 'reasoning' : at(delta(c), 'tool_calls') ? 'tool' : 'other',
    );
    assert.deepEqual(
      kinds.filter((k, i) => k !== kinds[i - 1]),
      ['other', 'reasoning', 'tool', 'other', 'usage'],
    );
    const usage = objAt(all.at(-1), 'usage');
    assert.equal(numAt(usage, 'prompt_cache_hit_tokens') + numAt(usage, 'prompt_cache_miss_tokens'), usage.prompt_tokens);
    assert.match(strAt(firstCall(all), 'id'), /^call_00_/);
  });

  it('Gemini: the tool call carries extra_content.google.thought_signature', async () => {
    const all = await chunks('gemini', 'gemini-3-pro-preview');
    assert.match(strAt(firstCall(all), 'extra_content', 'google', 'thought_signature'), /^[A-Za-z0-9+/=]{20,}$/);
  });

  it('Kimi: ids in its functions.Name:idx form, counting the calls of the conversation', async () => {
    const all = await chunks('moonshot', 'kimi-k2-thinking', { messages: chatTurn('functions.Bash:0') });
    assert.equal(at(firstCall(all), 'id'), 'functions.Bash:1');
  });

  it('Mistral: nine-character ids; Groq: usage under x_groq on the last chunk', async () => {
    const mistral = await chunks('mistral', 'mistral-large-latest');
    assert.match(strAt(firstCall(mistral), 'id'), /^[a-zA-Z0-9]{9}$/);
    const groq = await chunks('groq', 'openai/gpt-oss-120b');
    const groqUsage = objAt(groq.at(-1), 'x_groq', 'usage');
    assert.equal(groqUsage.total_tokens, numAt(groqUsage, 'prompt_tokens') + numAt(groqUsage, 'completion_tokens'));
    assert.ok(groq.slice(0, -1).every((c) => at(c, 'x_groq') === undefined));
  });

  it('OpenRouter: reasoning and reasoning_details deltas', async () => {
    const all = await chunks('openrouter', 'deepseek/deepseek-r1');
    const reasoning = all.filter((c) => delta(c) !== undefined && at(delta(c), 'reasoning'));
    assert.equal(reasoning.length, 2);
    assert.equal(at(reasoning[0], 'choices', 0, 'delta', 'reasoning_details', 0, 'type'), 'reasoning.text');
  });
});
