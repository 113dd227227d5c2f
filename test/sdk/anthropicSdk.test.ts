// Guards compatibility with the real `@anthropic-ai/sdk` pointed at the bridge: messages streamed and not,
// beta messages, tool use across a key failover, and protocol-shaped errors the SDK maps to its classes.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { arrAt } from '../helpers/json';
import { keysSeen, startHarness, TOKEN, type Harness } from '../helpers/harness';

describe('Anthropic SDK through the bridge', () => {
  let h: Harness;
  let client: Anthropic;
  before(async () => {
    h = await startHarness();
    client = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
  });
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  it('creates a message, non-streamed and streamed', async () => {
    const message = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(message.content[0].type, 'text');
    assert.equal(message.model, 'claude-test');
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.match(text, /^Reply \d+ part 1/);
    assert.ok(final.usage.output_tokens > 0);
  });

  it('keeps tool use working when the session key is revoked between turns', async () => {
    h.provider.setResponder((req) => {
      const messages = arrAt(req.body, 'messages') as { role: string; content: unknown }[];
      const last = messages.at(-1);
      const result = Array.isArray(last?.content) ? (last.content as { type: string; content?: string }[]).find((b) => b.type === 'tool_result') : undefined;
      return result ? { text: `Read: ${result.content}` } : { toolCall: { name: 'Read', arguments: { file_path: '/tmp/x' } } };
    });
    const tools: Anthropic.Tool[] = [{ name: 'Read', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'read /tmp/x' }];
    const first = await client.messages.stream({ model: 'claude-test', max_tokens: 64, messages, tools }).finalMessage();
    const use = first.content.find((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock;
    assert.equal(use.name, 'Read');
    assert.deepEqual(use.input, { file_path: '/tmp/x' });
    h.provider.always('an-key-1', { kind: 'invalidKey' });
    messages.push({ role: 'assistant', content: first.content });
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'KEYBRIDGE-7' }] });
    const second = await client.messages.stream({ model: 'claude-test', max_tokens: 64, messages, tools }).finalMessage();
    assert.deepEqual(
      second.content.map((b) => (b.type === 'text' ? b.text : b.type)),
      ['Read: KEYBRIDGE-7'],
    );
    assert.deepEqual(keysSeen(h.provider), ['an-key-1', 'an-key-1', 'an-key-2']);
  });

  it('sends beta messages with their query string and headers', async () => {
    await client.beta.messages.create({
      model: 'claude-test',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
      betas: ['context-management-2025-06-27'],
    });
    assert.match(h.provider.ledger[0].headers['anthropic-beta'] as string, /context-management/);
  });

  it('throws on a cut stream (its error event) and gets a 502 APIError when every target is overloaded', async () => {
    h.provider.fault('*', { kind: 'cut', afterEvents: 4 });
    await assert.rejects(
      client.messages.stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(),
      /interrupted/,
    );
    h.provider.always('*', { kind: 'overloaded' });
    await assert.rejects(client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof Anthropic.APIError);
      assert.equal(error.status, 502);
      return true;
    });
  });

  it('counts tokens and lists models', async () => {
    const count = await client.messages.countTokens({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(count.input_tokens > 0);
    const models = await client.models.list();
    assert.ok(models.data.length > 0);
  });
});
