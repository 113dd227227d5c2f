// Guards the SecretStorage adapter: SecretStorage is shared by every window and its change events are
// duplicated, empty or caused by our own writes; the store must re-read, diff and report only real changes,
// never block on a secret storage that does not answer (code-server without a browser), and turn keyring
// failures into actionable errors instead of losing keys silently.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import './vscodeHook';
import assert from 'node:assert/strict';
import { fingerprintSecret } from '../../src/core/secrets';
import { ADMIN_TOKEN_SECRET, INDEX_SECRET, keySecretName, SecretStoreError, TOKEN_SECRET } from '../../src/vscode/keys/keySecrets';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import type { KeyStoreChange } from '../../src/vscode/keys/storedKey';
import { FakeSecretBackend } from './fakeSecretStorage';
import { must } from '../helpers/must';

const KEY_A = 'sk-' + 'test-aaaaaaaaaaaaaaaaaaaa1111';
const KEY_B = 'sk-' + 'test-bbbbbbbbbbbbbbbbbbbb2222';
const KEY_C = 'sk-' + 'test-cccccccccccccccccccc3333';

function waitFor(pred: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pred()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(check, 5);
    };
    check();
  });
}

const settle = (ms = 80): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('KeyStore (SecretStorage adapter)', () => {
  const stores: KeyStore[] = [];
  const open = (backend: FakeSecretBackend, timeoutMs = 500): KeyStore => {
    const store = new KeyStore(backend.view(), { timeoutMs, debounceMs: 10 });
    stores.push(store);
    return store;
  };
  afterEach(() => stores.splice(0).forEach((s) => s.dispose()));

  it('stores one secret per key and only metadata in the index', async () => {
    const backend = new FakeSecretBackend();
    const store = open(backend);
    await store.load();
    const { added, duplicates } = await store.addKeys('openai', [{ secret: KEY_A, label: 'work' }, { secret: KEY_B }]);
    assert.equal(added.length, 2);
    assert.deepEqual(duplicates, []);
    for (const meta of added) assert.equal(backend.values.get(keySecretName('openai', meta.id)), meta.label === 'work' ? KEY_A : KEY_B);
    const index = backend.values.get(INDEX_SECRET) as string;
    assert.ok(!index.includes(KEY_A) && !index.includes(KEY_B), 'the index must not hold key material');
    const parsed = JSON.parse(index) as { keys: { label: string; fingerprint: string; masked: string; addedAt: number }[] };
    assert.deepEqual(
      parsed.keys.map((k) => [k.label, k.fingerprint, k.masked]),
      [
        ['work', fingerprintSecret(KEY_A), 'sk-…1111'],
        ['sk-…2222', fingerprintSecret(KEY_B), 'sk-…2222'],
      ],
    );
    assert.ok(parsed.keys.every((k) => typeof k.addedAt === 'number'));
    assert.deepEqual(
      store.snapshot?.keys.map((k) => k.secret),
      [KEY_A, KEY_B],
    );
  });

  it('stores each secret before the index names it, and drops it from the index before deleting it', async () => {
    const backend = new FakeSecretBackend();
    const store = open(backend);
    await store.load();
    backend.log.length = 0;
    const { added } = await store.addKeys('p', [{ secret: KEY_A }]);
    const writes = backend.log.filter((l) => !l.startsWith('get'));
    assert.deepEqual(writes, [`store ${keySecretName('p', added[0].id)}`, `store ${INDEX_SECRET}`]);
    backend.log.length = 0;
    assert.equal(await store.removeKey('p', added[0].id), true);
    assert.deepEqual(
      backend.log.filter((l) => !l.startsWith('get')),
      [`store ${INDEX_SECRET}`, `delete ${keySecretName('p', added[0].id)}`],
    );
    assert.equal(backend.values.has(keySecretName('p', added[0].id)), false);
  });

  it('refuses a key already in the pool, and a key pasted twice, but allows it in another pool', async () => {
    const backend = new FakeSecretBackend();
    const store = open(backend);
    await store.load();
    await store.addKeys('p', [{ secret: KEY_A }]);
    const again = await store.addKeys('p', [{ secret: KEY_A }, { secret: KEY_B }, { secret: KEY_B }]);
    assert.equal(again.added.length, 1);
    assert.deepEqual(again.duplicates, ['sk-…1111', 'sk-…2222']);
    const other = await store.addKeys('q', [{ secret: KEY_A }]);
    assert.equal(other.added.length, 1);
    assert.equal(store.snapshot?.keys.length, 3);
  });

  it('reports a change made in another window once, despite duplicate change events', async () => {
    const backend = new FakeSecretBackend();
    backend.duplicateEvents = 3;
    const windowA = open(backend);
    const windowB = open(backend);
    await windowA.load();
    await windowB.load();
    const seen: KeyStoreChange[] = [];
    windowB.onDidChange.on((c) => seen.push(c));
    await windowA.addKeys('p', [{ secret: KEY_A }, { secret: KEY_B }]);
    await waitFor(() => seen.length > 0);
    await settle();
    assert.equal(seen.length, 1, 'one change event for one logical change');
    assert.deepEqual(
      seen[0].added.map((k) => k.masked),
      ['sk-…1111', 'sk-…2222'],
    );
    assert.ok(!JSON.stringify(seen).includes(KEY_A), 'change events carry no secret');
    assert.deepEqual(
      windowB.snapshot?.keys.map((k) => k.secret),
      [KEY_A, KEY_B],
    );

    const id = must(windowB.snapshot).keys[0].id;
    await windowA.removeKey('p', id);
    await waitFor(() => seen.length > 1);
    await settle();
    assert.equal(seen.length, 2);
    assert.deepEqual(
      seen[1].removed.map((k) => k.id),
      [id],
    );
  });

  it('re-reads on empty and unrelated events without reporting a change that did not happen', async () => {
    const backend = new FakeSecretBackend();
    const store = open(backend);
    await store.load();
    await store.addKeys('p', [{ secret: KEY_A }]);
    await settle();
    const seen: KeyStoreChange[] = [];
    store.onDidChange.on((c) => seen.push(c));
    const reads = backend.log.filter((l) => l === `get ${INDEX_SECRET}`).length;
    backend.fireAll('');
    backend.fireAll('');
    backend.fireAll('some.other.secret');
    await settle();
    assert.ok(backend.log.filter((l) => l === `get ${INDEX_SECRET}`).length > reads, 'the events made the store re-read');
    assert.equal(seen.length, 0);

    // Another process changes a secret behind our back and sends an empty event: the diff finds it.
    const id = must(store.snapshot).keys[0].id;
    backend.values.set(keySecretName('p', id), KEY_C);
    backend.fireAll('');
    await waitFor(() => seen.length === 1);
    assert.deepEqual(
      seen[0].changed.map((k) => k.fingerprint),
      [fingerprintSecret(KEY_C)],
    );
  });

  it('lists a key whose secret is not there yet as missing, then reports it when it arrives', async () => {
    const backend = new FakeSecretBackend();
    const store = open(backend);
    await store.load();
    const meta = { pool: 'p', id: 'kx', label: 'x', addedAt: 1, fingerprint: fingerprintSecret(KEY_A), masked: 'sk-…1111' };
    backend.values.set(INDEX_SECRET, JSON.stringify({ version: 1, keys: [meta] }));
    backend.fireAll(INDEX_SECRET);
    await waitFor(() => store.snapshot?.missing.length === 1);
    assert.equal(store.snapshot?.keys.length, 0);
    const seen: KeyStoreChange[] = [];
    store.onDidChange.on((c) => seen.push(c));
    await backend.store(keySecretName('p', 'kx'), KEY_A);
    await waitFor(() => seen.length === 1);
    assert.deepEqual(
      seen[0].added.map((k) => k.id),
      ['kx'],
    );
    assert.equal(store.snapshot.missing.length, 0);
  });

  it('never waits for ever on a secret storage that does not answer', async () => {
    const backend = new FakeSecretBackend();
    backend.hangGets = true;
    const store = open(backend, 150);
    const started = Date.now();
    await assert.rejects(store.load(), (error: unknown) => {
      assert.ok(error instanceof SecretStoreError);
      assert.equal(error.failure, 'timeout');
      assert.match(error.message, /browser/);
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took < 1_000, `load gave up after ${took} ms`);
    assert.equal(store.snapshot, undefined);
  });

  it('turns a keyring failure into an actionable error and keeps no half-added key', async () => {
    const backend = new FakeSecretBackend();
    const store = open(backend);
    await store.load();
    backend.failStores = 'Cannot create an item in a locked collection';
    await assert.rejects(store.addKeys('p', [{ secret: KEY_A }]), (error: unknown) => {
      assert.ok(error instanceof SecretStoreError);
      assert.equal(error.failure, 'keyring');
      assert.match(error.message, /locked collection/);
      assert.match(error.message, /gnome-keyring|password-store=basic/);
      assert.ok(!error.message.includes(KEY_A));
      return true;
    });
    assert.equal(backend.values.has(INDEX_SECRET), false, 'the index does not name a key whose secret was not stored');
    assert.equal(store.snapshot?.keys.length, 0);
    // The store keeps working once the keyring is back.
    backend.failStores = undefined;
    assert.equal((await store.addKeys('p', [{ secret: KEY_A }])).added.length, 1);
  });

  it('creates the bridge tokens once; every window reads the same ones', async () => {
    const backend = new FakeSecretBackend();
    const a = open(backend);
    const b = open(backend);
    await a.load();
    const tokens = await a.ensureTokens();
    assert.match(tokens.token, /^kb-/);
    assert.match(tokens.adminToken, /^kbadmin-/);
    assert.notEqual(tokens.token, tokens.adminToken);
    assert.deepEqual(await b.ensureTokens(), tokens);
    assert.equal(backend.values.get(TOKEN_SECRET), tokens.token);
    assert.equal(backend.values.get(ADMIN_TOKEN_SECRET), tokens.adminToken);
    assert.deepEqual(a.snapshot?.tokens, tokens);
  });

  it('starts a new index when the stored one is not JSON, keeping the secrets it cannot see', async () => {
    const backend = new FakeSecretBackend();
    backend.values.set(INDEX_SECRET, '{not json');
    backend.values.set(keySecretName('p', 'old'), KEY_B);
    const store = open(backend);
    const snapshot = await store.load();
    assert.deepEqual(snapshot.keys, []);
    await store.addKeys('p', [{ secret: KEY_A }]);
    assert.equal(backend.values.get(keySecretName('p', 'old')), KEY_B);
    assert.equal(store.snapshot?.keys.length, 1);
  });
});
