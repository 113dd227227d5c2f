// Guards KeyBridge's models in VS Code's language model API against a real bridge and the fake provider:
// a request goes through the bridge (so a 429 key fails over to the next), text streams as it arrives, a
// tool call is reported once with its input assembled, in both protocols and across a translated route;
// cancellation aborts the upstream request; errors reach the caller as LanguageModelError with the bridge's
// message (401 → NoPermissions, unknown model → NotFound), and the provider itself never marks a key.
import './vscodeHook';
import assert from 'node:assert/strict';
import type * as vscodeTypes from 'vscode';
// The enums by their real types (vscodeHook makes 'vscode' the fake at run time), as the provider's API takes them.
import { LanguageModelChatMessageRole, LanguageModelChatToolMode } from 'vscode';
import { Emitter } from '../../src/core/emitter';
import { silentLogger } from '../../src/core/logger';
import { KeyBridgeChatModels, type KeyBridgeModelInformation, type LanguageModelSources } from '../../src/vscode/languageModels/languageModelProvider';
import type { BridgeAccess } from '../../src/core/languageModels/lmBridgeClient';
import type { OfferedModel } from '../../src/vscode/languageModels/offeredModels';
import { ADMIN_TOKEN, startHarness, TOKEN, type Harness } from '../helpers/harness';
import {
  CancellationError,
  CancellationTokenSource,
  LanguageModelDataPart,
  LanguageModelError,
  LanguageModelTextPart,
  LanguageModelToolCallPart,
  LanguageModelToolResultPart,
} from './fakeVscode';

const model = (id: string, protocol: 'openai' | 'anthropic' | 'gemini', extra: Partial<OfferedModel> = {}): OfferedModel => ({
  id,
  name: `${id} (KeyBridge)`,
  protocol,
  model: id,
  maxInputTokens: 100_000,
  maxOutputTokens: 1_024,
  toolCalling: true,
  imageInput: false,
  servedBy: 'test',
  ...extra,
});

const GPT = model('gpt-test', 'openai');
const CLAUDE = model('claude-test', 'anthropic');
/** An Anthropic-protocol model routed to the OpenAI pool: the bridge translates both ways. */
const CROSS = model('claude-via-openai', 'anthropic');

const user = (...content: unknown[]): vscodeTypes.LanguageModelChatRequestMessage => ({ role: LanguageModelChatMessageRole.User, content, name: undefined });
const assistant = (...content: unknown[]): vscodeTypes.LanguageModelChatRequestMessage => ({
  role: LanguageModelChatMessageRole.Assistant,
  content,
  name: undefined,
});

const WEATHER = {
  name: 'weather',
  description: 'Weather by city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('KeyBridge language models through a real bridge', () => {
  let h: Harness;
  let provider: KeyBridgeChatModels;
  let models: OfferedModel[];
  let access: BridgeAccess | { unavailable: 'blocked' | 'not-running'; message: string };
  const changes = new Emitter<void>();

  const sources: LanguageModelSources = { models: () => models, onDidChange: (listener) => changes.on(listener), access: () => access };

  const info = (id: string): KeyBridgeModelInformation => {
    const found = provider.provideLanguageModelChatInformation().find((m) => m.id === id);
    assert.ok(found, `no model ${id}`);
    return found;
  };

  /** Runs one request; returns the parts reported and the error it ended with, if any. */
  async function send(
    id: string,
    messages: vscodeTypes.LanguageModelChatRequestMessage[],
    options: Partial<vscodeTypes.ProvideLanguageModelChatResponseOptions> = {},
    source = new CancellationTokenSource(),
    onPart?: (part: unknown) => void,
  ): Promise<{ parts: unknown[]; text: string; calls: LanguageModelToolCallPart[]; error?: unknown }> {
    const parts: unknown[] = [];
    let error: unknown;
    try {
      await provider.provideLanguageModelChatResponse(
        info(id),
        messages,
        { toolMode: LanguageModelChatToolMode.Auto, ...options },
        { report: (part) => (parts.push(part), onPart?.(part)) },
        source.token,
      );
    } catch (caught) {
      error = caught;
    }
    const text = parts.map((p) => (p instanceof LanguageModelTextPart ? p.value : '')).join('');
    return { parts, text, calls: parts.filter((p): p is LanguageModelToolCallPart => p instanceof LanguageModelToolCallPart), error };
  }

  const upstream = (endpoint: string) => h.provider.ledger.filter((e) => e.endpoint === endpoint);

  beforeEach(async () => {
    h = await startHarness({ routes: [{ protocol: 'anthropic', match: 'claude-via-openai', targets: [{ pool: 'oa', model: 'gpt-test' }] }] });
    models = [GPT, CLAUDE, CROSS];
    access = { baseUrls: h.bridge.baseUrls, token: TOKEN, adminToken: ADMIN_TOKEN };
    provider = new KeyBridgeChatModels(sources, silentLogger);
  });

  afterEach(async () => {
    provider.dispose();
    await h.close();
  });

  it('describes each offered model to VS Code, named as KeyBridge', () => {
    const listed = provider.provideLanguageModelChatInformation();
    assert.deepEqual(
      listed.map((m) => [m.id, m.name, m.family, m.maxInputTokens, m.maxOutputTokens, m.capabilities.toolCalling, m.capabilities.imageInput]),
      [
        ['gpt-test', 'gpt-test (KeyBridge)', 'gpt-test', 100_000, 1_024, true, false],
        ['claude-test', 'claude-test (KeyBridge)', 'claude-test', 100_000, 1_024, true, false],
        ['claude-via-openai', 'claude-via-openai (KeyBridge)', 'claude-via-openai', 100_000, 1_024, true, false],
      ],
    );
  });

  it('fires onDidChangeLanguageModelChatInformation only when the offered models change', () => {
    let fired = 0;
    const listening = provider.onDidChangeLanguageModelChatInformation(() => fired++);
    changes.fire();
    assert.equal(fired, 0, 'a key change that leaves the models as they are');
    models = [GPT];
    changes.fire();
    assert.equal(fired, 1);
    listening.dispose();
  });

  it('streams text through the bridge, failing over from a rate-limited key to the next', async () => {
    h.provider.fault('oa-key-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    const result = await send('gpt-test', [user(new LanguageModelTextPart('Say hello.'))]);
    assert.equal(result.error, undefined, String(result.error));
    assert.deepEqual(
      upstream('chat').map((e) => [e.key, e.fault ?? 'ok', e.stream]),
      [
        ['oa-key-1', 'rateLimit', true],
        ['oa-key-2', 'ok', true],
      ],
    );
    const seq = upstream('chat')[1].seq;
    assert.equal(result.text, `Reply ${seq} part 1. Reply ${seq} part 2. Reply ${seq} part 3. Reply ${seq} part 4. Reply ${seq} part 5.`);
    assert.ok(result.parts.filter((p) => p instanceof LanguageModelTextPart).length >= 5, 'text is reported as it arrives, not at the end');
    assert.deepEqual((upstream('chat')[1].body as { messages: unknown }).messages, [{ role: 'user', content: 'Say hello.' }]);
  });

  it('reports a tool call once, with its input assembled from the argument fragments (Anthropic)', async () => {
    h.provider.setResponder(() => ({ toolCall: { name: 'weather', arguments: { city: 'Oslo', days: 3 } }, events: 4 }));
    const history = [
      user(new LanguageModelTextPart('Weather in Bergen, then Oslo?')),
      assistant(new LanguageModelToolCallPart('toolu_prev', 'weather', { city: 'Bergen' })),
      user(new LanguageModelToolResultPart('toolu_prev', [new LanguageModelTextPart('rain')])),
    ];
    const result = await send('claude-test', history, { tools: [WEATHER], toolMode: LanguageModelChatToolMode.Required });
    assert.equal(result.error, undefined, String(result.error));
    assert.equal(result.calls.length, 1);
    assert.deepEqual([result.calls[0].name, result.calls[0].input], ['weather', { city: 'Oslo', days: 3 }]);
    assert.match(result.calls[0].callId, /^toolu_/);
    const body = upstream('messages')[0].body as { messages: unknown[]; tool_choice: unknown; tools: { name: string }[]; max_tokens: number };
    assert.deepEqual(body.tool_choice, { type: 'any' });
    assert.deepEqual(
      body.tools.map((t) => t.name),
      ['weather'],
    );
    assert.equal(body.max_tokens, 1_024);
    assert.deepEqual(body.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_prev', name: 'weather', input: { city: 'Bergen' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_prev', content: [{ type: 'text', text: 'rain' }] }] },
    ]);
  });

  it('reports text and a tool call from a Chat stream, and across a translated route', async () => {
    h.provider.setResponder(() => ({ text: 'Let me check.', toolCall: { name: 'weather', arguments: { city: 'Rome' } }, events: 3 }));
    const chat = await send('gpt-test', [user(new LanguageModelTextPart('Rome?'))], { tools: [WEATHER] });
    assert.equal(chat.error, undefined, String(chat.error));
    assert.equal(chat.text, 'Let me check.');
    assert.deepEqual(
      chat.calls.map((c) => [c.name, c.input]),
      [['weather', { city: 'Rome' }]],
    );
    assert.equal(chat.parts.at(-1), chat.calls[0], 'the call comes after the text');

    const crossed = await send('claude-via-openai', [user(new LanguageModelTextPart('Rome?'))], { tools: [WEATHER] });
    assert.equal(crossed.error, undefined, String(crossed.error));
    assert.equal(crossed.text, 'Let me check.');
    assert.deepEqual(
      crossed.calls.map((c) => [c.name, c.input]),
      [['weather', { city: 'Rome' }]],
    );
    const last = upstream('chat').at(-1);
    assert.equal(last?.model, 'gpt-test', 'the Anthropic request went to the OpenAI pool as the route says');
  });

  it('sends images from data parts and leaves cache hints out', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const result = await send('claude-test', [
      user(
        new LanguageModelTextPart('What is this?'),
        new LanguageModelDataPart(png, 'image/png'),
        new LanguageModelDataPart(new TextEncoder().encode('ephemeral'), 'cache_control'),
      ),
    ]);
    assert.equal(result.error, undefined, String(result.error));
    const body = upstream('messages')[0].body as { messages: { content: unknown[] }[] };
    assert.deepEqual(body.messages[0].content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: Buffer.from(png).toString('base64') } },
    ]);
  });

  it('cancellation aborts the upstream request', async () => {
    h.provider.setResponder(() => ({ text: 'x'.repeat(400), events: 40, gapMs: 50 }));
    const source = new CancellationTokenSource();
    const result = await send('claude-test', [user(new LanguageModelTextPart('Write a lot.'))], {}, source, () => source.cancel());
    assert.ok(result.error instanceof CancellationError, `ended with ${String(result.error)}`);
    const entry = await h.provider.waitFor((e) => e.endpoint === 'messages' && e.aborted, 3_000);
    assert.ok(entry.eventsSent < 40, `the provider sent ${entry.eventsSent} events: the request was not aborted early`);
    assert.equal(result.text, 'x'.repeat(10), 'one delta arrived before the cancel');
  });

  it('a request already cancelled sends nothing', async () => {
    const source = new CancellationTokenSource();
    source.cancel();
    const result = await send('gpt-test', [user(new LanguageModelTextPart('hi'))], {}, source);
    assert.ok(result.error instanceof CancellationError);
    assert.equal(upstream('chat').length, 0);
  });

  it("answers with the bridge's message when every key is rate-limited, marking nothing itself", async () => {
    for (const key of ['oa-key-1', 'oa-key-2', 'oa-key-3']) h.provider.always(key, { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    const result = await send('gpt-test', [user(new LanguageModelTextPart('hi'))]);
    assert.ok(result.error instanceof LanguageModelError, String(result.error));
    assert.equal(result.error.code, '');
    assert.match(result.error.message, /^KeyBridge: every usable key of "oa" is rate-limited for gpt-test; the first recovers in \d+ s\.$/);
    assert.equal(upstream('chat').length, 3, 'each key tried once, by the bridge');
  });

  it('maps a refused local token to NoPermissions and an unknown model to NotFound', async () => {
    access = { baseUrls: h.bridge.baseUrls, token: 'kb-not-the-token', adminToken: ADMIN_TOKEN };
    const refused = await send('gpt-test', [user(new LanguageModelTextPart('hi'))]);
    assert.ok(refused.error instanceof LanguageModelError);
    assert.equal(refused.error.code, 'NoPermissions');
    assert.match(refused.error.message, /wrong local access token/);
    assert.ok(!refused.error.message.includes('kb-not-the-token'), 'the token is never in a message');

    access = { baseUrls: h.bridge.baseUrls, token: TOKEN, adminToken: ADMIN_TOKEN };
    h.provider.fault('an-key-1', { kind: 'status', status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'model: claude-test' } } });
    const unknown = await send('claude-test', [user(new LanguageModelTextPart('hi'))]);
    assert.ok(unknown.error instanceof LanguageModelError);
    assert.deepEqual([unknown.error.code, unknown.error.message], ['NotFound', 'model: claude-test']);

    // VS Code may still hold a model the setting has since taken away.
    const stale = info('gpt-test');
    models = [];
    await assert.rejects(
      provider.provideLanguageModelChatResponse(
        stale,
        [user(new LanguageModelTextPart('hi'))],
        { toolMode: LanguageModelChatToolMode.Auto },
        { report: () => undefined },
        new CancellationTokenSource().token,
      ),
      (e: unknown) => e instanceof LanguageModelError && e.code === 'NotFound',
    );
  });

  it('offers Gemini-protocol routes: a native Gemini pool failing over from a rate-limited key, and a Gemini route translated to the OpenAI pool', async () => {
    await h.close();
    h = await startHarness({
      pools: (p) => [
        { id: 'oa', protocol: 'openai', baseUrl: p.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'oa-key-1' }] },
        {
          id: 'gm',
          protocol: 'gemini',
          baseUrl: p.geminiBaseUrl,
          dialect: 'gemini',
          strategy: 'fill-first',
          keys: [1, 2].map((i) => ({ id: `k${i}`, secret: `gm-key-${i}` })),
        },
      ],
      routes: [{ protocol: 'gemini', match: 'gemini-via-openai', targets: [{ pool: 'oa', model: 'gpt-test' }] }],
    });
    access = { baseUrls: h.bridge.baseUrls, token: TOKEN, adminToken: ADMIN_TOKEN };
    models = [model('gemini-test', 'gemini'), model('gemini-via-openai', 'gemini')];
    assert.match(String(info('gemini-test').tooltip), /through KeyBridge \(Gemini /);

    h.provider.fault('gm-key-1', { kind: 'rateLimit', retryDelayS: 30 });
    h.provider.setResponder(() => ({ text: 'Let me check.', toolCall: { name: 'weather', arguments: { city: 'Rome' } }, events: 3 }));
    const native = await send('gemini-test', [user(new LanguageModelTextPart('Rome?'))], { tools: [WEATHER] });
    assert.equal(native.error, undefined, String(native.error));
    assert.equal(native.text, 'Let me check.');
    assert.deepEqual(
      native.calls.map((c) => [c.name, c.input]),
      [['weather', { city: 'Rome' }]],
    );
    const gemini = upstream('generate_content');
    assert.deepEqual(
      gemini.map((e) => [e.key, e.fault ?? 'ok', e.model, e.stream]),
      [
        ['gm-key-1', 'rateLimit', 'gemini-test', true],
        ['gm-key-2', 'ok', 'gemini-test', true],
      ],
    );
    assert.deepEqual((gemini[1]?.body as { contents: unknown }).contents, [{ role: 'user', parts: [{ text: 'Rome?' }] }]);

    const crossed = await send('gemini-via-openai', [user(new LanguageModelTextPart('Rome?'))], { tools: [WEATHER] });
    assert.equal(crossed.error, undefined, String(crossed.error));
    assert.equal(crossed.text, 'Let me check.');
    assert.deepEqual(
      crossed.calls.map((c) => [c.name, c.input]),
      [['weather', { city: 'Rome' }]],
    );
    assert.deepEqual(
      upstream('chat').map((e) => [e.key, e.model]),
      [['oa-key-1', 'gpt-test']],
      'the Gemini request went to the OpenAI pool as the route says',
    );
  });

  it('maps a protocol no pool serves to NotFound, and a stream cut after it began to an error', async () => {
    await h.close();
    h = await startHarness({
      pools: (p) => [{ id: 'oa', protocol: 'openai', baseUrl: p.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'oa-key-1' }] }],
    });
    access = { baseUrls: h.bridge.baseUrls, token: TOKEN, adminToken: ADMIN_TOKEN };
    const unrouted = await send('claude-test', [user(new LanguageModelTextPart('hi'))]);
    assert.ok(unrouted.error instanceof LanguageModelError);
    assert.equal(unrouted.error.code, 'NotFound');
    assert.match(unrouted.error.message, /no anthropic pool is configured/);

    h.provider.fault('oa-key-1', { kind: 'cut', afterEvents: 3 });
    const cut = await send('gpt-test', [user(new LanguageModelTextPart('hi'))]);
    assert.ok(cut.error instanceof LanguageModelError, String(cut.error));
    assert.ok(cut.text.length > 0, 'text before the cut was reported');
  });

  it('sends nothing to a bridge that cannot prove it knows this window’s admin token: Blocked, and the local token stays here', async () => {
    access = { baseUrls: h.bridge.baseUrls, token: TOKEN, adminToken: 'kbadmin-' + 'another-machine-profile' };
    const result = await send('gpt-test', [user(new LanguageModelTextPart('hi'))]);
    assert.ok(result.error instanceof LanguageModelError);
    assert.equal(result.error.code, 'Blocked');
    assert.match(result.error.message, /could not prove it is this machine's KeyBridge \(wrong owner proof\); nothing was sent to it/);
    assert.equal(h.provider.ledger.length, 0);
    assert.equal(h.bridge.status().totals.requests, 0, 'no request reached the bridge');
  });

  it('says why when the bridge cannot be used, without sending anything', async () => {
    access = { unavailable: 'blocked', message: 'Another program holds 127.0.0.1:17381' };
    const blocked = await send('gpt-test', [user(new LanguageModelTextPart('hi'))]);
    assert.equal((blocked.error as LanguageModelError).code, 'Blocked');
    access = { unavailable: 'not-running', message: 'KeyBridge is stopped.' };
    const stopped = await send('gpt-test', [user(new LanguageModelTextPart('hi'))]);
    assert.deepEqual([(stopped.error as LanguageModelError).code, (stopped.error as Error).message], ['', 'KeyBridge is stopped.']);
    assert.equal(h.provider.ledger.length, 0);
  });

  it('estimates tokens at four characters each, 1,600 per image', async () => {
    assert.equal(await provider.provideTokenCount(info('gpt-test'), 'x'.repeat(40)), 10);
    const message = user(new LanguageModelTextPart('y'.repeat(41)), new LanguageModelDataPart(new Uint8Array([1, 2, 3]), 'image/jpeg'));
    assert.equal(await provider.provideTokenCount(info('gpt-test'), message), 11 + 1_600);
  });
});
