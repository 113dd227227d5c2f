import type { KeySnapshot, KeyStoreChange, StoredKey, StoredKeyMeta } from './storedKey';

const keyOf = (k: { pool: string; id: string }): string => `${k.pool}/${k.id}`;

function sameMeta(a: StoredKeyMeta, b: StoredKeyMeta): boolean {
  return a.fingerprint === b.fingerprint && a.label === b.label;
}

function stripSecret(key: StoredKey): StoredKeyMeta {
  const { pool, id, label, addedAt, fingerprint, masked } = key;
  return { pool, id, label, addedAt, fingerprint, masked };
}

/**
 * What really changed between two reads of SecretStorage. A change event only
 * says "something may have changed in some window"; this is what the bridge
 * and the tree are told. Secrets never leave in the result.
 */
export function diffSnapshots(previous: KeySnapshot, next: KeySnapshot): KeyStoreChange {
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
