// Guards cross-protocol routes (issue 11): a route may name a pool of the other protocol, and the real SDKs
// work unchanged through it — text and tool calls, streamed and not, a tool conversation that fails over from
// Anthropic to an OpenAI-compatible pool mid-way, errors in the client's shape, count_tokens estimated, the
// thinking-signature retry. The fake provider checks each translated request as the real API would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { keysSeen, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { at, strAt } from '../helpers/json';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import type { ResponderRequest } from '../fakeProvider/types';

const pools = (p: FakeProvider) => [
  { id: 'an', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k1', secret: 'an-key-1' }] },
  {
    id: 'oa',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    keys: [
      { id: 'k1', secret: 'oa-key-1' },
      { id: 'k2', secret: 'oa-key-2' },
    ],
  },
  // A provider with Chat Completions only (DeepSeek, Mistral, Gemini …): Responses requests are translated to Chat.
  {
    id: 'oa-chat',
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    responses: false,
    keys: [{ id: 'k1', secret: 'oa-chat-key-1' }],
  },
];
const routes = [
  { protocol: 'anthropic' as const, match: 'claude-haiku-*', targets: [{ pool: 'oa', model: 'gpt-fallback' }, { pool: 'an' }] },
  { protocol: 'anthropic' as const, match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'oa', model: 'gpt-fallback' }] },
  { protocol: 'openai' as const, match: 'gpt-*', targets: [{ pool: 'an', model: 'claude-fallback' }] },
  // A Chat client whose session was on Kimi, now on a Claude model that refuses temperature with top_p.
  { protocol: 'openai' as const, match: 'kimi-*', targets: [{ pool: 'an', model: 'claude-sonnet-4-5' }] },
  { protocol: 'openai' as const, match: 'chatonly-*', targets: [{ pool: 'oa-chat' }] },
  {
    protocol: 'openai' as const,
    match: 'codex-*',
    targets: [{ pool: 'oa' }, { pool: 'an', model: 'claude-fallback' }, { pool: 'oa-chat', model: 'chat-fallback' }],
  },
];

/** A tool loop: the first turn asks for Read, a turn carrying its result is answered in text. */
function toolLoop(req: ResponderRequest) {
  const messages = (at(req.body, 'messages') ?? []) as { role: string; content: unknown }[];
  const last = messages.at(-1);
  if (last?.role === 'tool') return { text: `Read: ${String(last.content)}` };
  const result = Array.isArray(last?.content) ? (last.content as { type: string; content?: unknown }[]).find((b) => b.type === 'tool_result') : undefined;
  if (result) return { text: `Read: ${typeof result.content === 'string' ? result.content : JSON.stringify(result.content)}` };
  return { toolCall: { name: 'Read', arguments: { file_path: '/tmp/x' } } };
}

describe('cross-protocol routes', () => {
  let h: Harness;
  let anthropic: Anthropic;
  let openai: OpenAI;
  // A bridge per test: key states (an invalid key, a cooling one) are part of what each test sets up.
  beforeEach(async () => {
    h = await startHarness({ pools, routes, provider: { strictRequests: true } });
    anthropic = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    openai = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
  });
  afterEach(async () => h.close());

  describe('an Anthropic client on an OpenAI-compatible pool', () => {
    beforeEach(() => h.provider.always('an-key-1', { kind: 'invalidKey' }));

    it('gets a message, not streamed, from Chat Completions under the route’s model', async () => {
      const message = await anthropic.messages.create({
        model: 'claude-sonnet-test',
        max_tokens: 64,
        system: 'be brief',
        messages: [{ role: 'user', content: 'hi' }],
      });
      const translated = h.provider.ledger.at(-1);
      assert.equal(translated?.path, '/v1/chat/completions');
      assert.equal(translated.model, 'gpt-fallback');
      assert.equal(translated.key, 'oa-key-1');
      assert.deepEqual((translated.body as { messages: unknown[] }).messages[0], { role: 'system', content: 'be brief' });
      assert.equal(message.type, 'message');
      assert.equal(message.model, 'gpt-fallback');
      assert.equal(message.content[0].type, 'text');
      assert.match(message.content[0].text, /^Reply \d+/);
      assert.equal(message.stop_reason, 'end_turn');
      assert.ok(message.usage.output_tokens > 0 && message.usage.input_tokens > 0);
    });

    it('streams text and a tool call with its input, and the log says what was translated', async () => {
      const text = await anthropic.messages.stream({ model: 'claude-sonnet-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalText();
      assert.match(text, /^Reply \d+ part 1/);
      h.provider.setResponder(toolLoop);
      const tools: Anthropic.Tool[] = [
        { name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } },
      ];
      const final = await anthropic.messages
        .stream({ model: 'claude-sonnet-test', max_tokens: 64, top_k: 5, messages: [{ role: 'user', content: 'read it' }], tools })
        .finalMessage();
      const use = final.content.find((b) => b.type === 'tool_use');
      assert.equal(use?.name, 'Read');
      assert.deepEqual(use.input, { file_path: '/tmp/x' });
      assert.equal(final.stop_reason, 'tool_use');
      const sent = h.provider.ledger.at(-1)?.body as { tools: { function: { parameters: unknown } }[] };
      assert.deepEqual(sent.tools[0].function.parameters, tools[0].input_schema, 'the JSON Schema goes across untouched');
      assert.ok(
        h.logs.some((l) => /^info request \d+: Anthropic Messages → OpenAI Chat for pool "oa"; not carried: top_k$/.test(l)),
        'what the target did not get is logged',
      );
    });

    it('counts tokens with the documented estimate instead of failing', async () => {
      const count = await anthropic.messages.countTokens({ model: 'claude-sonnet-test', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
      assert.equal(count.input_tokens, 100, '400 characters at four per token');
      assert.ok(!h.provider.ledger.some((e) => e.endpoint === 'count_tokens' && e.key === 'oa-key-1'), 'no key is spent on an estimate');
    });

    it('gets a provider’s refusal as an Anthropic error, and a rate-limited pool as an Anthropic 429 with Retry-After', async () => {
      h.provider.always('oa-key-1', {
        kind: 'status',
        status: 400,
        body: { error: { message: 'Unsupported value: temperature', type: 'invalid_request_error', code: null } },
      });
      await assert.rejects(
        anthropic.messages.create({ model: 'claude-sonnet-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.BadRequestError);
          assert.match(error.message, /Unsupported value: temperature \(from pool \\?"oa\\?", translated\)/);
          assert.equal((error.error as { error: { type: string } }).error.type, 'invalid_request_error');
          return true;
        },
      );
      h.provider.always('oa-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
      h.provider.always('oa-key-2', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
      await assert.rejects(
        anthropic.messages.create({ model: 'claude-sonnet-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.RateLimitError);
          assert.ok(Number(error.headers.get('retry-after')) >= 1);
          return true;
        },
      );
    });

    it('holds a translated stream at the gate: a silent target before its first event fails over, a finished one without [DONE] is complete', async () => {
      h.bridge.engine.tuning.firstEventTimeoutMs = 300;
      h.provider.fault('oa-key-1', { kind: 'slowFirstEvent', ms: 2_000 });
      h.provider.always('an-key-1', undefined);
      const relayed = await anthropic.messages
        .stream({ model: 'claude-haiku-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
        .finalMessage();
      assert.equal(relayed.model, 'claude-haiku-test', 'the next target, Anthropic itself, served');
      assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'an-key-1']);
      h.provider.fault('oa-key-1', { kind: 'noDone' });
      const text = await anthropic.messages.stream({ model: 'claude-haiku-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalText();
      assert.match(text, /^Reply \d+ part 1/);
      assert.equal(h.provider.ledger.at(-1)?.key, 'oa-key-1');
    });

    it('ends a stream cut after it started with an Anthropic error event the SDK throws on', async () => {
      h.provider.fault('oa-key-1', { kind: 'cut', afterEvents: 3 });
      await assert.rejects(
        anthropic.messages.stream({ model: 'claude-sonnet-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(),
        /interrupted/,
      );
    });
  });

  it('carries a tool conversation that fails over from Anthropic to an OpenAI-compatible pool mid-way', async () => {
    h.provider.setResponder(toolLoop);
    const tools: Anthropic.Tool[] = [{ name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'read /tmp/x' }];
    const first = await anthropic.messages.stream({ model: 'claude-sonnet-test', max_tokens: 64, messages, tools }).finalMessage();
    const use = first.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
    assert.equal(use.name, 'Read');
    h.provider.always('an-key-1', { kind: 'invalidKey' });
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'KEYBRIDGE-7' }] });
    const second = await anthropic.messages.stream({ model: 'claude-sonnet-test', max_tokens: 64, messages, tools }).finalMessage();
    assert.deepEqual(
      second.content.map((b) => (b.type === 'text' ? b.text : b.type)),
      ['Read: KEYBRIDGE-7'],
    );
    assert.deepEqual(keysSeen(h.provider), ['an-key-1', 'an-key-1', 'oa-key-1']);
    // The strict fake checked the pairing; here, the call and its result as Chat carries them.
    const chat = h.provider.ledger.at(-1)?.body as { messages: { role: string; tool_call_id?: string; tool_calls?: { id: string }[] }[] };
    assert.equal(chat.messages.at(-2)?.tool_calls?.[0].id, use.id);
    assert.deepEqual(chat.messages.at(-1), { role: 'tool', tool_call_id: use.id, content: 'KEYBRIDGE-7' });
    messages.push({ role: 'assistant', content: second.content });
    messages.push({ role: 'user', content: 'thanks' });
    // The whole history, tool call and result included, is valid Chat for the strict fake, turn after turn.
    const third = await anthropic.messages.create({ model: 'claude-sonnet-test', max_tokens: 64, messages, tools });
    assert.ok(third.content.length > 0);
    const roles = (h.provider.ledger.at(-1)?.body as { messages: { role: string }[] }).messages.map((m) => m.role);
    assert.deepEqual(roles, ['user', 'assistant', 'tool', 'assistant', 'user']);
  });

  describe('an OpenAI Chat client on an Anthropic pool', () => {
    it('gets a completion, not streamed and streamed with usage, from Messages', async () => {
      const completion = await openai.chat.completions.create({
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'hi' },
        ],
      });
      const sent = h.provider.ledger.at(-1);
      assert.equal(sent?.path, '/v1/messages');
      assert.equal(sent.model, 'claude-fallback');
      assert.equal((sent.body as { system: string }).system, 'be brief');
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.model, 'claude-fallback');
      assert.match(completion.choices[0].message.content ?? '', /^Reply \d+/);
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assert.ok((completion.usage?.completion_tokens ?? 0) > 0);
      const stream = await openai.chat.completions.create({
        model: 'gpt-4.1',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        usage = chunk.usage ?? usage;
      }
      assert.match(text, /^Reply \d+ part 1/);
      assert.ok((usage?.prompt_tokens ?? 0) > 0 && (usage?.completion_tokens ?? 0) > 0);
    });

    it('runs a tool round trip through the SDK’s stream helper', async () => {
      h.provider.setResponder(toolLoop);
      const tools: OpenAI.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'Read', parameters: { type: 'object', properties: { file_path: { type: 'string' } } } } },
      ];
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'read /tmp/x' }];
      const first = await openai.chat.completions.stream({ model: 'gpt-4.1', messages, tools }).finalChatCompletion();
      const call = first.choices[0].message.tool_calls?.[0];
      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      assert.ok(call);
      assert.equal(call.type, 'function');
      assert.equal(call.function.name, 'Read');
      assert.deepEqual(JSON.parse(call.function.arguments), { file_path: '/tmp/x' });
      messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'KEYBRIDGE-9' });
      const second = await openai.chat.completions.create({ model: 'gpt-4.1', messages, tools });
      assert.equal(second.choices[0].message.content, 'Read: KEYBRIDGE-9');
    });

    it("has a Kimi session's history, a tool schema with a root oneOf and temperature with top_p accepted, streamed and not", async () => {
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: {
            name: 'Open',
            parameters: {
              oneOf: [
                { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
                { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
              ],
            },
          },
        },
      ];
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'open it' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'functions.Open:0', type: 'function', function: { name: 'Open', arguments: '{"path":"/tmp/x"}' } }],
        },
        { role: 'tool', tool_call_id: 'functions.Open:0', content: 'opened' },
      ];
      const request = { model: 'kimi-k2', messages, tools, temperature: 0.3, top_p: 0.9 };
      const completion = await openai.chat.completions.create(request);
      assert.match(completion.choices[0].message.content ?? '', /^Reply \d+/);
      let text = '';
      for await (const chunk of await openai.chat.completions.create({ ...request, stream: true })) text += chunk.choices[0]?.delta.content ?? '';
      assert.match(text, /^Reply \d+/);
      const sent = h.provider.ledger
        .filter((e) => e.endpoint === 'messages')
        .map(
          (e) =>
            e.body as { messages: { content: { id?: string; tool_use_id?: string }[] }[]; top_p?: number; tools: { input_schema: Record<string, unknown> }[] },
        );
      assert.equal(sent.length, 2, 'each accepted the first time');
      for (const body of sent) {
        assert.equal(body.messages[1].content[0].id, 'functions_Open_0');
        assert.equal(body.messages[2].content[0].tool_use_id, 'functions_Open_0');
        assert.equal(body.top_p, undefined);
        assert.deepEqual(body.tools[0].input_schema, { type: 'object', properties: { path: { type: 'string' }, url: { type: 'string' } } });
      }
      assert.ok(
        h.logs.some((l) =>
          /OpenAI Chat → Anthropic Messages for pool "an"; not carried: top_p \(with temperature\), a tool schema's oneOf at its root/.test(l),
        ),
        h.logs.join('\n'),
      );
    });

    it('gets an Anthropic overload as an OpenAI server error, and embeddings refused in OpenAI’s shape', async () => {
      h.provider.always('an-key-1', {
        kind: 'status',
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages: roles must alternate' } },
      });
      await assert.rejects(openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.match(error.message, /roles must alternate \(from pool "an", translated\)/);
        return true;
      });
      const res = await post(`${h.openaiBase}/embeddings`, { model: 'gpt-embed', input: 'hi' });
      assert.equal(res.status, 400);
      assert.match(strAt(res.json(), 'error', 'message'), /embeddings requests have no translation to Anthropic/);
      assert.equal(h.provider.ledger.filter((e) => e.endpoint === 'embeddings').length, 0);
    });

    it("gets an Anthropic pool that stays overloaded (529) as the bridge's 502 server error, as docs/routes-across-protocols.md says", async () => {
      h.provider.always('an-key-1', { kind: 'overloaded' });
      await assert.rejects(openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.InternalServerError);
        assert.equal(error.status, 502);
        assert.equal((error.error as { type?: string }).type, 'server_error');
        assert.match(error.message, /provider unavailable for pool "an": HTTP 529 overloaded_error/);
        return true;
      });
      // Retried as a provider failure (on the last target the retry budget and maxAttempts bound it), never passed on as it is.
      const seen = keysSeen(h.provider);
      assert.ok(seen.length >= 2 && seen.every((key) => key === 'an-key-1'), `retried as a provider failure: ${seen.join(', ')}`);
      // Issue 19, item 7: the README said 503 while clients got 502.
      const readme = readFileSync(resolve(__dirname, '../../../docs/routes-across-protocols.md'), 'utf8');
      assert.match(readme, /Anthropic's 529[^.]*\b502\b/, "the documentation names the status an OpenAI client gets for Anthropic's 529");
    });
  });

  describe('a Responses client (Codex’s wire format) on an Anthropic pool and on a Chat-only pool', () => {
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'Read', strict: false, parameters: { type: 'object', properties: { file_path: { type: 'string' } } } },
    ];
    it('streams a tool round trip from Anthropic as typed Responses events, store:false and encrypted reasoning left behind', async () => {
      h.provider.always('oa-key-1', { kind: 'invalidKey' });
      h.provider.always('oa-key-2', { kind: 'invalidKey' });
      h.provider.setResponder(toolLoop);
      const input: OpenAI.Responses.ResponseInput = [
        { role: 'user', content: 'read /tmp/x' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA-opaque-to-anyone-but-openai' },
      ];
      const first = await openai.responses
        .stream({ model: 'codex-test', input, tools, store: false, include: ['reasoning.encrypted_content'] })
        .finalResponse();
      const sent = h.provider.ledger.at(-1);
      assert.equal(sent?.path, '/v1/messages');
      assert.ok(!JSON.stringify(sent.body).includes('gAAAA'), 'encrypted reasoning never leaves for another provider');
      assert.equal(first.status, 'completed');
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(call?.type === 'function_call');
      assert.equal(call.name, 'Read');
      assert.deepEqual(JSON.parse(call.arguments), { file_path: '/tmp/x' });
      assert.ok((first.usage?.output_tokens ?? 0) > 0);
      const second = await openai.responses.create({
        model: 'codex-test',
        input: [{ role: 'user', content: 'read /tmp/x' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'KEYBRIDGE-11' }],
        tools,
        store: false,
      });
      assert.equal(second.output_text, 'Read: KEYBRIDGE-11');
      assert.equal(second.model, 'claude-fallback');
    });

    it('goes to Chat Completions on a pool without the Responses API, and refuses previous_response_id in OpenAI’s shape', async () => {
      for (const key of ['oa-key-1', 'oa-key-2', 'an-key-1']) h.provider.always(key, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
      const final = await openai.responses.stream({ model: 'codex-test', input: 'hi', store: false }).finalResponse();
      const sent = h.provider.ledger.at(-1);
      assert.equal(sent?.path, '/v1/chat/completions');
      assert.equal(sent.key, 'oa-chat-key-1');
      assert.equal(sent.model, 'chat-fallback');
      const message = final.output.find((item) => item.type === 'message');
      assert.ok(message?.type === 'message' && message.content[0].type === 'output_text');
      assert.match(message.content[0].text, /^Reply \d+ part 1/);
      // A stored answer lives with the provider that made it: nothing is sent, the client is told why.
      await assert.rejects(openai.responses.create({ model: 'chatonly-x', input: 'hi', previous_response_id: 'resp_123' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.match(error.message, /previous_response_id names an answer stored by another provider/);
        return true;
      });
      assert.equal(h.provider.ledger.filter((e) => e.key === 'oa-chat-key-1').length, 1);
    });

    it('answers 429 with Retry-After, not a refusal, when the one pool that could serve previous_response_id is rate-limited', async () => {
      for (const key of ['oa-key-1', 'oa-key-2']) h.provider.always(key, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
      // Both OpenAI keys cool down here; Anthropic serves this one translated.
      await openai.responses.create({ model: 'codex-test', input: 'hi', store: false });
      const sent = h.provider.ledger.length;
      // The same route now: the OpenAI pool has no ready key (nothing is sent there), the other two cannot take the request.
      await assert.rejects(openai.responses.create({ model: 'codex-test', input: 'again', previous_response_id: 'resp_123' }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError, `a refusal would tell Codex to give up: ${String(error)}`);
        assert.ok(Number(error.headers.get('retry-after')) >= 1);
        return true;
      });
      assert.equal(h.provider.ledger.length, sent, 'nothing was sent');
    });
  });

  it('sends a request again without thinking history when a provider refuses its signature, once', async () => {
    const signatureError = {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block' },
    };
    h.provider.fault('an-key-1', { kind: 'status', status: 400, body: signatureError });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig-from-another-account' },
          { type: 'text', text: 'hello' },
        ],
      },
      { role: 'user', content: 'again' },
    ];
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-test',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages,
    });
    assert.equal(message.content[0].type, 'text');
    const [refused, retried] = h.provider.ledger.filter((e) => e.endpoint === 'messages');
    assert.equal((refused.body as { messages: { content: unknown[] }[] }).messages[1].content.length, 2);
    const body = retried.body as { messages: { content: { type: string }[] }[]; thinking?: unknown };
    assert.deepEqual(
      body.messages[1].content.map((b) => b.type),
      ['text'],
    );
    assert.equal(body.thinking, undefined);
    assert.equal(retried.key, 'an-key-1', 'the same target and key: the key did nothing wrong');
    assert.ok(h.logs.some((l) => /refused thinking history it did not sign/.test(l)));
  });

  it('retries without thinking history only once: a provider that still refuses gets its answer to the client', async () => {
    const signatureError = {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'messages.1.content.0: Invalid `signature` in `thinking` block' },
    };
    h.provider.always('an-key-1', { kind: 'status', status: 400, body: signatureError });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig-from-another-account' },
          { type: 'text', text: 'hello' },
        ],
      },
      { role: 'user', content: 'again' },
    ];
    await assert.rejects(anthropic.messages.create({ model: 'claude-sonnet-test', max_tokens: 2048, messages }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.BadRequestError);
      assert.match(error.message, /Invalid `signature` in `thinking` block/);
      return true;
    });
    assert.equal(h.provider.ledger.filter((e) => e.endpoint === 'messages').length, 2, 'the request and one retry without thinking, no more');
  });
});
