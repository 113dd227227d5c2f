// Guards a native Gemini pool behind clients of the other protocols, with the real `@anthropic-ai/sdk` and `openai`
// SDKs and the fake playing Gemini 3 strictly: two tool turns each, Gemini's thought signatures going back to
// Gemini through the Anthropic client's thinking blocks and the Responses client's reasoning items (our carrier),
// the documented stand-in where the client's protocol has no place for them (Chat), and never anywhere else.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { PoolSpec } from '../../src/core/config';
import type { FakeProvider, ResponderRequest } from '../fakeProvider/fakeProvider';
import { keysSeen, startHarness, TOKEN, type Harness } from '../helpers/harness';

const MODEL = 'gemini-3-pro-preview';
const SKIP = 'skip_thought_signature_validator';

function pools(fp: FakeProvider): PoolSpec[] {
  return [
    {
      id: 'gm',
      protocol: 'gemini',
      baseUrl: fp.geminiBaseUrl,
      dialect: 'gemini',
      strategy: 'fill-first',
      keys: [1, 2].map((i) => ({ id: `k${i}`, secret: `gm-key-${i}` })),
    },
    { id: 'an', protocol: 'anthropic', baseUrl: fp.anthropicBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'an-key-1' }] },
  ];
}

interface GeminiPart {
  text?: string;
  functionCall?: { name: string };
  functionResponse?: { response?: { output?: string } };
  thoughtSignature?: string;
}

/** The Gemini request's contents, as the fake received them. */
function contentsOf(req: ResponderRequest): { role: string; parts: GeminiPart[] }[] {
  return ((req.body as { contents?: { role: string; parts: GeminiPart[] }[] }).contents ?? []).map((c) => ({ role: c.role, parts: c.parts }));
}

/** Two calls of Read, one per step, then the text of what they read. */
function twoReads(req: ResponderRequest) {
  const results = contentsOf(req).flatMap((c) => c.parts.flatMap((p) => (p.functionResponse ? [p.functionResponse.response?.output ?? ''] : [])));
  if (results.length < 2) return { toolCall: { name: 'Read', arguments: { file_path: `/tmp/${results.length + 1}` } } };
  return { text: `Read: ${results.join(' + ')}` };
}

/** The thought signature of each function call the fake received in the last request, in order. */
function signaturesSent(fp: FakeProvider): (string | undefined)[] {
  const body = fp.ledger.at(-1)?.body as { contents: { parts: GeminiPart[] }[] };
  return body.contents.flatMap((c) => c.parts.filter((p) => p.functionCall).map((p) => p.thoughtSignature));
}

describe('a native Gemini pool behind Anthropic and OpenAI clients', function () {
  this.timeout(20_000);
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      pools,
      routes: [
        { protocol: 'anthropic', match: 'gemini-*', targets: [{ pool: 'gm' }] },
        { protocol: 'openai', match: 'gemini-*', targets: [{ pool: 'gm' }] },
        { protocol: 'anthropic', match: 'moving', targets: [{ pool: 'an', model: 'claude-test' }] },
      ],
    });
    h.provider.options.strictRequests = true;
    h.provider.setResponder(twoReads);
  });
  afterEach(async () => h.close());

  it('Anthropic SDK: two tool turns, each thought signature back to Gemini through the thinking blocks', async () => {
    const client = new Anthropic({ baseURL: `${h.bridge.url}/anthropic`, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    const tools: Anthropic.Tool[] = [{ name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'read two files' }];
    for (let turn = 1; turn <= 2; turn++) {
      const answer = await client.messages.stream({ model: MODEL, max_tokens: 256, messages, tools }).finalMessage();
      const use = answer.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      assert.ok(use, `turn ${turn} calls a tool`);
      assert.deepEqual(use.input, { file_path: `/tmp/${turn}` });
      const thinking = answer.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking');
      assert.match(thinking?.signature ?? '', /^kbr1\./, 'the signature rides in our carrier');
      messages.push(
        { role: 'assistant', content: answer.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: `file ${turn}` }] },
      );
    }
    const last = await client.messages.create({ model: MODEL, max_tokens: 256, messages, tools });
    assert.deepEqual(
      last.content.map((b) => (b.type === 'text' ? b.text : b.type)),
      ['Read: file 1 + file 2'],
    );
    const sent = signaturesSent(h.provider);
    assert.equal(sent.length, 2);
    for (const signature of sent)
      assert.ok(signature !== undefined && signature !== SKIP && !signature.startsWith('kbr1.'), `Gemini's own signature went back: ${signature}`);
    assert.deepEqual(keysSeen(h.provider), ['gm-key-1', 'gm-key-1', 'gm-key-1']);
  });

  it('Anthropic SDK: history with Gemini’s carrier moved to an Anthropic pool goes without it', async () => {
    const client = new Anthropic({ baseURL: `${h.bridge.url}/anthropic`, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    const tools: Anthropic.Tool[] = [{ name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'read a file' }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 256, messages, tools });
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    assert.ok(use);
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'file 1' }] });
    h.provider.setResponder(() => ({ text: 'moved' }));
    const moved = await client.messages.create({ model: 'moving', max_tokens: 256, messages, tools });
    assert.deepEqual(
      moved.content.map((b) => (b.type === 'text' ? b.text : b.type)),
      ['moved'],
    );
    const sent = JSON.stringify(h.provider.ledger.at(-1)?.body);
    assert.ok(!sent.includes('kbr1.'), 'Anthropic never sees our carrier');
    assert.ok(h.logs.some((l) => /not carried: reasoning kept for another provider/.test(l)));
  });

  it('OpenAI SDK, Responses: two tool turns, the signatures back to Gemini through the reasoning items', async () => {
    const client = new OpenAI({ baseURL: `${h.bridge.url}/openai/v1`, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'Read', strict: false, parameters: { type: 'object', properties: { file_path: { type: 'string' } } } },
    ];
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'read two files' }];
    for (let turn = 1; turn <= 2; turn++) {
      const answer = await client.responses.create({ model: MODEL, input, tools, store: false, include: ['reasoning.encrypted_content'] });
      const call = answer.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
      assert.ok(call, `turn ${turn} calls a tool`);
      assert.equal(call.arguments, JSON.stringify({ file_path: `/tmp/${turn}` }));
      const reasoning = answer.output.find((item): item is OpenAI.Responses.ResponseReasoningItem => item.type === 'reasoning');
      assert.match(reasoning?.encrypted_content ?? '', /^kbr1\./);
      input.push(...(answer.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: `file ${turn}` });
    }
    const last = await client.responses.create({ model: MODEL, input, tools, store: false });
    assert.equal(last.output_text, 'Read: file 1 + file 2');
    const sent = signaturesSent(h.provider);
    assert.equal(sent.length, 2);
    for (const signature of sent)
      assert.ok(signature !== undefined && signature !== SKIP && !signature.startsWith('kbr1.'), `Gemini's own signature went back: ${signature}`);
  });

  it('OpenAI SDK, Chat: two tool turns with the documented stand-in, as Chat has no place for the signatures', async () => {
    const client = new OpenAI({ baseURL: `${h.bridge.url}/openai/v1`, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'Read', parameters: { type: 'object', properties: { file_path: { type: 'string' } } } } },
    ];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'read two files' }];
    for (let turn = 1; turn <= 2; turn++) {
      const stream = await client.chat.completions.create({ model: MODEL, messages, tools, stream: true });
      let id = '';
      let args = '';
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
          id ||= call.id ?? '';
          args += call.function?.arguments ?? '';
        }
      }
      assert.equal(args, JSON.stringify({ file_path: `/tmp/${turn}` }));
      messages.push(
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'Read', arguments: args } }] },
        { role: 'tool', tool_call_id: id, content: `file ${turn}` },
      );
    }
    const last = await client.chat.completions.create({ model: MODEL, messages, tools });
    assert.equal(last.choices[0].message.content, 'Read: file 1 + file 2');
    assert.ok(last.usage && last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
    assert.deepEqual(signaturesSent(h.provider), [SKIP, SKIP]);
  });
});
