// Guards takeover with keys added in another window (issue 14, item 11, HIGH): windows A and B open, keys
// added in A while B follows, A closes, B takes the port over — and B used to serve with the key set it
// had when it opened (none): every agent request got 503 "no usable key" until Reload Window. In
// code-server each browser window reads SecretStorage once when it opens and hears of no change made in
// another window; in desktop VS Code a lost change event leaves the same stale index. A window must never
// serve fewer keys than SecretStorage holds, and must keep the cooling state the old owner persisted.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/core/logger';
import type { SecretStorageLike } from '../../src/vscode/keys/keySecrets';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { must } from '../helpers/must';
import { FakeSecretBackend } from './fakeSecretStorage';
import { chat } from './hostFixtures';
import { fake, UIKind } from './fakeVscode';
import { openTestWindow, type TestWindow } from './testWindow';
import { freePort, listening, waitFor } from './waitFor';

const FIRST = 'sk-' + 'stale-index-first-1111';
const SECOND = 'sk-' + 'stale-index-second-2222';

describe('a window that takes the port over after keys were added in another window', function () {
  this.timeout(20_000);
  let provider: FakeProvider;
  let backend: FakeSecretBackend;
  let stateDir: string;
  let port: number;
  let windows: TestWindow[];
  const lines: string[] = [];
  const logger: Logger = { debug: () => undefined, info: (m) => lines.push(m), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };

  const openWindow = async (secrets: SecretStorageLike): Promise<TestWindow> => {
    const window = await openTestWindow(secrets, { port, stateDir, logger });
    windows.push(window);
    return window;
  };

  beforeEach(async () => {
    fake.reset();
    lines.length = 0;
    provider = await startFakeProvider();
    backend = new FakeSecretBackend();
    stateDir = mkdtempSync(join(tmpdir(), 'kb-stale-'));
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

  /** A owns the port, B follows; keys go in through A, the first is rate-limited; A closes. */
  const addKeysInAThenCloseA = async (open: () => SecretStorageLike): Promise<{ b: TestWindow; token: string }> => {
    const a = await openWindow(open());
    await waitFor(() => a.host.role === 'owner', 5_000, 'window A owns the port');
    const b = await openWindow(open());
    await waitFor(() => b.host.role === 'follower', 5_000, 'window B follows');

    await a.keyStore.addKeys('oa', [
      { secret: FIRST, label: 'first' },
      { secret: SECOND, label: 'second' },
    ]);
    await waitFor(() => a.host.status()?.pools[0].keys.length === 2, 3_000, 'the owner serves both keys');
    await waitFor(() => b.host.status()?.pools[0].keys.length === 2, 3_000, 'the follower shows them through the owner');
    const token = a.keyStore.snapshot?.tokens?.token as string;
    provider.fault(FIRST, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
    assert.equal((await chat(port, token)).status, 200);
    assert.deepEqual(
      provider.ledger.map((e) => e.key),
      [FIRST, SECOND],
      'the first key answered 429, the second served',
    );

    await a.close();
    windows.splice(windows.indexOf(a), 1);
    await waitFor(() => b.host.role === 'owner', 5_000, 'window B takes over');
    return { b, token };
  };

  const servesWithTheKeysAndTheirState = async (b: TestWindow, token: string): Promise<void> => {
    const keys = b.host.status()?.pools[0].keys ?? [];
    assert.deepEqual(
      keys.map((k) => k.label),
      ['first', 'second'],
      `the new owner serves every key SecretStorage holds (log: ${lines
        .filter((l) => /key|bridge/.test(l))
        .slice(-6)
        .join(' | ')})`,
    );
    assert.match(JSON.stringify(keys[0]), /cooling/, `the first key is still cooling, as the old owner persisted: ${JSON.stringify(keys[0])}`);
    provider.reset();
    assert.equal((await chat(port, token)).status, 200, 'the same URL and token serve after the takeover');
    assert.deepEqual(
      provider.ledger.map((e) => e.key),
      [SECOND],
      'the cooling key is not tried again',
    );
  };

  it('in code-server (each window reads SecretStorage once and hears of no other window’s change)', async () => {
    const { b, token } = await addKeysInAThenCloseA(() => backend.browserTab());
    await servesWithTheKeysAndTheirState(b, token);
    assert.ok(
      lines.some((l) => /took 2 key\(s\) added in another window from the bridge owner/.test(l)),
      'the follower took the keys from the owner',
    );
    assert.equal(backend.values.get(`keybridge.key/oa/${must(b.keyStore.snapshot).keys[1].id}`), SECOND, 'and stored them in its own SecretStorage');
  });

  it('in code-server, keys added and removed in the follower reach the owner’s bridge and both trees', async () => {
    const a = await openWindow(backend.browserTab());
    await waitFor(() => a.host.role === 'owner', 5_000, 'A owns');
    const b = await openWindow(backend.browserTab());
    await waitFor(() => b.host.role === 'follower', 5_000, 'B follows');
    await b.keyStore.addKeys('oa', [
      { secret: FIRST, label: 'first' },
      { secret: SECOND, label: 'second' },
    ]);
    await waitFor(() => a.host.status()?.pools[0].keys.length === 2, 3_000, 'the owner serves the keys added in the follower');
    await waitFor(() => b.host.status()?.pools[0].keys.length === 2, 3_000, 'the follower shows them through the owner');
    const token = a.keyStore.snapshot?.tokens?.token as string;
    assert.equal((await chat(port, token)).status, 200);
    assert.equal(provider.ledger.at(-1)?.key, FIRST);

    const first = b.keyStore.snapshot?.keys.find((k) => k.label === 'first');
    await b.keyStore.removeKey('oa', first?.id as string);
    await waitFor(() => a.host.status()?.pools[0].keys.length === 1, 3_000, 'the owner drops the key removed in the follower');
    provider.reset();
    assert.equal((await chat(port, token)).status, 200);
    assert.deepEqual(
      provider.ledger.map((e) => e.key),
      [SECOND],
      'the removed key is not used',
    );
  });

  it('in code-server, a key removed in the owner is not served again after a takeover', async () => {
    fake.uiKind = UIKind.Web; // as code-server reports
    const a = await openWindow(backend.browserTab());
    await waitFor(() => a.host.role === 'owner', 5_000, 'A owns');
    const b = await openWindow(backend.browserTab());
    await waitFor(() => b.host.role === 'follower', 5_000, 'B follows');
    await a.keyStore.addKeys('oa', [
      { secret: FIRST, label: 'first' },
      { secret: SECOND, label: 'second' },
    ]);
    await waitFor(() => b.keyStore.snapshot?.keys.length === 2, 3_000, 'B caught up with both keys');
    const first = a.keyStore.snapshot?.keys.find((k) => k.label === 'first');
    await a.keyStore.removeKey('oa', first?.id as string);
    await waitFor(() => b.keyStore.snapshot?.keys.length === 1, 3_000, 'B drops the key the owner no longer lists');
    const token = a.keyStore.snapshot?.tokens?.token as string;
    await a.close();
    windows.splice(windows.indexOf(a), 1);
    await waitFor(() => b.host.role === 'owner', 5_000, 'B takes over');
    assert.deepEqual(
      b.host.status()?.pools[0].keys.map((k) => k.label),
      ['second'],
    );
    assert.equal((await chat(port, token)).status, 200);
    assert.deepEqual(
      provider.ledger.map((e) => e.key),
      [SECOND],
      'the removed key is never used again',
    );
  });

  it('in desktop VS Code (one shared SecretStorage) a follower never deletes a key the owner stops listing', async () => {
    const aView = backend.view();
    const a = await openWindow(aView);
    await waitFor(() => a.host.role === 'owner', 5_000, 'A owns');
    const b = await openWindow(backend.view());
    await waitFor(() => b.host.role === 'follower', 5_000, 'B follows');
    await a.keyStore.addKeys('oa', [
      { secret: FIRST, label: 'first' },
      { secret: SECOND, label: 'second' },
    ]);
    await waitFor(() => b.keyStore.snapshot?.keys.length === 2 && b.host.status()?.pools[0].keys.length === 2, 3_000, 'B knows both');
    // The owner's read loses one secret (a keyring that dropped it) and B hears nothing of it: the owner
    // stops listing a key that B's view still holds.
    backend.eventsStayInWindow = true;
    const first = a.keyStore.snapshot?.keys.find((k) => k.label === 'first');
    backend.values.delete(`keybridge.key/oa/${first?.id}`);
    backend.fireAll(`keybridge.key/oa/${first?.id}`, aView);
    await waitFor(() => b.host.status()?.pools[0].keys.length === 1, 3_000, 'the owner lists one key');
    await new Promise((r) => setTimeout(r, 300));
    const index = JSON.parse(backend.values.get('keybridge.index') as string) as { keys: { id: string }[] };
    assert.equal(index.keys.length, 2, 'the index still names both keys: nothing was deleted for every window');
  });

  it('in desktop VS Code when change events from the other window never arrive', async () => {
    backend.eventsStayInWindow = true;
    const { b, token } = await addKeysInAThenCloseA(() => backend.view());
    await servesWithTheKeysAndTheirState(b, token);
  });

  it('re-reads SecretStorage before it starts serving, even with no owner to ask', async () => {
    backend.eventsStayInWindow = true;
    const a = await openWindow(backend.view());
    await waitFor(() => a.host.role === 'owner', 5_000, 'A owns');
    a.sync.dispose();
    await a.host.stop();
    await waitFor(() => a.host.role === 'stopped', 2_000, 'stopped');
    const b = await openWindow(backend.view());
    await waitFor(() => b.host.role === 'stopped', 2_000, 'B sees the bridge stopped');
    await a.keyStore.addKeys('oa', [{ secret: FIRST, label: 'first' }]);
    assert.equal(b.keyStore.snapshot?.keys.length, 0, 'B heard nothing of the new key');
    await b.host.start();
    assert.equal(b.host.role, 'owner');
    assert.deepEqual(
      b.host.status()?.pools[0].keys.map((k) => k.label),
      ['first'],
      'B serves the key it read just before it started',
    );
  });
});
