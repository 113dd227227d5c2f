// Guards translated streams against a provider that quotes the key it was sent: in text deltas (whole in one
// delta, and cut into pieces of 10 characters, none a quote by itself) and in tool-call argument fragments
// (cut the same way, and spelt partly with JSON escapes, which the client's parse of the arguments decodes).
// Each of the four stream translations hands the real SDK an answer with the key masked, delta by delta, no
// event held back. (Relayed streams of the client's own protocol stay unscrubbed: README, Security.)
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Bridge } from '../../src/core/bridge';
import { TEST_TUNING } from '../helpers/harness';

const KEY = 'sk-test-key-trans.Kq3vX9mP2rT8wY5zA1bC'; // the dot keeps it from reading as a real key
const TOKEN = 'kb-translated-echo-token';

/** Every run of 12 of the key's characters: a text holding none of them holds no usable part of the key. */
function quotesKey(text: string): boolean {
  for (let i = 0; i + 12 <= KEY.length; i++) if (text.includes(KEY.slice(i, i + 12))) return true;
  return false;
}

/** Text in pieces of `size` characters; a JSON escape (`\u0073`) counts as one character, so no piece cuts one. */
function pieces(text: string, size: number): string[] {
  const units = text.match(/\\u[0-9a-fA-F]{4}|[^]/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < units.length; i += size) out.push(units.slice(i, i + size).join(''));
  return out;
}

/** The key with every third character spelt as a JSON escape, as it appears inside JSON text. */
const escapedKey = Array.from(KEY)
  .map((c, i) => (i % 3 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c))
  .join('');

/** What the provider says, with the key it was sent. */
function answer(key: string): { text: string[]; args: string[] } {
  return {
    text: [...pieces(`Your key is ${key}`, 10), `. Again: ${key}.`],
    args: pieces(`{"path":"${escapedKey.replace(KEY, key)}","again":"${key}"}`, 10),
  };
}

function chatStream(key: string): string {
  const chunk = (delta: unknown, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const { text, args } = answer(key);
  let out = chunk({ role: 'assistant', content: '' });
  for (const piece of text) out += chunk({ content: piece });
  out += chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'Read', arguments: '' } }] });
  for (const piece of args) out += chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
  return out + chunk({}, 'tool_calls') + 'data: [DONE]\n\n';
}

function messagesStream(key: string): string {
  const event = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  const { text, args } = answer(key);
  let out = event('message_start', {
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: { input_tokens: 1, output_tokens: 0 } },
  });
  out += event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  for (const piece of text) out += event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
  out += event('content_block_stop', { index: 0 });
  out += event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'Read', input: {} } });
  for (const piece of args) out += event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: piece } });
  out += event('content_block_stop', { index: 1 });
  out += event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } });
  return out + event('message_stop', {});
}

describe('a key quoted in a translated stream', () => {
  let upstream: Server;
  let bridge: Bridge;
  let anthropic: Anthropic;
  let openai: OpenAI;

  before(async () => {
    // Quotes back whichever key it was sent, in its own protocol's stream, one event per write.
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const anthropicSide = (req.url ?? '').endsWith('/messages');
        const key = anthropicSide ? String(req.headers['x-api-key']) : String(req.headers.authorization).replace(/^Bearer /, '');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const events = (anthropicSide ? messagesStream(key) : chatStream(key)).split(/(?<=\n\n)/);
        const next = (): void => {
          if (events.length) res.write(events.shift(), () => setImmediate(next));
          else res.end();
        };
        next();
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    bridge = new Bridge({
      config: {
        pools: [
          { id: 'oa', protocol: 'openai', baseUrl: `${base}/v1`, strategy: 'fill-first', responses: false, keys: [{ id: 'k1', secret: KEY }] },
          { id: 'an', protocol: 'anthropic', baseUrl: base, strategy: 'fill-first', keys: [{ id: 'k1', secret: KEY }] },
        ],
        routes: [
          { protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'oa' }] },
          { protocol: 'openai', match: 'via-anthropic-*', targets: [{ pool: 'an' }] },
          { protocol: 'openai', match: 'via-chat-*', targets: [{ pool: 'oa' }] },
        ],
        tuning: TEST_TUNING,
      },
      port: 0,
      token: TOKEN,
      adminToken: 'kb-translated-echo-admin',
    });
    await bridge.start();
    anthropic = new Anthropic({ baseURL: bridge.baseUrls.anthropic, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
    openai = new OpenAI({ baseURL: bridge.baseUrls.openai, apiKey: TOKEN, maxRetries: 0, timeout: 10_000 });
  });
  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  /** What the client decodes: the text, and the arguments as its JSON parse gives them back. */
  function assertMasked(text: string, args: unknown): void {
    assert.match(text, new RegExp(`^Your key is [^*]{0,11}\\*{20,}\\. Again: \\*{${KEY.length}}\\.$`), `the text reads as sent, with the key masked: ${text}`);
    assert.ok(!quotesKey(text), `the text quotes the key: ${text}`);
    const decoded = JSON.stringify(args);
    assert.ok(!quotesKey(decoded), `the arguments quote the key: ${decoded}`);
    assert.deepEqual(Object.keys(args as object), ['path', 'again']);
  }

  it('masks it for an Anthropic client served by a Chat pool', async () => {
    const message = await anthropic.messages.stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    const text = message.content.find((b) => b.type === 'text');
    const call = message.content.find((b) => b.type === 'tool_use');
    assert.ok(text?.type === 'text' && call?.type === 'tool_use');
    assertMasked(text.text, call.input);
  });

  it('masks it for a Chat client served by an Anthropic pool', async () => {
    const completion = await openai.chat.completions.stream({ model: 'via-anthropic-x', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    const message = completion.choices[0].message;
    const call = message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assertMasked(message.content ?? '', JSON.parse(call.function.arguments));
  });

  for (const [via, model] of [
    ['an Anthropic pool', 'via-anthropic-x'],
    ['a Chat pool', 'via-chat-x'],
  ]) {
    it(`masks it for a Responses client served by ${via}`, async () => {
      const response = await openai.responses.stream({ model, input: 'hi' }).finalResponse();
      const call = response.output.find((item) => item.type === 'function_call');
      assert.ok(call?.type === 'function_call');
      const text = response.output
        .flatMap((item) => (item.type === 'message' ? item.content : []))
        .map((part) => (part.type === 'output_text' ? part.text : ''))
        .join('');
      assertMasked(text, JSON.parse(call.arguments));
    });
  }
});
