// Guards the answer side of cross-protocol routes against what real Chat providers send (issue 20): answers in the
// shapes of Kimi, DeepSeek, Gemini's OpenAI endpoint and Groq (test/fakeProvider/recordedShapes.ts) reach Claude
// Code's and Codex's SDKs with tool-call ids Anthropic takes, the usage the provider reported, an unfinished answer
// ended as an error, and the provider's reasoning state carried in the one place each client returns verbatim.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { decodeCarriedReasoning, isCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { deepseekInsufficientResource, deepseekToolCall, geminiToolCalls, groqText, kimiToolCall } from '../fakeProvider/recordedShapes';
import type { DialectId } from '../../src/core/providers/dialect';

const SHAPES = { kimi: kimiToolCall, deepseek: deepseekToolCall, cut: deepseekInsufficientResource, gemini: geminiToolCalls, groq: groqText };
type Shape = keyof typeof SHAPES;
const DIALECTS: Record<Shape, DialectId> = { kimi: 'moonshot', deepseek: 'deepseek', cut: 'deepseek', gemini: 'gemini', groq: 'groq' };

// One Chat-only pool per provider shape; its key names the shape the fake answers with.
const pools = (p: FakeProvider) =>
  (Object.keys(SHAPES) as Shape[]).map((shape) => ({
    id: shape,
    protocol: 'openai' as const,
    baseUrl: p.openaiBaseUrl,
    strategy: 'fill-first' as const,
    responses: false,
    dialect: DIALECTS[shape],
    keys: [{ id: 'k1', secret: `test-key-${shape}-1` }],
  }));
const routes = (Object.keys(SHAPES) as Shape[])
  .flatMap((shape) => [
    { protocol: 'anthropic' as const, match: `claude-${shape}`, targets: [{ pool: shape, model: `${shape}-model` }] },
    { protocol: 'openai' as const, match: `codex-${shape}`, targets: [{ pool: shape, model: `${shape}-model` }] },
  ])
  .concat([{ protocol: 'openai' as const, match: 'kimi-direct', targets: [{ pool: 'kimi', model: 'kimi-model' }] }]);

const TOOLS: Anthropic.Tool[] = [
  { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
  { name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } },
  { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
];
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;

describe('answers of real Chat providers, across protocols', () => {
  let h: Harness;
  let anthropic: Anthropic;
  let openai: OpenAI;
  beforeEach(async () => {
    h = await startHarness({ pools, routes, provider: { strictRequests: true } });
    h.provider.setResponder((req) => {
      const shape = /^test-key-(\w+)-1$/.exec(req.key ?? '')?.[1] as Shape | undefined;
      return shape ? { recorded: SHAPES[shape]() } : undefined;
    });
    anthropic = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    openai = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
  });
  afterEach(async () => h.close());

  const ask = (model: string) => ({ model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'go on' }], tools: TOOLS });

  describe('an Anthropic client (Claude Code)', () => {
    for (const streamed of [true, false]) {
      const how = streamed ? 'streamed' : 'not streamed';
      const message = (model: string) => (streamed ? anthropic.messages.stream(ask(model)).finalMessage() : anthropic.messages.create(ask(model)));

      it(`gets Kimi's tool call under an id Anthropic takes, after a thinking block that carries the reasoning back (${how})`, async () => {
        const answer = await message('claude-kimi');
        assert.deepEqual(
          answer.content.map((b) => b.type),
          ['thinking', 'tool_use'],
        );
        const [thinking, use] = answer.content as [Anthropic.ThinkingBlock, Anthropic.ToolUseBlock];
        assert.match(use.id, ANTHROPIC_ID, 'Kimi’s functions.Bash:0 would have the session refused by Anthropic');
        assert.deepEqual(use.input, { command: 'ls -la' });
        assert.equal(thinking.thinking, 'The user wants the files listed. I will run ls.');
        assert.deepEqual(decodeCarriedReasoning(thinking.signature), { dialect: 'moonshot' });
        assert.equal(answer.stop_reason, 'tool_use');
        // Kimi reports usage inside the choice; its cache hits are counted apart, as Anthropic does.
        assert.deepEqual(answer.usage.input_tokens, 1_200 - 1_024);
        assert.equal(answer.usage.cache_read_input_tokens, 1_024);
        assert.equal(answer.usage.output_tokens, 48);
      });

      it(`gets DeepSeek's reasoning as a thinking block before the call, and the usage of its last chunk (${how})`, async () => {
        const answer = await message('claude-deepseek');
        const [thinking, use] = answer.content as [Anthropic.ThinkingBlock, Anthropic.ToolUseBlock];
        assert.equal(thinking.type, 'thinking');
        assert.equal(thinking.thinking, 'I need the file first. Reading it.');
        assert.ok(isCarriedReasoning(thinking.signature));
        assert.deepEqual(decodeCarriedReasoning(thinking.signature), { dialect: 'deepseek' });
        assert.equal(use.type, 'tool_use');
        assert.equal(use.id, 'call_00_Xq3d8');
        assert.deepEqual(use.input, { file_path: '/tmp/a.txt' }, 'arguments that came whole in the first delta');
        assert.deepEqual([answer.usage.input_tokens, answer.usage.cache_read_input_tokens, answer.usage.output_tokens], [260, 640, 120]);
        if (streamed) {
          const sent = h.provider.ledger.at(-1)?.body as { stream_options?: { include_usage?: boolean } };
          assert.equal(sent.stream_options?.include_usage, true, 'the translated request asks for the usage chunk');
        }
      });

      it(`gets Gemini's thought signature in a thinking block before the call it belongs to, keyed by that call's id (${how})`, async () => {
        const answer = await message('claude-gemini');
        assert.deepEqual(
          answer.content.map((b) => b.type),
          ['thinking', 'tool_use', 'tool_use'],
        );
        const [thinking, first, second] = answer.content as [Anthropic.ThinkingBlock, Anthropic.ToolUseBlock, Anthropic.ToolUseBlock];
        assert.deepEqual(decodeCarriedReasoning(thinking.signature), {
          dialect: 'gemini',
          thoughtSignatures: { [first.id]: 'EsoBCscBAdHtim9example0signature0one' },
        });
        assert.deepEqual([first.input, second.input], [{ city: 'Paris' }, { city: 'Oslo' }]);
        assert.equal(answer.stop_reason, 'tool_use', 'Gemini says stop after calls');
        assert.deepEqual([answer.usage.input_tokens, answer.usage.output_tokens], [310, 42]);
      });

      it(`gets the usage Groq reports in x_groq (${how})`, async () => {
        const answer = await message('claude-groq');
        assert.equal((answer.content[0] as Anthropic.TextBlock).text, 'Fast answer.');
        assert.deepEqual([answer.usage.input_tokens, answer.usage.output_tokens], [75, 9]);
        assert.ok(!answer.content.some((b) => b.type === 'thinking'), 'a provider that wants no reasoning back gets no carrier');
      });
    }

    it('gets an error, not a finished answer, when DeepSeek stops for want of capacity mid-stream', async () => {
      const stream = anthropic.messages.stream({ model: 'claude-cut', max_tokens: 64, messages: [{ role: 'user', content: 'go on' }] });
      await assert.rejects(stream.finalMessage(), (error: Error) => /before it was complete/.test(error.message));
    });

    it('gets the route’s failure, not half an answer, when DeepSeek stops for want of capacity before a non-streamed answer is sent', async () => {
      await assert.rejects(
        anthropic.messages.create({ model: 'claude-cut', max_tokens: 64, messages: [{ role: 'user', content: 'go on' }] }),
        (error: InstanceType<typeof Anthropic.APIError>) => error.status === 502,
      );
      assert.ok(
        h.logs.some((l) => l.includes('the provider stopped its answer before it was complete')),
        'the log says why',
      );
    });
  });

  describe('a Responses client (Codex) on a Chat-only pool', () => {
    const input = [{ role: 'user' as const, content: 'go on' }];
    const tools = TOOLS.map((t) => ({ type: 'function' as const, name: t.name, parameters: t.input_schema, strict: false }));

    for (const streamed of [true, false]) {
      const how = streamed ? 'streamed' : 'not streamed';
      const respond = (model: string) =>
        streamed ? openai.responses.stream({ model, input, tools }).finalResponse() : openai.responses.create({ model, input, tools });

      it(`gets DeepSeek's reasoning as a reasoning item whose encrypted_content carries it back, and the reported usage (${how})`, async () => {
        const response = await respond('codex-deepseek');
        assert.deepEqual(
          response.output.map((i) => i.type),
          ['reasoning', 'function_call'],
        );
        const reasoning = response.output[0] as OpenAI.Responses.ResponseReasoningItem;
        assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'I need the file first. Reading it.' }]);
        assert.deepEqual(decodeCarriedReasoning(reasoning.encrypted_content), { dialect: 'deepseek' });
        const call = response.output[1] as OpenAI.Responses.ResponseFunctionToolCall;
        assert.deepEqual([call.call_id, call.arguments], ['call_00_Xq3d8', '{"file_path":"/tmp/a.txt"}']);
        assert.equal(response.usage?.input_tokens, 900);
        assert.equal(response.usage.input_tokens_details.cached_tokens, 640);
        assert.equal(response.usage.output_tokens, 120);
        assert.equal(response.usage.output_tokens_details.reasoning_tokens, 80);
      });

      it(`gets Gemini's thought signature as a reasoning item before its call, keyed by the call_id (${how})`, async () => {
        const response = await respond('codex-gemini');
        assert.deepEqual(
          response.output.map((i) => i.type),
          ['reasoning', 'function_call', 'function_call'],
        );
        const reasoning = response.output[0] as OpenAI.Responses.ResponseReasoningItem;
        assert.deepEqual(decodeCarriedReasoning(reasoning.encrypted_content), {
          dialect: 'gemini',
          thoughtSignatures: { 'function-call-4f1a': 'EsoBCscBAdHtim9example0signature0one' },
        });
        assert.deepEqual(reasoning.summary, []);
        assert.equal(response.status, 'completed');
      });

      it(`gets the usage Kimi reports inside the choice (${how})`, async () => {
        const response = await respond('codex-kimi');
        assert.equal(response.usage?.input_tokens, 1_200);
        assert.equal(response.usage.output_tokens, 48);
        const call = response.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
        assert.equal(call.arguments, '{"command": "ls -la"}');
      });
    }
  });

  it('leaves a Chat client on a Chat pool alone: Kimi’s answer reaches it byte for byte', async () => {
    const stream = await openai.chat.completions.create({ model: 'kimi-direct', messages: [{ role: 'user', content: 'go on' }], stream: true });
    const ids: string[] = [];
    for await (const chunk of stream) for (const call of chunk.choices[0]?.delta.tool_calls ?? []) if (call.id) ids.push(call.id);
    assert.deepEqual(ids, ['functions.Bash:0']);
  });
});
