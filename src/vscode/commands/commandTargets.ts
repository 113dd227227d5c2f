import * as vscode from 'vscode';
import type { BridgeStatus, KeyStatus, PoolStatus } from '../../core/status';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { CommandServices } from './commandServices';
import { effectiveState, keyDescription } from '../../core/presentation/keyPresentation';
import type { KeyTreeNode } from '../tree/keyTree';

export interface KeyRef {
  pool: string;
  key: string;
}

/** Arguments a key command accepts: a tree row, or `{pool, key}` from code. */
export function keyRefOf(arg: unknown): KeyRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as KeyTreeNode;
  if (node.kind === 'key') return { pool: node.poolId, key: node.key.id };
  const ref = arg as Partial<KeyRef>;
  if (typeof ref.pool === 'string' && typeof ref.key === 'string') return { pool: ref.pool, key: ref.key };
  return undefined;
}

/** A pool command's argument: a tree row or a pool id. */
export function poolIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as KeyTreeNode;
  return node.kind === 'pool' ? node.pool.id : undefined;
}

/**
 * Which pool or key a command acts on when its argument does not say (run
 * from the palette rather than a tree row), and how messages name them.
 */
export class CommandTargets {
  constructor(private readonly services: CommandServices) {}

  async pickPool(title: string): Promise<PoolSetting | undefined> {
    const pools = this.services.pools();
    if (pools.length === 0) {
      void vscode.window.showInformationMessage('KeyBridge: there are no pools yet. Run "KeyBridge: Add Pool".');
      return undefined;
    }
    if (pools.length === 1) return pools[0];
    const picked = await vscode.window.showQuickPick(
      pools.map((pool) => ({ label: pool.label ?? pool.id, description: `${pool.protocol} · ${pool.baseUrl}`, pool })),
      { title: `KeyBridge: ${title}` },
    );
    return picked?.pool;
  }

  async pickKey(title: string, filter: (key: KeyStatus) => boolean = () => true): Promise<KeyRef | undefined> {
    const now = Date.now();
    const items = (this.status()?.pools ?? []).flatMap((pool) =>
      pool.keys
        .filter((key) => filter({ ...key, state: effectiveState(key, now) }))
        .map((key) => ({ label: key.label, description: `${pool.label} · ${keyDescription(key, now)}`, ref: { pool: pool.id, key: key.id } })),
    );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('KeyBridge: no key fits. Add keys in the KeyBridge view.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(items, { title: `KeyBridge: ${title}` });
    return picked?.ref;
  }

  poolStatus(id: string): PoolStatus | undefined {
    return this.status()?.pools.find((p) => p.id === id);
  }

  /** `OpenAI / work (sk-…abcd)`: how messages name a key. */
  keyName(ref: KeyRef, withPool = true): string {
    const pool = this.poolStatus(ref.pool);
    const key = pool?.keys.find((k) => k.id === ref.key);
    const meta = this.services.keyStore.snapshot?.keys.find((k) => k.pool === ref.pool && k.id === ref.key);
    const label = key?.label ?? meta?.label ?? ref.key;
    const masked = key?.masked ?? meta?.masked;
    const keyPart = masked && masked !== label ? `${label} (${masked})` : label;
    return withPool ? `${pool?.label ?? ref.pool} / ${keyPart}` : keyPart;
  }

  private status(): BridgeStatus | undefined {
    return this.services.host.status();
  }
}
