// Guards the whole path between windows: two windows share one SecretStorage and one state folder; a key
// added in the follower window is written to SecretStorage, picked up by the owner (which serves it at once)
// and shown back in the follower through the owner's status stream. When the owner window closes, the
// follower serves the same keys on the same URL. The routes (a translated target marked) reach the follower's
// tree through the owner's snapshot, and a routes change in settings reaches it without a restart.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/core/logger';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { KeyTreeProvider } from '../../src/vscode/tree/keyTree';
import { FakeSecretBackend } from './fakeSecretStorage';
import { chat } from './hostFixtures';
import { fake, type TreeItem } from './fakeVscode';
import { openTestWindow, type TestWindow } from './testWindow';
import { freePort, listening, waitFor } from './waitFor';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('two windows sharing SecretStorage and a state folder', function () {
  this.timeout(20_000);
  let provider: FakeProvider;
  let backend: FakeSecretBackend;
  let stateDir: string;
  let port: number;
  let windows: TestWindow[];

  const openWindow = async (): Promise<TestWindow> => {
    const window = await openTestWindow(backend.view(), { port, stateDir, logger: silent });
    windows.push(window);
    return window;
  };

  beforeEach(async () => {
    fake.reset();
    provider = await startFakeProvider();
    backend = new FakeSecretBackend();
    stateDir = mkdtempSync(join(tmpdir(), 'kb-windows-'));
    port = await freePort();
    windows = [];
    fake.settings.set('keybridge.port', port);
    fake.settings.set('keybridge.pools', [{ id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: provider.openaiBaseUrl }]);
  });

  afterEach(async () => {
    await Promise.all(windows.map((w) => w.close()));
    await provider.close();
    rmSync(stateDir, { recursive: true, force: true });
    assert.equal(await listening(port), false);
  });

  it('a key added in the follower is served by the owner and shown in both; the follower takes over with it', async () => {
    const a = await openWindow();
    await waitFor(() => a.host.role === 'owner', 5_000, 'window A owns the port');
    const b = await openWindow();
    await waitFor(() => b.host.role === 'follower', 5_000, 'window B follows');
    assert.deepEqual(b.keyStore.snapshot?.tokens, a.keyStore.snapshot?.tokens, 'both windows use the tokens from the shared SecretStorage');

    await b.keyStore.addKeys('oa', [{ secret: 'oa-key-1', label: 'work' }]);
    await waitFor(() => a.host.status()?.pools[0].keys.length === 1, 3_000, 'the owner picks the key up from SecretStorage');
    await waitFor(() => b.host.status()?.pools[0].keys[0]?.label === 'work', 3_000, 'the follower shows it through the owner');

    const token = a.keyStore.snapshot?.tokens?.token as string;
    assert.equal((await chat(port, token)).status, 200);
    assert.equal(provider.ledger.at(-1)?.key, 'oa-key-1');

    await a.close();
    windows.splice(windows.indexOf(a), 1);
    await waitFor(() => b.host.role === 'owner', 5_000, 'window B takes over');
    assert.equal((await chat(port, token)).status, 200, 'the same URL and token work after the takeover');
    assert.equal(provider.ledger.at(-1)?.key, 'oa-key-1');
    assert.equal(b.host.status()?.pools[0].keys[0].label, 'work');
  });

  it('a key refused by the provider is told once, by the serving window only, masked; a second refused key of the pool is not', async () => {
    const a = await openWindow();
    await waitFor(() => a.host.role === 'owner', 5_000, 'window A owns the port');
    const b = await openWindow();
    await waitFor(() => b.host.role === 'follower', 5_000, 'window B follows');
    await a.keyStore.addKeys('oa', [
      { secret: 'oa-key-revoked-1', label: 'old' },
      { secret: 'oa-key-revoked-2', label: 'older' },
      { secret: 'oa-key-good', label: 'good' },
    ]);
    await waitFor(() => a.host.status()?.pools[0].keys.length === 3, 3_000, 'the owner serves the three keys');
    provider.always('oa-key-revoked-1', { kind: 'invalidKey' });
    provider.always('oa-key-revoked-2', { kind: 'invalidKey' });
    const token = a.keyStore.snapshot?.tokens?.token as string;
    assert.equal((await chat(port, token)).status, 200, 'the request is served by the good key');
    await waitFor(() => fake.messagesOf('warning').length > 0, 3_000, 'a notification');
    await new Promise((resolve) => setTimeout(resolve, 300)); // a second window's notice would come now
    const warnings = fake.messagesOf('warning');
    assert.equal(warnings.length, 1, `one notification for the pool, from one window: ${JSON.stringify(warnings)}`);
    assert.match(warnings[0], /^KeyBridge: Key oa\/old \(oa-…ed-1\) was refused by the provider: .*Requests go to the pool's other keys\.$/);
    assert.ok(!warnings[0].includes('oa-key-revoked-1'), 'the key appears masked only');
    assert.deepEqual(
      a.host.status()?.pools[0].keys.map((k) => k.state),
      ['invalid', 'invalid', 'ready'],
      'both revoked keys were tried and marked, the second without a notification of its own',
    );
  });

  it('a pool added in settings reaches the running bridge without a restart', async () => {
    const a = await openWindow();
    await waitFor(() => a.host.role === 'owner', 5_000, 'owner');
    fake.setSetting('keybridge.pools', [
      { id: 'oa', protocol: 'openai', baseUrl: provider.openaiBaseUrl },
      { id: 'an', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl },
    ]);
    assert.deepEqual(
      a.host.status()?.pools.map((p) => `${p.id}:${p.protocol}`),
      ['oa:openai', 'an:anthropic'],
    );
  });

  it('a follower shows the owner’s routes, a translated target marked, and follows a routes change', async () => {
    fake.settings.set('keybridge.pools', [
      { id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: provider.openaiBaseUrl },
      { id: 'an', label: 'Anthropic', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl },
    ]);
    fake.settings.set('keybridge.routes', [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'oa', model: 'gpt-4.1' }] }]);
    const a = await openWindow();
    await waitFor(() => a.host.role === 'owner', 5_000, 'owner');
    const b = await openWindow();
    await waitFor(() => b.host.role === 'follower', 5_000, 'follower');
    await waitFor(() => b.host.status()?.routes !== undefined, 3_000, 'the snapshot carries the routes');
    assert.deepEqual(b.host.status()?.routes, a.host.status()?.routes);

    const tree = new KeyTreeProvider(b.host);
    try {
      tree.update();
      const rows: string[] = [];
      const visit = (nodes: ReturnType<KeyTreeProvider['getChildren']>, depth: number): void => {
        for (const node of nodes) {
          if (node.kind === 'pool' || node.kind === 'key') continue;
          const item = tree.getTreeItem(node) as unknown as TreeItem;
          rows.push(`${'  '.repeat(depth)}${item.label}${item.description ? ` (${item.description})` : ''}`);
          visit(tree.getChildren(node), depth + 1);
        }
      };
      visit(tree.getChildren(), 0);
      assert.deepEqual(rows, [
        'Routes (first match wins)',
        '  anthropic claude-* (2 targets · 1 translated)',
        '    1. an',
        '    2. oa → gpt-4.1 (translated: Anthropic → OpenAI Chat)',
        '  openai * (default: no route matched)',
        '    1. oa',
        '  anthropic * (default: no route matched)',
        '    1. an',
      ]);

      fake.setSetting('keybridge.routes', [{ protocol: 'openai', match: '*', targets: [{ pool: 'oa' }, { pool: 'an', model: 'claude-sonnet-4-5' }] }]);
      await waitFor(
        () => b.host.status()?.routes?.[0]?.match === '*' && b.host.status()?.routes?.[0]?.protocol === 'openai',
        3_000,
        'the follower hears of the new routes',
      );
      assert.deepEqual(
        b.host.status()?.routes?.[0].targets.map((t) => [t.pool, t.translated]),
        [
          ['oa', false],
          ['an', true],
        ],
      );
    } finally {
      tree.dispose();
    }
  });
});
