import type { CandidatePool, CandidateResult } from '../../core/engine/candidateKeyTests';
import type { Logger } from '../../core/logger';
import type { RouteStatus } from '../../core/status';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { BridgeHost } from '../host/bridgeHost';
import type { KeyStore } from '../keys/keyStore';

/** What the command handlers act on; the extension passes the real objects, tests pass fakes. */
export interface CommandServices {
  host: Pick<BridgeHost, 'testKey' | 'testPool' | 'retireKey' | 'restoreKey' | 'start' | 'stop' | 'restart' | 'status' | 'baseUrls' | 'role' | 'detail'>;
  keyStore: Pick<KeyStore, 'addKeys' | 'removeKey' | 'removePool' | 'snapshot' | 'fingerprints'>;
  pools(): PoolSetting[];
  addPoolSetting(pool: PoolSetting): Promise<void>;
  removePoolSetting(id: string): Promise<boolean>;
  /** The routes the settings make, each protocol's default route included (no bridge needs to run). */
  routes(): RouteStatus[];
  /** The user's `keybridge.routes` as written, and its replacement. */
  routesSetting(): unknown[];
  writeRoutesSetting(routes: unknown[]): Promise<void>;
  /** Tests keys not yet stored against the pool's provider (Add Keys from File / Clipboard). */
  testCandidateKeys(pool: CandidatePool, secrets: readonly string[], options: { signal: AbortSignal }): Promise<CandidateResult[]>;
  refresh(): Promise<void>;
  showLog(): void;
  /** Opens (or reveals) the usage dashboard. */
  showDashboard(): void;
  logger: Logger;
}
