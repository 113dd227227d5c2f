// Guards what the fake `vscode` module cannot show: that VS Code itself lists KeyBridge's models under the
// `keybridge` vendor and sends requests through them. `vscode.lm.selectChatModels` returns the routes with a
// concrete model name while `keybridge.languageModels` is unset, then exactly what the setting lists;
// `sendRequest` streams text through the real bridge (failing over from a rate-limited key), a tool call
// with its input, an exhausted route as an error with the bridge's message, and a cancelled request
// reaches the fake provider as an aborted upstream request.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { KeyBridgeApi } from '../../src/extension';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { say } from './hostLog';
import { until } from './until';

const EXTENSION_ID = 'keybridge.keybridge';
const run = randomBytes(4).toString('hex');
const OPENAI_FIRST = `sk-test-key-lm-${run}-first-5555`;
const OPENAI_SECOND = `sk-test-key-lm-${run}-second-6666`;
const ANTHROPIC_KEY = `sk-ant-test-key-lm-${run}-7777`;
const ROUTES = [
  { protocol: 'openai', match: 'lm-gpt', targets: [{ pool: 'lm-openai' }] },
  { protocol: 'anthropic', match: 'lm-claude', targets: [{ pool: 'lm-anthropic' }] },
];
const WEATHER: vscode.LanguageModelChatTool = {
  name: 'weather',
  description: 'Weather by city',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const keybridgeModels = (): Thenable<vscode.LanguageModelChat[]> => vscode.lm.selectChatModels({ vendor: 'keybridge' });

/** Reads the whole stream; `onPart` may cancel. Resolves with the parts and the error the stream ended with. */
async function read(
  response: vscode.LanguageModelChatResponse,
  onPart?: (part: unknown) => void,
): Promise<{ parts: unknown[]; text: string; error?: unknown }> {
  const parts: unknown[] = [];
  let error: unknown;
  try {
    for await (const part of response.stream) {
      parts.push(part);
      onPart?.(part);
    }
  } catch (caught) {
    error = caught;
  }
  const text = parts.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
  return { parts, text, error };
}

describe("KeyBridge models in VS Code's language model API", function () {
  let api: KeyBridgeApi;
  let fake: FakeProvider;
  let routesBefore: unknown;
  const config = () => vscode.workspace.getConfiguration('keybridge');
  const model = async (id: string): Promise<vscode.LanguageModelChat> =>
    until(`the model ${id}`, async () => (await keybridgeModels()).find((m) => m.id === id));

  before(async function () {
    this.timeout(60_000);
    fake = await startFakeProvider();
    const extension = vscode.extensions.getExtension<KeyBridgeApi>(EXTENSION_ID);
    assert.ok(extension);
    api = await extension.activate();
    assert.equal(await api.whenReady(20_000), 'owner');
    routesBefore = config().inspect('routes')?.globalValue;
    await vscode.commands.executeCommand('keybridge.addPool', {
      preset: 'custom',
      id: 'lm-openai',
      label: 'LM OpenAI',
      baseUrl: fake.openaiBaseUrl,
      protocol: 'openai',
      keys: [OPENAI_FIRST, OPENAI_SECOND],
    });
    await vscode.commands.executeCommand('keybridge.addPool', {
      preset: 'custom',
      id: 'lm-anthropic',
      label: 'LM Anthropic',
      baseUrl: fake.anthropicBaseUrl,
      protocol: 'anthropic',
      keys: [ANTHROPIC_KEY],
    });
    await until('both pools with their keys in the bridge', () => {
      const pools = api.status()?.pools ?? [];
      return pools.find((p) => p.id === 'lm-openai')?.keys.length === 2 && pools.find((p) => p.id === 'lm-anthropic')?.keys.length === 1;
    });
    await config().update('routes', ROUTES, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await config().update('languageModels', undefined, vscode.ConfigurationTarget.Global);
    await config().update('routes', routesBefore, vscode.ConfigurationTarget.Global);
    await fake.close();
  });

  it('lists one model per route with a concrete model name while keybridge.languageModels is unset', async () => {
    const models = await until('the routes as keybridge models', async () => {
      const listed = await keybridgeModels();
      return listed.some((m) => m.id === 'lm-gpt') && listed.some((m) => m.id === 'lm-claude') && listed;
    });
    for (const m of models) say(`model: ${m.vendor}/${m.id} "${m.name}" family ${m.family}, max input ${m.maxInputTokens}`);
    const gpt = models.find((m) => m.id === 'lm-gpt');
    assert.deepEqual(gpt && [gpt.vendor, gpt.name, gpt.family], ['keybridge', 'lm-gpt (KeyBridge)', 'lm-gpt']);
  });

  it('lists exactly the models keybridge.languageModels names', async () => {
    await config().update(
      'languageModels',
      [
        { protocol: 'openai', model: 'lm-gpt', name: 'LM GPT via KeyBridge' },
        { protocol: 'anthropic', model: 'lm-claude', maxInputTokens: 50_000 },
      ],
      vscode.ConfigurationTarget.Global,
    );
    const models = await until('the listed models', async () => {
      const listed = await keybridgeModels();
      return listed.some((m) => m.name === 'LM GPT via KeyBridge') && listed;
    });
    assert.deepEqual(models.map((m) => [m.id, m.name, m.maxInputTokens]).sort(), [
      ['lm-claude', 'lm-claude (KeyBridge)', 50_000],
      ['lm-gpt', 'LM GPT via KeyBridge', 128_000],
    ]);
    say(`after the setting: ${models.map((m) => `${m.id} "${m.name}"`).join(', ')}`);
  });

  it('streams text through the bridge, failing over from a rate-limited key', async () => {
    fake.fault(OPENAI_FIRST, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
    const before = fake.ledger.length;
    const gpt = await model('lm-gpt');
    const response = await gpt.sendRequest([vscode.LanguageModelChatMessage.User('Say hello through KeyBridge.')], { justification: 'KeyBridge e2e' });
    const { text, parts, error } = await read(response);
    assert.equal(error, undefined, `the stream failed: ${String(error)}`);
    const upstream = fake.ledger.slice(before).filter((e) => e.endpoint === 'chat');
    assert.deepEqual(
      upstream.map((e) => [e.key === OPENAI_FIRST ? 'first' : e.key === OPENAI_SECOND ? 'second' : e.key, e.fault ?? 'ok', e.stream]),
      [
        ['first', 'rateLimit', true],
        ['second', 'ok', true],
      ],
    );
    const seq = upstream[1].seq;
    assert.equal(text, [1, 2, 3, 4, 5].map((i) => `Reply ${seq} part ${i}.`).join(' '));
    say(
      `sendRequest lm-gpt: upstream ${upstream.map((e) => `${e.key === OPENAI_FIRST ? 'first' : 'second'}→${e.fault ? 429 : 200}`).join(', ')}; ${parts.length} text parts: "${text.slice(0, 50)}…"`,
    );
  });

  it('streams a tool call with its input assembled', async () => {
    fake.setResponder((req) => (req.endpoint === 'messages' ? { toolCall: { name: 'weather', arguments: { city: 'Oslo' } }, events: 4 } : undefined));
    try {
      const claude = await model('lm-claude');
      const response = await claude.sendRequest([vscode.LanguageModelChatMessage.User('Weather in Oslo?')], {
        tools: [WEATHER],
        toolMode: vscode.LanguageModelChatToolMode.Required,
      });
      const { parts, error } = await read(response);
      assert.equal(error, undefined, `the stream failed: ${String(error)}`);
      const calls = parts.filter((p): p is vscode.LanguageModelToolCallPart => p instanceof vscode.LanguageModelToolCallPart);
      assert.deepEqual(
        calls.map((c) => [c.name, c.input]),
        [['weather', { city: 'Oslo' }]],
      );
      const body = fake.ledger.filter((e) => e.endpoint === 'messages').at(-1)?.body as { tool_choice?: unknown; tools?: { name: string }[] };
      assert.deepEqual(body.tool_choice, { type: 'any' });
      say(`sendRequest lm-claude with a tool: ${calls.map((c) => `${c.name}(${JSON.stringify(c.input)}) id ${c.callId}`).join(', ')}`);
    } finally {
      fake.setResponder(undefined);
    }
  });

  it('cancelling the request aborts it upstream', async () => {
    fake.setResponder((req) => (req.endpoint === 'messages' ? { text: 'x'.repeat(600), events: 60, gapMs: 50 } : undefined));
    try {
      const claude = await model('lm-claude');
      const source = new vscode.CancellationTokenSource();
      const response = await claude.sendRequest([vscode.LanguageModelChatMessage.User('Write a lot.')], {}, source.token);
      const { parts, error } = await read(response, () => source.cancel());
      const entry = await fake.waitFor((e) => e.endpoint === 'messages' && e.aborted, 5_000);
      assert.ok(entry.eventsSent < 60, `the provider sent all ${entry.eventsSent} events`);
      say(
        `cancelled after ${parts.length} part(s) (${error ? `stream ended with ${error instanceof Error ? String(error) : JSON.stringify(error)}` : 'stream ended'}); provider saw the request aborted after ${entry.eventsSent} of 60+ events`,
      );
    } finally {
      fake.setResponder(undefined);
    }
  });

  it("answers an exhausted route with the bridge's message", async () => {
    fake.always(ANTHROPIC_KEY, { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    try {
      const claude = await model('lm-claude');
      let error: unknown;
      try {
        error = (await read(await claude.sendRequest([vscode.LanguageModelChatMessage.User('hi')]))).error;
      } catch (caught) {
        error = caught;
      }
      assert.ok(error instanceof Error, `no error: ${String(error)}`);
      assert.match(error.message, /every usable key of "lm-anthropic" is rate-limited/);
      say(`exhausted: ${error.name} code ${JSON.stringify((error as { code?: unknown }).code)}: ${error.message}`);
    } finally {
      fake.always(ANTHROPIC_KEY, undefined);
    }
  });
});
