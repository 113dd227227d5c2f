import { Emitter } from '../../core/emitter';
import { silentLogger, type Logger } from '../../core/logger';
import { fingerprintSecret, maskSecret } from '../../core/secrets';
import { Disposable } from '../shared/disposable';
import { KeySecrets, SecretStoreError, type SecretStorageLike } from './keySecrets';
import { diffSnapshots } from './keySnapshotDiff';
import type { BridgeTokens, KeySnapshot, KeyStoreChange, StoredKey, StoredKeyMeta } from './storedKey';

export interface KeyStoreOptions {
  /** Upper bound of one secret-storage call; in code-server `get` never returns without a browser. */
  timeoutMs?: number;
  /** Change events arrive in bursts (one per secret); re-read once after the burst. */
  debounceMs?: number;
  logger?: Logger;
  now?: () => number;
}

const EMPTY_SNAPSHOT: KeySnapshot = { keys: [], missing: [], tokens: undefined };

/**
 * This window's view of the keys in VS Code's SecretStorage (laid out by
 * `KeySecrets`), and its changes to them. SecretStorage is shared by every
 * window, so a change event means "something may have changed in some window":
 * the store re-reads, diffs, and reports only real differences.
 */
export class KeyStore extends Disposable {
  readonly onDidChange = new Emitter<KeyStoreChange>();
  /** A background re-read failed; the last good snapshot stays in use. */
  readonly onDidFail = new Emitter<SecretStoreError>();
  /** This window wrote keys (added with their secrets, or removed); other windows may not hear of it. */
  readonly onDidWrite = new Emitter<{ added: StoredKey[]; removed: { pool: string; id: string }[] }>();
  private current: KeySnapshot | undefined;
  private readonly secrets: KeySecrets;
  private readonly debounceMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  /** Mutations of this window run one at a time; other windows are re-read before each. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(storage: SecretStorageLike, options: KeyStoreOptions = {}) {
    super();
    this.debounceMs = options.debounceMs ?? 50;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    // Long enough for a keyring that is slow rather than broken (a loaded machine, a keyring daemon starting:
    // 3 s timed out in code-server under load); a call that gives up may still complete after it.
    this.secrets = new KeySecrets(storage, options.timeoutMs ?? 10_000, this.logger);
    this._register(storage.onDidChange(() => this.scheduleRefresh()));
    this._register({ dispose: () => this.refreshTimer && clearTimeout(this.refreshTimer) });
  }

  /** The last snapshot read, or undefined before the first successful load. */
  get snapshot(): KeySnapshot | undefined {
    return this.current;
  }

  /** Reads everything; the first call of a window. Throws SecretStoreError. */
  async load(): Promise<KeySnapshot> {
    const next = await this.secrets.readSnapshot();
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
          await this.refreshNow();
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by refresh() during the await
        } while (this.refreshAgain && !this.isDisposed);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Reads the bridge tokens, creating them on the first run of the first window. */
  ensureTokens(): Promise<BridgeTokens> {
    return this.enqueue(async () => this.noteTokens(await this.secrets.ensureTokens()));
  }

  /**
   * Adds keys to a pool: each secret is stored before the index names it, so
   * another window never sees a key without its secret for long. Keys already
   * in the pool (same fingerprint) are refused, not stored twice.
   */
  addKeys(pool: string, entries: { secret: string; label?: string }[]): Promise<{ added: StoredKeyMeta[]; duplicates: string[] }> {
    return this.enqueue(async () => {
      const index = await this.secrets.readIndex();
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
        const id = newKeyId(index.keys, pool);
        const meta: StoredKeyMeta = { pool, id, label: entry.label?.trim() || masked, addedAt: this.now(), fingerprint, masked };
        await this.secrets.storeKey(pool, id, secret);
        index.keys.push(meta);
        added.push(meta);
        secrets.push({ ...meta, secret });
      }
      if (added.length) await this.secrets.writeIndex(index);
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
      const index = await this.secrets.readIndex();
      const known = this.current?.keys ?? [];
      const imported: StoredKeyMeta[] = [];
      let indexChanged = false;
      for (const key of keys) {
        const secret = key.secret.trim();
        const fingerprint = fingerprintSecret(secret);
        if (!secret || known.some((k) => k.pool === key.pool && (k.id === key.id || k.fingerprint === fingerprint))) continue;
        const masked = maskSecret(secret);
        const meta: StoredKeyMeta = { pool: key.pool, id: key.id, label: key.label?.trim() || masked, addedAt: this.now(), fingerprint, masked };
        await this.secrets.storeKey(key.pool, key.id, secret);
        // Listed but without its secret here: the secret was all that was missing.
        if (!index.keys.some((k) => k.pool === key.pool && k.id === key.id)) {
          index.keys.push(meta);
          indexChanged = true;
        }
        imported.push(meta);
      }
      if (indexChanged) await this.secrets.writeIndex(index);
      await this.refreshNow();
      return imported;
    });
  }

  /** Removes a key: the index first (so no window keeps using it), then its secret. */
  removeKey(pool: string, id: string): Promise<boolean> {
    return this.enqueue(async () => {
      const index = await this.secrets.readIndex();
      const before = index.keys.length;
      index.keys = index.keys.filter((k) => !(k.pool === pool && k.id === id));
      if (index.keys.length !== before) await this.secrets.writeIndex(index);
      await this.secrets.deleteKey(pool, id);
      await this.refreshNow();
      this.onDidWrite.fire({ added: [], removed: [{ pool, id }] });
      return index.keys.length !== before;
    });
  }

  removePool(pool: string): Promise<number> {
    return this.enqueue(async () => {
      const index = await this.secrets.readIndex();
      const gone = index.keys.filter((k) => k.pool === pool);
      index.keys = index.keys.filter((k) => k.pool !== pool);
      if (gone.length) await this.secrets.writeIndex(index);
      for (const k of gone) await this.secrets.deleteKey(pool, k.id);
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

  /** One re-read; a failing one is reported and the last good snapshot stays (after a write of this window, the write itself succeeded). */
  private async refreshNow(): Promise<void> {
    try {
      this.commit(await this.secrets.readSnapshot());
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

  private commit(next: KeySnapshot, initial = false): void {
    const previous = this.current;
    this.current = next;
    if (initial && !previous) return;
    const change = diffSnapshots(previous ?? EMPTY_SNAPSHOT, next);
    if (change.added.length || change.removed.length || change.changed.length || change.tokensChanged) {
      this.logger.debug(
        `key store changed: +${change.added.length} -${change.removed.length} ~${change.changed.length}${change.tokensChanged ? ' tokens' : ''}`,
      );
      this.onDidChange.fire(change);
    }
  }
}

function newKeyId(existing: StoredKeyMeta[], pool: string): string {
  const taken = new Set(existing.filter((k) => k.pool === pool).map((k) => k.id));
  for (;;) {
    const id = `k${Math.random().toString(36).slice(2, 8)}`;
    if (!taken.has(id)) return id;
  }
}
