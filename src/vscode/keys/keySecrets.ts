import type { Logger } from '../../core/logger';
import { fingerprintSecret, maskSecret } from '../../core/secrets';
import { generateToken } from '../../core/server/security';
import type { DisposableLike } from '../shared/disposable';
import type { BridgeTokens, KeySnapshot, StoredKey, StoredKeyMeta } from './storedKey';

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

type SecretFailure = 'timeout' | 'keyring';

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

/** The non-secret list of keys, kept as one secret so that every window reads the same list. */
export interface KeyIndex {
  version: 1;
  keys: StoredKeyMeta[];
}

function isMeta(value: unknown): value is StoredKeyMeta {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as StoredKeyMeta;
  return typeof v.pool === 'string' && typeof v.id === 'string' && typeof v.fingerprint === 'string' && typeof v.label === 'string';
}

/**
 * KeyBridge's entries in SecretStorage: one secret per key, the index, and the
 * two bridge tokens. Every call is bounded in time (in code-server `get` never
 * returns without a browser) and its failure made actionable.
 */
export class KeySecrets {
  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Everything, secrets included; a key listed without its secret is `missing`. */
  async readSnapshot(): Promise<KeySnapshot> {
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

  /** Reads the bridge tokens, creating them on the first run of the first window. */
  async ensureTokens(): Promise<BridgeTokens> {
    let token = await this.call('read token', this.secrets.get(TOKEN_SECRET));
    let adminToken = await this.call('read admin token', this.secrets.get(ADMIN_TOKEN_SECRET));
    if (token && adminToken) return { token, adminToken };
    if (!token) await this.call('store token', this.secrets.store(TOKEN_SECRET, generateToken('kb')));
    if (!adminToken) await this.call('store admin token', this.secrets.store(ADMIN_TOKEN_SECRET, generateToken('kbadmin')));
    // Two windows starting together may both have written; read back whichever landed last.
    token = await this.call('read token', this.secrets.get(TOKEN_SECRET));
    adminToken = await this.call('read admin token', this.secrets.get(ADMIN_TOKEN_SECRET));
    if (!token || !adminToken) throw new SecretStoreError('keyring', 'store tokens', 'the stored token could not be read back');
    return { token, adminToken };
  }

  async readIndex(): Promise<KeyIndex> {
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

  writeIndex(index: KeyIndex): Promise<void> {
    return this.call('write index', this.secrets.store(INDEX_SECRET, JSON.stringify(index)));
  }

  storeKey(pool: string, id: string, secret: string): Promise<void> {
    return this.call('store key', this.secrets.store(keySecretName(pool, id), secret));
  }

  deleteKey(pool: string, id: string): Promise<void> {
    return this.call('delete key', this.secrets.delete(keySecretName(pool, id)));
  }

  /** Every secret-storage call goes through here: bounded in time, failures made actionable. */
  private call<T>(operation: string, pending: Thenable<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SecretStoreError('timeout', operation, `${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
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
}
