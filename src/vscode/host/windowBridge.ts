import { join } from 'node:path';
import { Bridge } from '../../core/bridge';
import type { BridgeConfig } from '../../core/config';
import type { Logger } from '../../core/logger';
import type { FollowerKeyChange } from '../../core/server/keyHandover';
import { FileStateStore } from '../../core/state';
import type { BridgeTokens } from '../keys/storedKey';

const STATE_FILE = 'key-state.json';
/** Beside the state file, as `STATE.usage.jsonl` (docs/ARCHITECTURE.md §10). */
const USAGE_FILE = 'key-state.usage.jsonl';

export interface WindowBridgeOptions {
  /** The configuration as the window holds it now: read at construction and by every key handover. */
  config: () => BridgeConfig;
  port: number;
  tokens: BridgeTokens;
  /** Global storage, shared by every window of the machine. */
  stateDir: string;
  logger: Logger;
  /** Stores what a follower window added or removed. */
  acceptFollowerKeys: (change: FollowerKeyChange) => Promise<void>;
}

/**
 * The core bridge as a VS Code window runs it: key health in the state file
 * every window shares, the usage store beside it (written by the owner
 * only), and the key handover that lets follower windows fetch
 * and send keys over the admin API (docs/ARCHITECTURE.md §6).
 */
export function createWindowBridge(options: WindowBridgeOptions): Bridge {
  return new Bridge({
    config: options.config(),
    port: options.port,
    token: options.tokens.token,
    adminToken: options.tokens.adminToken,
    logger: options.logger,
    // Re-read at construction: a new owner starts from what the previous one persisted.
    stateStore: new FileStateStore(join(options.stateDir, STATE_FILE)),
    // Only the owner writes it; followers read the owner's report over the admin API.
    usage: { file: join(options.stateDir, USAGE_FILE) },
    keyHandover: {
      keys: () => options.config().pools.flatMap((p) => p.keys.map((k) => ({ pool: p.id, id: k.id, label: k.label, secret: k.secret }))),
      apply: options.acceptFollowerKeys,
    },
  });
}
