// Guards activation and shutdown: activate() returns at once even when secret storage never answers
// (code-server with no browser), then the bridge comes up in the background; terminals get the base URL
// and the token of the protocol a pool serves; the log has one line per request and no secret; deactivate() frees the port well within
// the 5 s VS Code allows.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activate, deactivate } from '../../src/extension';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { contextFor } from './fakeExtensionContext';
import { FakeSecretBackend } from './fakeSecretStorage';
import { fake } from './fakeVscode';
import { freePort, listening, waitFor } from './waitFor';

const SECRET = 'sk-' + 'proj-activation-test-key-0000abcd';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string }[] };
};

describe('activation', function () {
  this.timeout(20_000);
  let storage: string;
  let provider: FakeProvider;
  let port: number;

  beforeEach(async () => {
    fake.reset();
    storage = mkdtempSync(join(tmpdir(), 'kb-activation-'));
    provider = await startFakeProvider();
    port = await freePort();
    fake.settings.set('keybridge.port', port);
    fake.settings.set('keybridge.pools', [{ id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: provider.openaiBaseUrl }]);
  });

  afterEach(async () => {
    await deactivate();
    await provider.close();
    rmSync(storage, { recursive: true, force: true });
  });

  it('returns at once when secret storage never answers, and says what it waits for', async () => {
    const backend = new FakeSecretBackend();
    backend.hangGets = true;
    const context = contextFor(backend, storage);
    // Variables already in the collection stay until the token is known (they are replaced, never cleared, on the way up).
    context.environmentVariableCollection.replace('OPENAI_BASE_URL', `http://127.0.0.1:${port}/openai/v1`);
    const started = process.hrtime.bigint();
    const api = activate(context as never);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`      (activate() took ${wallMs.toFixed(1)} ms wall, ${api.activationMs} ms as measured inside)`);
    assert.ok(wallMs < 500, `activation took ${wallMs} ms`);
    assert.equal(api.role(), 'idle');
    await waitFor(() => fake.statusBarItems[0]?.text !== '', 2_000, 'status bar rendered');
    assert.equal(fake.statusBarItems[0].text, '$(sync~spin) KeyBridge');
    assert.equal(fake.treeViews[0].message, 'Reading keys from VS Code’s secret storage…');
    assert.equal(await listening(port), false, 'no bridge without the tokens');
    assert.equal(
      context.environmentVariableCollection.vars.get('OPENAI_BASE_URL'),
      `http://127.0.0.1:${port}/openai/v1`,
      'restored terminal variables stay while secrets load',
    );
    assert.deepEqual(
      [...fake.commands.keys()].sort(),
      manifest.contributes.commands.map((c) => c.command).sort(),
      'every contributed command is registered at activation',
    );
    const stopped = Date.now();
    await deactivate();
    assert.ok(Date.now() - stopped < 1_000, 'deactivate does not wait for the hanging secret storage');
  });

  it('comes up in the background: owns the port, fills tree, status bar and terminals; deactivate frees the port fast', async () => {
    const backend = new FakeSecretBackend();
    const earlier = new KeyStore(backend.view());
    await earlier.load();
    await earlier.addKeys('oa', [{ secret: SECRET, label: 'work' }]);
    earlier.dispose();

    const context = contextFor(backend, storage);
    const started = Date.now();
    const api = activate(context as never);
    assert.equal(await api.whenReady(5_000), 'owner');
    console.log(`      (activate() ${api.activationMs} ms; bridge listening ${Date.now() - started} ms after activation began)`);
    assert.equal(api.status()?.port, port);

    const token = backend.values.get('keybridge.token') as string;
    const env = context.environmentVariableCollection.vars;
    await waitFor(() => env.size > 0, 2_000, 'terminal environment set');
    assert.equal(env.get('OPENAI_BASE_URL'), `http://127.0.0.1:${port}/openai/v1`);
    assert.equal(env.get('OPENAI_API_KEY'), token);
    assert.equal(env.get('ANTHROPIC_BASE_URL'), undefined, 'no pool or route serves Anthropic clients: they keep their own keys');
    assert.equal(env.get('KEYBRIDGE_TOKEN'), token);
    assert.ok(![...env.values()].includes(SECRET), 'terminals get the local token, never a provider key');
    assert.match((context.environmentVariableCollection.description as { value: string }).value, /New terminals only/);
    // Issue 14, item 10: a persistent collection is written in plain text to VS Code's workspace state.
    assert.equal(context.environmentVariableCollection.persistent, false, 'the local token is not persisted in workspace state');
    await waitFor(() => fake.messagesOf('info').some((m) => /already open do not see them/.test(m)), 2_000, 'the new-terminals notice');

    await waitFor(() => /KeyBridge :\d+ 1\/1$/.test(fake.statusBarItems[0].text), 2_000, 'status bar shows 1/1');
    assert.equal(fake.statusBarItems[0].text, `$(key) KeyBridge :${port} 1/1`);
    assert.equal(fake.statusBarItems[0].command, 'keybridge.keys.focus');
    assert.equal(fake.contexts.get('keybridge.loaded'), true);
    assert.equal(fake.contexts.get('keybridge.role'), 'owner');
    const provider0 = fake.treeViews[0].provider as { getChildren(n?: unknown): { id: string }[] };
    const [poolRow] = provider0.getChildren();
    assert.equal(poolRow.id, 'pool:oa');
    assert.equal(provider0.getChildren(poolRow).length, 1);

    const res = await fetch(`http://127.0.0.1:${port}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(provider.ledger.at(-1)?.key, SECRET);

    // A real test request through the registered command, against the fake provider.
    const keyRow = provider0.getChildren(poolRow)[0];
    await fake.commands.get('keybridge.testKey')?.(keyRow);
    assert.match(fake.messagesOf('info').at(-1) ?? '', /OpenAI \/ work \(sk-…abcd\): OK \(HTTP 200\)/);

    const log = fake.channels[0].lines.join('\n');
    assert.match(log, /POST \/openai\/v1\/chat\/completions 200 ok pool=oa key=sk-…abcd fp=\w{8} attempts=1 ms=\d+/);
    assert.match(log, /activated in/);
    assert.ok(!log.includes(SECRET), 'no key in the log');
    assert.ok(!log.includes(token), 'no token in the log');

    // Stop the extension host as VS Code does: await deactivate(), then the port must be free.
    const stopping = Date.now();
    await deactivate();
    const took = Date.now() - stopping;
    console.log(`      (deactivate() took ${took} ms)`);
    assert.ok(took < 5_000, `deactivate took ${took} ms`);
    assert.equal(await listening(port), false, 'deactivate released the port');
  });

  it('follows the setting that turns the terminal environment off', async () => {
    const backend = new FakeSecretBackend();
    const earlier = new KeyStore(backend.view());
    await earlier.load();
    await earlier.addKeys('oa', [{ secret: SECRET }]);
    earlier.dispose();
    const context = contextFor(backend, storage);
    const api = activate(context as never);
    await api.whenReady(5_000);
    await waitFor(() => context.environmentVariableCollection.vars.size > 0, 2_000, 'env set');
    fake.setSetting('keybridge.terminalEnv', false);
    await waitFor(() => context.environmentVariableCollection.vars.size === 0, 2_000, 'env cleared');
  });
});
