// Guards the terminal variables (issue 19, item 8): a protocol's variables reach new terminals only while a pool
// or route can serve that protocol. Right after install, with no pool, every new terminal used to carry
// ANTHROPIC_BASE_URL, OPENAI_BASE_URL and the local token, so `claude` or `codex` there got 503 "no pool is
// configured" although the user's own key had worked in that terminal before.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activate, deactivate } from '../../src/extension';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { contextFor } from './fakeExtensionContext';
import { FakeSecretBackend } from './fakeSecretStorage';
import { fake } from './fakeVscode';
import { freePort, waitFor } from './waitFor';

const ANTHROPIC_VARS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'];
const OPENAI_VARS = ['OPENAI_API_BASE', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'];
const OWN_VARS = ['KEYBRIDGE_TOKEN', 'KEYBRIDGE_URL'];

describe('terminal variables', function () {
  this.timeout(20_000);
  let storage: string;
  let provider: FakeProvider;
  let port: number;
  let earlier: KeyStore | undefined;

  const oaPool = () => ({ id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: provider.openaiBaseUrl });
  const anPool = () => ({ id: 'an', label: 'Anthropic', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl });

  beforeEach(async () => {
    fake.reset();
    storage = mkdtempSync(join(tmpdir(), 'kb-terminal-env-'));
    provider = await startFakeProvider();
    port = await freePort();
    fake.settings.set('keybridge.port', port);
  });

  afterEach(async () => {
    await deactivate();
    earlier?.dispose();
    earlier = undefined;
    await provider.close();
    rmSync(storage, { recursive: true, force: true });
  });

  /** Keys stored by an earlier session, then the extension activated and serving the port. */
  async function start(keys: { pool: string; secret: string }[]) {
    const backend = new FakeSecretBackend();
    const store = (earlier = new KeyStore(backend.view()));
    await store.load();
    for (const key of keys) await store.addKeys(key.pool, [{ secret: key.secret }]);
    const context = contextFor(backend, storage);
    const api = activate(context as never);
    assert.equal(await api.whenReady(5_000), 'owner');
    // The status bar and the terminal variables are drawn in the same pass: once it shows the port, the variables are decided.
    await waitFor(() => new RegExp(`KeyBridge :${port} \\d+/\\d+$`).test(fake.statusBarItems[0]?.text ?? ''), 5_000, 'the bridge rendered as serving');
    return { earlier: store, context, api, vars: context.environmentVariableCollection.vars };
  }

  const names = (vars: Map<string, string>) => [...vars.keys()].sort();

  it('sets nothing while no pool is configured, and says nothing about it', async () => {
    const { vars, api } = await start([]);
    assert.deepEqual(api.status()?.pools, []);
    assert.deepEqual(names(vars), [], 'a new terminal keeps the user’s own keys');
    assert.ok(!fake.messagesOf('info').some((m) => /for new terminals/.test(m)), 'no notice of variables that were not set');
  });

  it('sets nothing for a pool that has no key yet', async () => {
    fake.settings.set('keybridge.pools', [oaPool(), anPool()]);
    const { vars } = await start([]);
    assert.deepEqual(names(vars), []);
  });

  it("sets only OpenAI's variables for an OpenAI pool, and Anthropic's too once an Anthropic pool has a key", async () => {
    fake.settings.set('keybridge.pools', [oaPool()]);
    const { vars, earlier, context } = await start([{ pool: 'oa', secret: 'sk-test-term-env-oa1' }]);
    assert.deepEqual(names(vars), [...OPENAI_VARS, ...OWN_VARS].sort());
    assert.equal(vars.get('OPENAI_BASE_URL'), `http://127.0.0.1:${port}/openai/v1`);
    const description = (context.environmentVariableCollection.description as { value: string }).value;
    assert.match(description, /OpenAI clients at http:\/\/127\.0\.0\.1:\d+\/openai\/v1/);
    assert.doesNotMatch(description, /ANTHROPIC|Anthropic clients/, 'the description names only what is set');
    assert.match(description, /only while a pool or route serves it/);
    await waitFor(() => fake.messagesOf('info').some((m) => /already open do not see them/.test(m)), 2_000, 'the new-terminals notice');
    assert.match(fake.messagesOf('info').find((m) => /for new terminals/.test(m)) ?? '', /^KeyBridge set OPENAI_BASE_URL and the local token/);

    fake.setSetting('keybridge.pools', [oaPool(), anPool()]);
    await earlier.addKeys('an', [{ secret: 'sk-ant-test-ter-en-an1' }]);
    await waitFor(() => vars.has('ANTHROPIC_BASE_URL'), 5_000, 'Anthropic variables once the Anthropic pool can serve');
    assert.deepEqual(names(vars), [...ANTHROPIC_VARS, ...OPENAI_VARS, ...OWN_VARS].sort());
    assert.equal(vars.get('ANTHROPIC_BASE_URL'), `http://127.0.0.1:${port}/anthropic`);
    assert.match((context.environmentVariableCollection.description as { value: string }).value, /OpenAI clients at .* and Anthropic clients at /);

    fake.setSetting('keybridge.pools', [anPool()]);
    await waitFor(() => !vars.has('OPENAI_BASE_URL'), 5_000, 'OpenAI variables gone with the OpenAI pool');
    assert.deepEqual(names(vars), [...ANTHROPIC_VARS, ...OWN_VARS].sort());
  });

  it("sets a protocol's variables for a route that serves it from the other protocol's pool", async () => {
    fake.settings.set('keybridge.pools', [anPool()]);
    fake.settings.set('keybridge.routes', [{ protocol: 'openai', match: 'gpt-*', targets: [{ pool: 'an', model: 'claude-fallback' }] }]);
    const { vars } = await start([{ pool: 'an', secret: 'sk-ant-test-ter-en-an1' }]);
    assert.deepEqual(names(vars), [...ANTHROPIC_VARS, ...OPENAI_VARS, ...OWN_VARS].sort(), 'OpenAI clients are served by translation');
  });
});
