import { Emitter } from '../core/emitter';
import { silentLogger, type Logger } from '../core/logger';
import { fingerprintSecret, maskSecret } from '../core/secrets';
import { generateToken } from '../core/server/security';
import { Disposable, type DisposableLike } from './disposable';

/**
 * The slice of `vscode.SecretStorage` the store uses; VS Code's object fits
 * it as it is, and tests pass an in-memory fake.
 */
export interface SecretStorageLike {
  get(key: string): Thenable<string | undefined>;
  store(key: string, value: string): Thenable<void>;
  delete(key: string): Thenable<void>;
  onDidChange(listener: (e: { key: string }) => unknown): DisposableLike;
}

/** What is known about a key without its secret: kept in the index, shown in the tree. */
export interface StoredKeyMeta {
  pool: string;
  id: string;
  label: string;
  addedAt: number;
  fingerprint: string;
  masked: string;
}

export interface StoredKey extends StoredKeyMeta {
  secret: string;
}

export interface BridgeTokens {
  /** What agents send as their API key. */
  token: string;
  /** Guards the status API other windows use. */
  adminToken: string;
}

export interface KeySnapshot {
  keys: StoredKey[];
  /** Listed in the index but without a secret (another window mid-write, or lost by the keyring). */
  missing: StoredKeyMeta[];
  tokens: BridgeTokens | undefined;
}

export interface KeyStoreChange {
  added: StoredKeyMeta[];
  removed: StoredKeyMeta[];
  changed: StoredKeyMeta[];
  tokensChanged: boolean;
}

export type SecretFailure = 'timeout' | 'keyring';

/** A secret-storage call that failed or never answered; `message` says what the user can do. */
export class SecretStoreError extends Error {
  constructor(
    readonly failure: SecretFailure,
    readonly operation: string,
    readonly detail: string,
  ) {
    super(
      failure === 'timeout'
        ? `VS Code's secret storage did not answer (${operation}) within the time limit. In code-server and other browser-based VS Code, secrets live in the browser: keep a browser window of this workspace open. KeyBridge keeps retrying.`
        : `VS Code could not use the OS keyring (${operation}): ${detail}. On Linux, install and unlock a Secret Service keyring (gnome-keyring or KWallet), or start VS Code with --password-store=basic; then try again.`,
    );
    this.name = 'SecretStoreError';
  }
}

export const INDEX_SECRET = 'keybridge.index';
export const TOKEN_SECRET = 'keybridge.token';
export const ADMIN_TOKEN_SECRET = 'keybridge.adminToken';

export function keySecretName(pool: string, id: string): string {
  return `keybridge.key/${pool}/${id}`;
}

interface KeyIndex {
  version: 1;
  keys: StoredKeyMeta[];
}

export interface KeyStoreOptions {
  /** Upper bound of one secret-storage call; in code-server `get` never returns without a browser. */
  timeoutMs?: number;
  /** Change events arrive in bursts (one per secret); re-read once after the burst. */
  debounceMs?: number;
  logger?: Logger;
  now?: () => number;
}

function sameMeta(a: StoredKeyMeta, b: StoredKeyMeta): boolean {
  return a.fingerprint === b.fingerprint && a.label === b.label;
}

const EMPTY_SNAPSHOT: KeySnapshot = { keys: [], missing: [], tokens: undefined };

const keyOf = (k: { pool: string; id: string }): string => `${k.pool}/${k.id}`;

/**
 * Keys in VS Code's SecretStorage: one secret per key, plus a JSON index of
 * non-secret metadata and the two bridge tokens. SecretStorage is shared by
 * every window, so a change event means "something may have changed in some
 * window": the store re-reads, diffs, and reports only real differences.
 */
export class KeyStore extends Disposable {
  readonly onDidChange = new Emitter<KeyStoreChange>();
  /** A background re-read failed; the last good snapshot stays in use. */
  readonly onDidFail = new Emitter<SecretStoreError>();
  /** This window wrote keys (added with their secrets, or removed); other windows may not hear of it. */
  readonly onDidWrite = new Emitter<{ added: StoredKey[]; removed: { pool: string; id: string }[] }>();
  private current: KeySnapshot | undefined;
  private readonly timeoutMs: number;
  private readonly debounceMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  /** Mutations of this window run one at a time; other windows are re-read before each. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: SecretStorageLike,
    options: KeyStoreOptions = {},
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.debounceMs = options.debounceMs ?? 50;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this._register(secrets.onDidChange(() => this.scheduleRefresh()));
    this._register({ dispose: () => this.refreshTimer && clearTimeout(this.refreshTimer) });
  }

  /** The last snapshot read, or undefined before the first successful load. */
  get snapshot(): KeySnapshot | undefined {
    return this.current;
  }

  /** Reads everything; the first call of a window. Throws SecretStoreError. */
  async load(): Promise<KeySnapshot> {
    const next = await this.read();
    this.commit(next, true);
    return next;
  }

  /** Re-reads and reports what changed; what the change event and the Refresh command do. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          try {
            this.commit(await this.read());
          } catch (error) {
            if (error instanceof SecretStoreError) this.onDidFail.fire(error);
            else throw error;
          }
        } while (this.refreshAgain && !this.isDisposed);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Reads the bridge tokens, creating them on the first run of the first window. */
  ensureTokens(): Promise<BridgeTokens> {
    return this.enqueue(async () => {
      let token = await this.call('read token', this.secrets.get(TOKEN_SECRET));
      let adminToken = await this.call('read admin token', this.secrets.get(ADMIN_TOKEN_SECRET));
      if (token && adminToken) return this.noteTokens({ token, adminToken });
      if (!token) await this.call('store token', this.secrets.store(TOKEN_SECRET, generateToken('kb')));
      if (!adminToken) await this.call('store admin token', this.secrets.store(ADMIN_TOKEN_SECRET, generateToken('kbadmin')));
      // Two windows starting together may both have written; read back whichever landed last.
      token = await this.call('read token', this.secrets.get(TOKEN_SECRET));
      adminToken = await this.call('read admin token', this.secrets.get(ADMIN_TOKEN_SECRET));
      if (!token || !adminToken) throw new SecretStoreError('keyring', 'store tokens', 'the stored token could not be read back');
      return this.noteTokens({ token, adminToken });
    });
  }

  /**
   * Adds keys to a pool: each secret is stored before the index names it, so
   * another window never sees a key without its secret for long. Keys already
   * in the pool (same fingerprint) are refused, not stored twice.
   */
  addKeys(pool: string, entries: { secret: string; label?: string }[]): Promise<{ added: StoredKeyMeta[]; duplicates: string[] }> {
    return this.enqueue(async () => {
      const index = await this.readIndex();
      const inPool = new Set(index.keys.filter((k) => k.pool === pool).map((k) => k.fingerprint));
      const added: StoredKeyMeta[] = [];
      const secrets: StoredKey[] = [];
      const duplicates: string[] = [];
      for (const entry of entries) {
        const secret = entry.secret.trim();
        const fingerprint = fingerprintSecret(secret);
        const masked = maskSecret(secret);
        if (inPool.has(fingerprint)) {
          duplicates.push(masked);
          continue;
        }
        inPool.add(fingerprint);
        const id = this.newKeyId(index.keys, pool);
        const meta: StoredKeyMeta = { pool, id, label: entry.label?.trim() || masked, addedAt: this.now(), fingerprint, masked };
        await this.call('store key', this.secrets.store(keySecretName(pool, id), secret));
        index.keys.push(meta);
        added.push(meta);
        secrets.push({ ...meta, secret });
      }
      if (added.length) await this.writeIndex(index);
      await this.refreshNow();
      if (secrets.length) this.onDidWrite.fire({ added: secrets, removed: [] });
      return { added, duplicates };
    });
  }

  /**
   * Stores keys another window holds but this window's view of SecretStorage
   * lacks (browser-based VS Code reads it once per window), under the same
   * ids so their persisted health still applies. Keys already listed, or
   * already in the pool under another id, are left alone.
   */
  importKeys(keys: { pool: string; id: string; label?: string; secret: string }[]): Promise<StoredKeyMeta[]> {
    return this.enqueue(async () => {
      const index = await this.readIndex();
      const known = this.current?.keys ?? [];
      const imported: StoredKeyMeta[] = [];
      let indexChanged = false;
      for (const key of keys) {
        const secret = key.secret.trim();
        const fingerprint = fingerprintSecret(secret);
        if (!secret || known.some((k) => k.pool === key.pool && (k.id === key.id || k.fingerprint === fingerprint))) continue;
        const masked = maskSecret(secret);
        const meta: StoredKeyMeta = { pool: key.pool, id: key.id, label: key.label?.trim() || masked, addedAt: this.now(), fingerprint, masked };
        await this.call('store key', this.secrets.store(keySecretName(key.pool, key.id), secret));
        // Listed but without its secret here: the secret was all that was missing.
        if (!index.keys.some((k) => k.pool === key.pool && k.id === key.id)) {
          index.keys.push(meta);
          indexChanged = true;
        }
        imported.push(meta);
      }
      if (indexChanged) await this.writeIndex(index);
      await this.refreshNow();
      return imported;
    });
  }

  /** Removes a key: the index first (so no window keeps using it), then its secret. */
  removeKey(pool: string, id: string): Promise<boolean> {
    return this.enqueue(async () => {
      const index = await this.readIndex();
      const before = index.keys.length;
      index.keys = index.keys.filter((k) => !(k.pool === pool && k.id === id));
      if (index.keys.length !== before) await this.writeIndex(index);
      await this.call('delete key', this.secrets.delete(keySecretName(pool, id)));
      await this.refreshNow();
      this.onDidWrite.fire({ added: [], removed: [{ pool, id }] });
      return index.keys.length !== before;
    });
  }

  removePool(pool: string): Promise<number> {
    return this.enqueue(async () => {
      const index = await this.readIndex();
      const gone = index.keys.filter((k) => k.pool === pool);
      index.keys = index.keys.filter((k) => k.pool !== pool);
      if (gone.length) await this.writeIndex(index);
      for (const k of gone) await this.call('delete key', this.secrets.delete(keySecretName(pool, k.id)));
      await this.refreshNow();
      if (gone.length) this.onDidWrite.fire({ added: [], removed: gone.map((k) => ({ pool, id: k.id })) });
      return gone.length;
    });
  }

  /** Fingerprints of a pool's keys, for the duplicate check while the user types. */
  fingerprints(pool: string): Set<string> {
    return new Set((this.current?.keys ?? []).filter((k) => k.pool === pool).map((k) => k.fingerprint));
  }

  private scheduleRefresh(): void {
    if (this.isDisposed) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, this.debounceMs);
  }

  /** After a write of this window: the write itself succeeded, so a failing re-read is only reported. */
  private async refreshNow(): Promise<void> {
    try {
      this.commit(await this.read());
    } catch (error) {
      if (error instanceof SecretStoreError) this.onDidFail.fire(error);
      else throw error;
    }
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private noteTokens(tokens: BridgeTokens): BridgeTokens {
    if (this.current) this.commit({ ...this.current, tokens });
    return tokens;
  }

  private newKeyId(existing: StoredKeyMeta[], pool: string): string {
    const taken = new Set(existing.filter((k) => k.pool === pool).map((k) => k.id));
    for (;;) {
      const id = `k${Math.random().toString(36).slice(2, 8)}`;
      if (!taken.has(id)) return id;
    }
  }

  private async read(): Promise<KeySnapshot> {
    const [index, token, adminToken] = await Promise.all([
      this.readIndex(),
      this.call('read token', this.secrets.get(TOKEN_SECRET)),
      this.call('read admin token', this.secrets.get(ADMIN_TOKEN_SECRET)),
    ]);
    const secrets = await Promise.all(index.keys.map((k) => this.call('read key', this.secrets.get(keySecretName(k.pool, k.id)))));
    const keys: StoredKey[] = [];
    const missing: StoredKeyMeta[] = [];
    index.keys.forEach((meta, i) => {
      const secret = secrets[i];
      // The secret is the truth: an index written by an older or racing window may describe another one.
      if (secret) keys.push({ ...meta, secret, fingerprint: fingerprintSecret(secret), masked: maskSecret(secret) });
      else missing.push(meta);
    });
    return { keys, missing, tokens: token && adminToken ? { token, adminToken } : undefined };
  }

  private async readIndex(): Promise<KeyIndex> {
    const raw = await this.call('read index', this.secrets.get(INDEX_SECRET));
    if (!raw) return { version: 1, keys: [] };
    try {
      const parsed = JSON.parse(raw) as Partial<KeyIndex>;
      const keys = Array.isArray(parsed.keys) ? parsed.keys.filter(isMeta) : [];
      return { version: 1, keys };
    } catch {
      this.logger.warn('the key index in secret storage is not valid JSON; starting a new one (stored key secrets are kept)');
      return { version: 1, keys: [] };
    }
  }

  private writeIndex(index: KeyIndex): Promise<void> {
    return this.call('write index', this.secrets.store(INDEX_SECRET, JSON.stringify(index)));
  }

  /** Every secret-storage call goes through here: bounded in time, failures made actionable. */
  private call<T>(operation: string, pending: Thenable<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SecretStoreError('timeout', operation, `${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref?.();
      Promise.resolve(pending).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(new SecretStoreError('keyring', operation, error instanceof Error ? error.message : String(error)));
        },
      );
    });
  }

  private commit(next: KeySnapshot, initial = false): void {
    const previous = this.current;
    this.current = next;
    if (initial && !previous) return;
    const change = diffSnapshots(previous ?? EMPTY_SNAPSHOT, next);
    if (change.added.length || change.removed.length || change.changed.length || change.tokensChanged) {
      this.logger.debug(`key store changed: +${change.added.length} -${change.removed.length} ~${change.changed.length}${change.tokensChanged ? ' tokens' : ''}`);
      this.onDidChange.fire(change);
    }
  }
}

function diffSnapshots(previous: KeySnapshot, next: KeySnapshot): KeyStoreChange {
  const before = new Map(previous.keys.map((k) => [keyOf(k), k]));
  const after = new Map(next.keys.map((k) => [keyOf(k), k]));
  const added = next.keys.filter((k) => !before.has(keyOf(k))).map(stripSecret);
  const removed = previous.keys.filter((k) => !after.has(keyOf(k))).map(stripSecret);
  const changed = next.keys.filter((k) => {
    const old = before.get(keyOf(k));
    return old !== undefined && (!sameMeta(old, k) || old.secret !== k.secret);
  });
  const tokensChanged = previous.tokens?.token !== next.tokens?.token || previous.tokens?.adminToken !== next.tokens?.adminToken;
  return { added, removed, changed: changed.map(stripSecret), tokensChanged };
}

function stripSecret(key: StoredKey): StoredKeyMeta {
  const { pool, id, label, addedAt, fingerprint, masked } = key;
  return { pool, id, label, addedAt, fingerprint, masked };
}

function isMeta(value: unknown): value is StoredKeyMeta {
  const v = value as StoredKeyMeta;
  return !!v && typeof v.pool === 'string' && typeof v.id === 'string' && typeof v.fingerprint === 'string' && typeof v.label === 'string';
}
