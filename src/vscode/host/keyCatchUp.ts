import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import type { BridgeStatus } from '../../core/status';
import type { BridgeHost } from './bridgeHost';
import { Disposable, toDisposable } from '../shared/disposable';
import type { KeyStore } from '../keys/keyStore';
import type { KeySnapshot, StoredKey } from '../keys/storedKey';

/** Keys the owner serves that this window's snapshot does not hold, as `pool/id`. */
function keysUnknownHere(owner: BridgeStatus | undefined, snapshot: KeySnapshot | undefined): string[] {
  if (!owner || !snapshot) return [];
  const here = new Set(snapshot.keys.map((k) => `${k.pool}/${k.id}`));
  return owner.pools.flatMap((p) => p.keys.map((k) => `${p.id}/${k.id}`)).filter((k) => !here.has(k));
}

export interface KeyCatchUpOptions {
  /** How often SecretStorage is re-read in case change events from other windows did not arrive. */
  pollMs?: number;
}

/** Browser-based VS Code: each window holds its own copy of SecretStorage, read when it opened. */
function secretsPerWindow(): boolean {
  return vscode.env.uiKind === vscode.UIKind.Web;
}

/**
 * Brings key changes made in other windows into this one where SecretStorage
 * does not tell: desktop VS Code sends change events across windows, but
 * browser-based VS Code (code-server) reads SecretStorage once per window and
 * sends none. SecretStorage is re-read on focus and on a slow poll; when
 * the owner's status lists keys this window does not know, it re-reads, and
 * if they are still missing (a browser window's stale view) it takes them from
 * the owner over the admin API and stores them in its own SecretStorage, so
 * that it can serve them when it takes the port over. There, a key the owner
 * stops listing is dropped from this window's copy too; and keys added or
 * removed in this window are sent to the owner.
 */
export class KeyCatchUp extends Disposable {
  private busy = false;
  private again = false;
  /** The unknown set last acted on: one attempt per change (or per 10 s), not one per status snapshot. */
  private lastTried = '';
  private lastTriedAt = 0;
  /** Keys the owner's last status listed, to notice one that goes. */
  private listedByOwner = new Set<string>();
  private ownerSeen = 0;

  constructor(
    private readonly keyStore: KeyStore,
    private readonly host: BridgeHost,
    private readonly logger: Logger,
    options: KeyCatchUpOptions = {},
  ) {
    super();
    const subscriptions = [host.onDidChange.on(() => void this.checkOwner()), keyStore.onDidWrite.on((change) => void this.tellOwner(change))];
    this._register(toDisposable(() => subscriptions.forEach((s) => s.dispose())));
    this._register(vscode.window.onDidChangeWindowState((state) => state.focused && void this.reread()));
    const poll = setInterval(() => void this.reread(), options.pollMs ?? 30_000);
    poll.unref();
    this._register(toDisposable(() => clearInterval(poll)));
  }

  /** A key added or removed here reaches the owner even where its SecretStorage view will never show it. */
  private async tellOwner(change: { added: StoredKey[]; removed: { pool: string; id: string }[] }): Promise<void> {
    if (this.isDisposed || this.host.role !== 'follower') return;
    try {
      await this.host.sendKeysToOwner({ add: change.added.map(({ pool, id, label, secret }) => ({ pool, id, label, secret })), remove: change.removed });
    } catch (error) {
      this.logger.warn(`could not tell the bridge owner about the key change made here: ${(error as Error).message}`);
    }
  }

  private async reread(): Promise<void> {
    if (this.isDisposed || !this.keyStore.snapshot) return;
    await this.keyStore.refresh();
  }

  private async checkOwner(): Promise<void> {
    if (this.isDisposed) return;
    if (this.host.role !== 'follower') {
      this.listedByOwner = new Set();
      return;
    }
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      await this.dropKeysRemovedElsewhere(this.host.status());
      await this.takeKeysAddedElsewhere();
    } catch (error) {
      this.logger.warn(`could not catch up with key changes made in another window: ${(error as Error).message}`);
    } finally {
      this.busy = false;
      if (this.again) {
        this.again = false;
        void this.checkOwner();
      }
    }
  }

  /**
   * A key the owner listed and no longer lists (its pool still there) was
   * removed in some window; a browser window's own view would keep it and
   * serve it again after a takeover.
   */
  private async dropKeysRemovedElsewhere(owner: BridgeStatus | undefined): Promise<void> {
    // Where SecretStorage is shared (desktop), a key the owner stops listing is gone for every window
    // already, or only missing in the owner's read: removing it here would delete it for everyone.
    if (!owner || !secretsPerWindow()) return;
    if (this.host.followCount !== this.ownerSeen) {
      // Another owner (after a takeover) lists from its own view: start over rather than compare.
      this.ownerSeen = this.host.followCount;
      this.listedByOwner = new Set();
    }
    const listed = new Set(owner.pools.flatMap((p) => p.keys.map((k) => `${p.id}/${k.id}`)));
    const pools = new Set(owner.pools.map((p) => p.id));
    const vanished = new Set([...this.listedByOwner].filter((k) => !listed.has(k) && pools.has(k.split('/')[0])));
    this.listedByOwner = listed;
    const stale = (this.keyStore.snapshot?.keys ?? []).filter((k) => vanished.has(`${k.pool}/${k.id}`));
    for (const key of stale) await this.keyStore.removeKey(key.pool, key.id);
    if (stale.length)
      this.logger.info(`dropped ${stale.length} key(s) removed in another window: ${stale.map((k) => `${k.pool}/${k.id} (${k.masked})`).join(', ')}`);
  }

  private async takeKeysAddedElsewhere(): Promise<void> {
    const unknown = keysUnknownHere(this.host.status(), this.keyStore.snapshot);
    const signature = unknown.join(',');
    if (!unknown.length || (signature === this.lastTried && Date.now() - this.lastTriedAt < 10_000)) return;
    this.lastTried = signature;
    this.lastTriedAt = Date.now();
    await this.keyStore.refresh();
    const still = new Set(keysUnknownHere(this.host.status(), this.keyStore.snapshot));
    if (still.size === 0 || this.isDisposed) return;
    const offered = (await this.host.ownerKeys()) ?? [];
    const wanted = offered.filter((k) => still.has(`${k.pool}/${k.id}`));
    if (!wanted.length) return;
    const imported = await this.keyStore.importKeys(wanted);
    if (imported.length) {
      this.logger.info(
        `took ${imported.length} key(s) added in another window from the bridge owner (this window's secret storage did not show them): ${imported.map((k) => `${k.pool}/${k.id} (${k.masked})`).join(', ')}`,
      );
    }
  }
}
