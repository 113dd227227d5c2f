import type { Clock } from '../clock';
import type { KeyRecord } from '../keys/keyHealth';
import type { Logger } from '../logger';
import type { PersistedState, StateStore } from '../state';

/** Coalesces the saves of a burst of key changes (a 429 on every key of a pool) into one write. */
const SAVE_DELAY_MS = 200;

/**
 * Key health kept across restarts and handed between windows: saved by fingerprint (never a secret),
 * shortly after a change, and restored onto keys that have not served yet.
 */
export class StatePersistence {
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: StateStore | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly keys: () => Iterable<KeyRecord>,
  ) {}

  scheduleSave(): void {
    if (!this.store || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  /** Writes a pending save now; the bridge calls it before it lets the port go, so the next owner reads the latest state. */
  flush(): void {
    if (!this.saveTimer) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.save();
  }

  /** Restores saved health onto keys that are still fresh here (ready, never used): a live verdict beats a saved one. */
  restore(): void {
    const saved = this.store?.load();
    if (!saved) return;
    const now = this.clock.now();
    for (const key of this.keys()) {
      const health = saved.keys[key.fingerprint];
      if (health && key.stateAt(now) === 'ready' && key.stats.requests === 0 && key.restorePersisted(health, now)) this.scheduleSave();
    }
  }

  private save(): void {
    if (!this.store) return;
    const now = this.clock.now();
    const keys: PersistedState['keys'] = {};
    for (const key of this.keys()) {
      const saved = key.persisted(now);
      if (saved) keys[key.fingerprint] = saved;
    }
    try {
      this.store.save({ version: 1, savedAt: now, keys });
    } catch (error) {
      this.logger.warn(`could not save key state: ${(error as Error).message}`);
    }
  }
}
