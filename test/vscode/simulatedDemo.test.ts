// Try with a Simulated Provider, through the registered commands, with the real simulated provider on loopback
// and the real engine: the demo's pools are marked in settings and the tree, requests through the bridge are
// served, a revoked key shows; Remove leaves settings byte for byte and SecretStorage as they were; after a
// reload, demo pools whose simulator is gone are removed.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activate, deactivate, type KeyBridgeApi } from '../../src/extension';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import { INDEX_SECRET } from '../../src/vscode/keys/keySecrets';
import { SimulatedDemo } from '../../src/vscode/demo/simulatedDemo';
import { systemClock } from '../../src/core/clock';
import { demoScenario } from '../../src/core/demo/demoScenario';
import { startSimulatedProvider } from '../../src/core/demo/simulatedProvider';
import type { PoolSetting } from '../../src/vscode/settings/bridgeConfig';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { contextFor } from './fakeExtensionContext';
import { FakeSecretBackend } from './fakeSecretStorage';
import { fake } from './fakeVscode';
import { freePort, listening, waitFor } from './waitFor';

const USER_SECRET = 'sk-' + 'proj-demo-test-key-0000abcd';
const DEMO_POOLS = ['demo-alpha', 'demo-beta'];

/** Every setting as settings.json would hold it: the byte-for-byte comparison. */
function settingsText(): string {
  return JSON.stringify([...fake.settings.entries()].filter(([, value]) => value !== undefined).sort(([a], [b]) => a.localeCompare(b)));
}

/** The stored secrets, the key index read as its list of keys (an empty index and none are the same). */
function secretsView(backend: FakeSecretBackend): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [name, value] of backend.values) view[name] = name === INDEX_SECRET ? (JSON.parse(value) as { keys: unknown[] }).keys : value;
  view[INDEX_SECRET] ??= [];
  return view;
}

async function send(api: KeyBridgeApi, token: string, protocol: 'openai' | 'anthropic', model: string): Promise<Response> {
  const urls = api.baseUrls();
  const res =
    protocol === 'openai'
      ? await fetch(`${urls.openai}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
          signal: AbortSignal.timeout(15_000),
        })
      : await fetch(`${urls.anthropic}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({ model, max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }),
          signal: AbortSignal.timeout(15_000),
        });
  await res.arrayBuffer();
  return res;
}

const demoServed = (api: KeyBridgeApi): boolean =>
  DEMO_POOLS.every((id) => api.status()?.pools.some((p) => p.id === id && p.keys.length > 0)) &&
  (api.status()?.routes ?? []).some((r) => !r.implicit && r.targets.some((t) => t.pool === 'demo-beta'));

describe('Try with a Simulated Provider', function () {
  this.timeout(60_000);
  let storage: string;
  let port: number;
  let backend: FakeSecretBackend;

  beforeEach(async () => {
    fake.reset();
    storage = mkdtempSync(join(tmpdir(), 'kb-demo-'));
    port = await freePort();
    fake.settings.set('keybridge.port', port);
    backend = new FakeSecretBackend();
  });

  afterEach(async () => {
    await deactivate();
    rmSync(storage, { recursive: true, force: true });
  });

  it('adds marked pools that serve through the bridge and show a revoked key; Remove restores settings and secrets', async () => {
    const api = activate(contextFor(backend, storage) as never);
    assert.equal(await api.whenReady(10_000), 'owner');
    await waitFor(() => fake.contexts.get('keybridge.loaded') === true, 10_000, 'keys loaded');
    const settingsBefore = settingsText();
    const secretsBefore = secretsView(backend);
    const token = backend.values.get('keybridge.token') as string;

    await fake.commands.get('keybridge.tryDemo')?.();
    const pools = fake.settings.get('keybridge.pools') as { id: string; label: string; demo?: boolean; baseUrl: string }[];
    assert.deepEqual(
      pools.map((p) => [p.id, p.demo, /\(simulated\)/.test(p.label)]),
      DEMO_POOLS.map((id) => [id, true, true]),
      'marked pools in the settings',
    );
    assert.match(pools[0].baseUrl, /^http:\/\/127\.0\.0\.1:\d+\//, 'the simulator listens on loopback');
    const simulatorPort = Number(new URL(pools[0].baseUrl).port);
    assert.deepEqual(
      (fake.settings.get('keybridge.routes') as { match: string }[]).map((r) => r.match),
      ['claude-*'],
      'alone, the scenario route for every Claude model',
    );
    await waitFor(() => demoServed(api), 15_000, 'the bridge serves the demo pools');

    // Requests through the bridge are served by the simulated provider (the demo's own client runs alongside).
    assert.equal((await send(api, token, 'openai', 'sim-gpt')).status, 200);
    assert.equal((await send(api, token, 'anthropic', 'claude-sim-sonnet')).status, 200);
    // Round-robin reaches the revoked key within a few requests; the tree shows it.
    for (let i = 0; i < 6 && !api.treeRows().some((r) => r.contextValue === 'key.invalid'); i++)
      assert.equal((await send(api, token, 'openai', 'sim-gpt')).status, 200);
    await waitFor(() => api.treeRows().some((r) => r.contextValue === 'key.invalid'), 10_000, 'a revoked key row');
    const rows = api.treeRows();
    const poolRows = rows.filter((r) => r.depth === 0 && r.id.startsWith('pool:'));
    assert.deepEqual(
      poolRows.map((r) => r.contextValue),
      ['pool.simulated', 'pool.simulated'],
      'demo pools offer only Remove',
    );
    assert.ok(
      poolRows.every((r) => /\(simulated\)$/.test(r.label) && r.description.startsWith('simulated · ')),
      JSON.stringify(poolRows),
    );
    assert.equal(rows.find((r) => r.contextValue === 'key.invalid')?.label, 'alpha-2');
    const log = fake.channels[0].lines.join('\n');
    for (const key of (await new KeyStore(backend.view()).load()).keys) assert.ok(!log.includes(key.secret), 'no demo key in the log');

    await fake.commands.get('keybridge.removeDemo')?.();
    assert.equal(settingsText(), settingsBefore, 'settings byte for byte as before');
    assert.deepEqual(secretsView(backend), secretsBefore, 'secret storage as before');
    assert.equal(await listening(simulatorPort), false, 'the simulator is stopped');
    await waitFor(() => (api.status()?.pools.length ?? -1) === 0, 10_000, 'the bridge drops the demo pools');
    await waitFor(() => api.treeRows().every((r) => !r.id.startsWith('pool:')), 5_000, 'no pool rows');
    assert.equal(fake.treeViews[0].message, undefined, 'no message hides the welcome view');
  });

  it('beside pools of the user, routes only the demo’s models to it, and Remove leaves the user’s config as it was', async () => {
    const provider: FakeProvider = await startFakeProvider();
    try {
      fake.settings.set('keybridge.pools', [{ id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: provider.openaiBaseUrl }]);
      fake.settings.set('keybridge.routes', [{ protocol: 'openai', match: 'gpt-*', targets: [{ pool: 'oa' }] }]);
      const earlier = new KeyStore(backend.view());
      await earlier.load();
      await earlier.addKeys('oa', [{ secret: USER_SECRET, label: 'work' }]);
      earlier.dispose();
      const api = activate(contextFor(backend, storage) as never);
      assert.equal(await api.whenReady(10_000), 'owner');
      await waitFor(() => api.status()?.pools.some((p) => p.id === 'oa' && p.keys.length === 1) === true, 10_000, 'the user pool served');
      const settingsBefore = settingsText();
      const secretsBefore = secretsView(backend);
      const token = backend.values.get('keybridge.token') as string;

      await fake.commands.get('keybridge.tryDemo')?.();
      assert.deepEqual(
        (fake.settings.get('keybridge.routes') as { protocol: string; match: string }[]).map((r) => `${r.protocol}:${r.match}`),
        ['anthropic:claude-sim-sonnet', 'openai:sim-gpt', 'openai:gpt-*'],
        'the demo’s routes name only its models, ahead of the user’s',
      );
      await waitFor(() => demoServed(api), 15_000, 'the bridge serves the demo pools');
      const before = provider.ledger.length;
      assert.equal((await send(api, token, 'openai', 'sim-gpt')).status, 200);
      assert.equal((await send(api, token, 'anthropic', 'claude-sim-sonnet')).status, 200);
      assert.ok(
        provider.ledger.slice(before).every((entry) => entry.model !== 'sim-gpt'),
        'the demo’s traffic never reaches the user’s provider',
      );
      assert.equal((await send(api, token, 'openai', 'gpt-test')).status, 200);
      assert.equal(provider.ledger.at(-1)?.key, USER_SECRET, 'the user’s traffic still goes to the user’s pool');

      await fake.commands.get('keybridge.removeDemo')?.();
      assert.equal(settingsText(), settingsBefore, 'settings byte for byte as before');
      assert.deepEqual(secretsView(backend), secretsBefore, 'secret storage as before: the user’s key kept');
    } finally {
      await deactivate();
      await provider.close();
    }
  });

  it('after a reload, removes demo pools whose simulator is gone', async () => {
    let api = activate(contextFor(backend, storage) as never);
    assert.equal(await api.whenReady(10_000), 'owner');
    await waitFor(() => fake.contexts.get('keybridge.loaded') === true, 10_000, 'keys loaded');
    const secretsBefore = secretsView(backend);
    await fake.commands.get('keybridge.tryDemo')?.();
    await waitFor(() => demoServed(api), 15_000, 'the bridge serves the demo pools');
    const simulatorPort = Number(new URL((fake.settings.get('keybridge.pools') as { baseUrl: string }[])[0].baseUrl).port);

    // The window reloads: the extension host (and the simulator in it) ends; the settings and keys stay.
    await deactivate();
    assert.equal(await listening(simulatorPort), false, 'the simulator ended with its extension host');
    assert.equal((fake.settings.get('keybridge.pools') as unknown[]).length, 2);
    fake.commands.clear();
    api = activate(contextFor(backend, storage) as never);
    await waitFor(
      () => fake.settings.get('keybridge.pools') === undefined && fake.settings.get('keybridge.routes') === undefined,
      15_000,
      'demo pools and route removed',
    );
    await waitFor(() => JSON.stringify(secretsView(backend)) === JSON.stringify(secretsBefore), 10_000, 'demo keys removed');
    await waitFor(() => api.status()?.pools.length === 0, 10_000, 'the bridge serves no demo pool');
    assert.match(fake.channels.at(-1)?.lines.join('\n') ?? '', /simulated provider of an earlier session is gone/);
  });

  it('on activation, leaves demo pools whose simulator another window still runs', async () => {
    // Another window's simulator: its pools in the settings, its process alive on loopback.
    const other = await startSimulatedProvider(demoScenario().accounts, systemClock);
    try {
      const pools: PoolSetting[] = [
        { id: 'demo-alpha', label: 'Demo alpha (simulated)', protocol: 'openai', baseUrl: other.openaiBaseUrl, demo: true },
        { id: 'demo-beta', label: 'Demo beta (simulated)', protocol: 'anthropic', baseUrl: other.anthropicBaseUrl, demo: true },
      ];
      const writes: string[] = [];
      const removed: string[] = [];
      const demo = new SimulatedDemo({
        keyStore: { addKeys: () => Promise.reject(new Error('not expected')), removePool: (id) => (removed.push(id), Promise.resolve(0)) },
        pools: () => pools,
        listSetting: (name) => (name === 'pools' ? [...pools] : []),
        writeListSetting: (name) => (writes.push(name), Promise.resolve()),
        bridge: () => undefined,
        logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      assert.deepEqual(await demo.cleanUpStale(), { pools: [] });
      assert.deepEqual([writes, removed], [[], []], 'nothing written while the simulator answers');
      await other.close();
      assert.deepEqual(await demo.cleanUpStale(), { pools: ['demo-alpha', 'demo-beta'] }, 'once it is gone, the pools go');
      assert.deepEqual([writes, removed], [['pools'], ['demo-alpha', 'demo-beta']]);
    } finally {
      await other.close();
    }
  });
});
