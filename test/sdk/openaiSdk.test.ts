// Guards compatibility with the real `openai` SDK pointed at the bridge: chat and Responses, streamed and not,
// tool calls, embeddings in the SDK's default base64 form, and a failover in the middle of a multi-turn exchange.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { arrAt } from '../helpers/json';
import { keysSeen, startHarness, TOKEN, type Harness } from '../helpers/harness';

describe('openai SDK through the bridge', () => {
  let h: Harness;
  let client: OpenAI;
  before(async () => {
    h = await startHarness();
    client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
  });
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  it('completes a chat, non-streamed and streamed', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });
    assert.match(completion.choices[0].message.content ?? '', /^Reply \d+ part 1/);
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.match(text, /^Reply \d+ part 1\..*part 5\.$/);
    assert.ok(usage && usage.completion_tokens > 0, 'usage reaches the client unchanged');
  });

  it('runs a tool-call round trip across a key failover', async () => {
    h.provider.setResponder((req) => {
      const messages = arrAt(req.body, 'messages') as { role: string; content?: string }[];
      const tool = messages.find((m) => m.role === 'tool');
      return tool ? { text: `The file says: ${tool.content}` } : { toolCall: { name: 'read_file', arguments: { path: 'notes.txt' } } };
    });
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'read notes.txt' }];
    const first = await client.chat.completions.create({ model: 'gpt-test', messages, tools, stream: true });
    let callId = '';
    let name = '';
    let args = '';
    for await (const chunk of first) {
      const call = chunk.choices[0]?.delta?.tool_calls?.[0];
      if (call?.id) callId = call.id;
      if (call?.function?.name) name = call.function.name;
      args += call?.function?.arguments ?? '';
    }
    assert.equal(name, 'read_file');
    assert.deepEqual(JSON.parse(args), { path: 'notes.txt' });
    // The key that served the first turn is rate-limited before the second.
    h.provider.fault('oa-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    messages.push({ role: 'assistant', tool_calls: [{ id: callId, type: 'function', function: { name, arguments: args } }] });
    messages.push({ role: 'tool', tool_call_id: callId, content: 'KEYBRIDGE-42' });
    const second = await client.chat.completions.create({ model: 'gpt-test', messages, tools });
    assert.equal(second.choices[0].message.content, 'The file says: KEYBRIDGE-42');
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'oa-key-1', 'oa-key-2']);
  });

  it('streams a Responses turn with typed events through response.completed', async () => {
    const stream = client.responses.stream({ model: 'gpt-test', input: 'hi' });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    assert.equal(types[0], 'response.created');
    assert.equal(types[types.length - 1], 'response.completed');
    assert.equal(final.status, 'completed');
    assert.ok((final.usage?.output_tokens ?? 0) > 0);
  });

  it('surfaces a mid-stream cut as an error the SDK throws', async () => {
    h.provider.fault('*', { kind: 'cut', afterEvents: 2 });
    const stream = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream: true });
    await assert.rejects(
      (async () => {
        for await (const _ of stream) {
          // read the stream to its end
        }
      })(),
      /interrupted/,
    );
  });

  it('returns base64 embeddings the SDK decodes, and lists models', async () => {
    const result = await client.embeddings.create({ model: 'emb-test', input: ['a', 'b'] });
    assert.equal(result.data.length, 2);
    assert.ok(Array.isArray(result.data[0].embedding) && result.data[0].embedding.length > 0);
    const models = await client.models.list();
    assert.ok(models.data.length > 0);
  });

  it('sees a 429 with retry headers the SDK understands when every key is limited', async () => {
    h.provider.always('*', { kind: 'rateLimit', headers: { 'retry-after': '20' } });
    await assert.rejects(client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers.get('retry-after'), '20');
      return true;
    });
  });
});
