/**
 * The key store's vocabulary, apart from the store so that the secrets' layout (keySecrets.ts) and the
 * change diff (keySnapshotDiff.ts) can name it without importing the store that uses them.
 */

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
