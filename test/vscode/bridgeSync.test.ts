// Guards start-up against a secret storage that is slow or broken: the failure is shown once with what to
// do (not on every retry), the bridge is not started without its tokens, and once secret storage answers
// the bridge comes up by itself, without a reload.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/core/logger';
import { BridgeHost } from '../../src/vscode/host/bridgeHost';
import { BridgeSync } from '../../src/vscode/host/bridgeSync';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import { FakeSecretBackend } from './fakeSecretStorage';
import { fake } from './fakeVscode';
import { freePort, listening, waitFor } from './waitFor';

describe('BridgeSync start-up', function () {
  this.timeout(15_000);
  let stateDir: string;
  let port: number;
  let keyStore: KeyStore;
  let host: BridgeHost;
  let sync: BridgeSync;
  const warnings: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

  beforeEach(async () => {
    fake.reset();
    warnings.length = 0;
    stateDir = mkdtempSync(join(tmpdir(), 'kb-sync-'));
    port = await freePort();
    fake.settings.set('keybridge.port', port);
  });

  afterEach(async () => {
    sync.dispose();
    keyStore.dispose();
    await host.shutdown(0);
    rmSync(stateDir, { recursive: true, force: true });
  });

  const open = (backend: FakeSecretBackend): void => {
    keyStore = new KeyStore(backend.view(), { timeoutMs: 100, debounceMs: 5 });
    host = new BridgeHost({ port, stateDir, logger });
    sync = new BridgeSync(keyStore, host, logger, { retryMs: 50, maxRetryMs: 100 });
  };

  it('retries while secret storage does not answer, tells the user once, and starts the bridge when it does', async () => {
    const backend = new FakeSecretBackend();
    backend.hangGets = true;
    open(backend);
    await sync.start();
    assert.equal(sync.state, 'unavailable');
    assert.equal(host.role, 'idle');
    await new Promise((r) => setTimeout(r, 400)); // several retries
    const errors = fake.messagesOf('error');
    assert.equal(errors.length, 1, 'shown once, not on every retry');
    assert.match(errors[0], /secret storage did not answer/);
    assert.deepEqual(fake.messages.find((m) => m.level === 'error')?.items, ['Retry', 'Show Log']);
    assert.ok(warnings.length >= 2, 'every retry is in the log');
    assert.equal(await listening(port), false);

    backend.hangGets = false;
    await waitFor(() => host.role === 'owner', 3_000, 'the bridge starts once secret storage answers');
    assert.equal(sync.state, 'ready');
    assert.ok(backend.values.get('keybridge.token'), 'tokens were created');
  });

  it('names a broken settings entry once and serves the good pools', async () => {
    fake.settings.set('keybridge.pools', [
      { id: 'good', protocol: 'openai', baseUrl: 'https://api.openai.com/v1' },
      { id: 'bad', protocol: 'openai' },
    ]);
    open(new FakeSecretBackend());
    await sync.start();
    await waitFor(() => host.role === 'owner', 3_000, 'owner');
    assert.deepEqual(
      host.status()?.pools.map((p) => p.id),
      ['good'],
    );
    const shown = fake.messagesOf('warning');
    assert.equal(shown.length, 1);
    assert.match(shown[0], /keybridge\.pools\[1\]\.baseUrl/);
    fake.setSetting('keybridge.terminalEnv', false); // an unrelated change: the same problem is not shown again
    assert.equal(fake.messagesOf('warning').length, 1);
  });
});
