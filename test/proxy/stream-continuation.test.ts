// Guards opt-in continuation (a route's continueOnCut): a text-only stream cut after it reached the client is
// continued by the route's next target and spliced into the same client stream, so the client receives one
// complete, well-formed answer with one terminal event. Off by default; never across a tool call; a failed
// continuation still ends with the protocol's terminal error.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { divergingText, prefixCompletion, restartingText, restOfText } from '../fakeProvider/continuationReplies';
import { sseEvents, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { arrAt, at, objAt, str, strAt, type JsonObject } from '../helpers/json';
import { must } from '../helpers/must';

/** The last message of the request body the fake recorded in this ledger entry. */
const lastMessage = (entry: { body?: unknown } | undefined): JsonObject => {
  const messages = arrAt(must(entry, 'a ledger entry').body, 'messages');
  return objAt(messages, messages.length - 1);
};

const FULL = 'The quick brown fox jumps over the lazy dog, then rests under the old oak tree until the evening comes.';

const pools = (p: FakeProvider) => [
  { id: 'an-a', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'an-first-1' }] },
  { id: 'an-b', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'an-second-1' }] },
  { id: 'oa-a', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'oa-first-1' }] },
  { id: 'oa-b', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'oa-second-1' }] },
];
const routes = (continueOnCut: boolean) => [
  { protocol: 'anthropic' as const, match: '*', targets: [{ pool: 'an-a' }, { pool: 'an-b' }], continueOnCut },
  { protocol: 'openai' as const, match: '*', targets: [{ pool: 'oa-a' }, { pool: 'oa-b' }], continueOnCut },
];

describe('stream continuation after a cut', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => h.close());

  /** A streamed Anthropic request as raw events, without an SDK that would throw on the terminal error. */
  const anthropicStream = async (content: string) => {
    const res = await fetch(`${h.anthropicBase}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TOKEN },
      body: JSON.stringify({ model: 'claude-test', max_tokens: 400, stream: true, messages: [{ role: 'user', content }] }),
    });
    return sseEvents(await res.text());
  };

  /** `prefill`: what the second OpenAI-compatible pool declares (as the Mistral preset does: "prefix"). */
  const start = async (continueOnCut: boolean, prefill?: 'assistant' | 'prefix' | 'none') => {
    const declared = (p: FakeProvider) => pools(p).map((pool) => (pool.id === 'oa-b' && prefill ? { ...pool, prefill } : pool));
    h = await startHarness({ pools: declared, routes: routes(continueOnCut), provider: { streamEvents: 12, strictRequests: true } });
    h.provider.setResponder(restOfText(FULL));
  };

  it('continues a cut Anthropic stream on the next target: the SDK gets the whole text, once', async () => {
    await start(true);
    h.provider.fault('an-first-1', { kind: 'cut', afterEvents: 6 });
    const client = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0 });
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 400, messages: [{ role: 'user', content: 'tell me' }] });
    const message = await stream.finalMessage();
    const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    assert.equal(text, FULL);
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(
      h.provider.ledger.map((e) => e.key),
      ['an-first-1', 'an-second-1'],
    );
    const prefill = lastMessage(h.provider.ledger[1]);
    assert.equal(prefill.role, 'assistant', 'asked as a prefill');
    const content = prefill.content;
    assert.ok(FULL.startsWith(typeof content === 'string' ? content : strAt(content, 0, 'text')), 'the prefill is what the client got');
    assert.ok(
      h.logs.some((l) => /continued by pool "an-b"/.test(l)),
      'the request log says it was continued',
    );
  });

  it('continues a cut Chat stream without prefill: the SDK gets the whole text and one [DONE]', async () => {
    await start(true);
    h.provider.fault('oa-first-1', { kind: 'cut', afterEvents: 6 });
    const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'tell me' }] });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, FULL);
    assert.equal(finish, 'stop');
    assert.equal(lastMessage(h.provider.ledger[1]).role, 'user', 'an instruction to continue follows the delivered text');
  });

  it('continues a cut Responses stream (store: false, as Codex sends): one response, the whole text', async () => {
    await start(true);
    h.provider.fault('oa-first-1', { kind: 'cut', afterEvents: 8 });
    const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0 });
    const stream = await client.responses.create({ model: 'gpt-test', stream: true, store: false, input: 'tell me' });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    const ids = new Set<string>();
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if ('response' in event) ids.add(event.response.id);
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(text, FULL);
    assert.equal(ids.size, 1, 'one response id throughout');
    const response = must(completed, 'response.completed');
    // The SDK adds output_text to the answers it assembles, not to the response object of a raw stream event.
    assert.equal(at(response, 'output_text') ?? at(response, 'output', 0, 'content', 0, 'text'), FULL);
  });

  /** A streamed Chat request through the SDK: the text, the last finish reason, and whether the stream broke. */
  const chatText = async () => {
    const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'tell me' }] });
    let text = '';
    let finish: string | null = null;
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
    } catch (error) {
      return { text, finish, error: error as Error };
    }
    return { text, finish, error: undefined };
  };

  it('a Chat target that starts the answer again from the beginning: the client gets the text once, not twice', async () => {
    await start(true);
    h.provider.setResponder(restartingText(FULL));
    h.provider.fault('oa-first-1', { kind: 'cut', afterEvents: 6 });
    const { text, finish, error } = await chatText();
    assert.equal(error, undefined);
    assert.equal(text, FULL);
    assert.equal(finish, 'stop');
    assert.ok(h.logs.some((l) => /continued by pool "oa-b"/.test(l)));
  });

  it('a target that restarts and then gives another answer: the terminal error, as without continuation, never a success', async () => {
    await start(true);
    h.provider.setResponder(divergingText(FULL, 'The quick brown cat sleeps all afternoon in the warm sun.'));
    h.provider.fault('oa-first-1', { kind: 'cut', afterEvents: 6 });
    const { text, finish, error } = await chatText();
    assert.ok(error, 'the stream ends with an error');
    assert.equal(finish, null, 'never marked complete');
    assert.ok(FULL.startsWith(text) && text.length < FULL.length, `only what was delivered before the cut: ${JSON.stringify(text)}`);
    assert.equal(h.provider.ledger.length, 2, 'the continuation was asked for, and refused');
    assert.ok(
      h.logs.some((l) => /repeated text the client already has/.test(l)),
      'the request log says why',
    );
  });

  it('a Chat pool declaring prefix completion is asked with the documented prefix message, and continues the text', async () => {
    await start(true, 'prefix');
    const model = prefixCompletion(FULL);
    h.provider.setResponder(model);
    h.provider.fault('oa-first-1', { kind: 'cut', afterEvents: 6 });
    const { text, finish, error } = await chatText();
    assert.equal(error, undefined);
    assert.equal(text, FULL);
    assert.equal(finish, 'stop');
    const last = lastMessage(h.provider.ledger[1]);
    assert.equal(last.role, 'assistant');
    assert.equal(last.prefix, true);
    const prefix = str(last.content, 'the prefix text');
    assert.ok(FULL.startsWith(prefix) && prefix.length > 0, 'the prefix is what the client got');
    assert.deepEqual(model.asked, [true], 'the model saw a prefix it could continue');
  });

  it('an Anthropic model that refuses prefills (400) is asked again without one, on the same key', async () => {
    await start(true);
    h.provider.fault('an-first-1', { kind: 'cut', afterEvents: 6 });
    const refusal = {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'This model does not support assistant message prefill. The conversation must end with a user message.',
      },
    };
    h.provider.fault('an-second-1', { kind: 'status', status: 400, body: refusal });
    const client = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0 });
    const message = await client.messages.stream({ model: 'claude-test', max_tokens: 400, messages: [{ role: 'user', content: 'tell me' }] }).finalMessage();
    assert.equal(message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''), FULL);
    assert.deepEqual(
      h.provider.ledger.map((e) => e.key),
      ['an-first-1', 'an-second-1', 'an-second-1'],
    );
    assert.equal(lastMessage(h.provider.ledger[1]).role, 'assistant', 'first asked with a prefill');
    assert.equal(lastMessage(h.provider.ledger[2]).role, 'user', 'then with the instruction');
  });

  it('is off by default: a cut ends with the terminal error and nothing is spliced', async () => {
    await start(false);
    h.provider.fault('an-first-1', { kind: 'cut', afterEvents: 6 });
    const events = await anthropicStream('tell me');
    assert.equal(events.at(-1)?.event, 'error');
    assert.equal(h.provider.ledger.length, 1);
  });

  it('never continues across a tool call', async () => {
    await start(true);
    h.provider.setResponder(() => ({ toolCall: { name: 'Read', arguments: { file_path: '/tmp/x' } } }));
    h.provider.fault('an-first-1', { kind: 'cut', afterEvents: 4 });
    const events = await anthropicStream('read it');
    assert.equal(events.at(-1)?.event, 'error', 'the terminal error, as without continuation');
    assert.equal(h.provider.ledger.length, 1, 'no second request');
  });

  it('ends with the terminal error when the continuation fails too', async () => {
    await start(true);
    h.provider.fault('an-first-1', { kind: 'cut', afterEvents: 6 });
    h.provider.fault('an-second-1', { kind: 'overloaded' });
    const events = await anthropicStream('tell me');
    assert.equal(events.at(-1)?.event, 'error');
    assert.equal(events.filter((e) => e.event === 'message_start').length, 1, 'nothing of the failed continuation reached the client');
  });
});
