import type { Logger } from '../core/logger';
import type { PoolSetting } from './bridgeConfig';
import type { BridgeHost } from './bridgeHost';
import type { KeyStore } from './keyStore';

/** What the command handlers act on; the extension passes the real objects, tests pass fakes. */
export interface CommandServices {
  host: Pick<BridgeHost, 'testKey' | 'testPool' | 'retireKey' | 'restoreKey' | 'start' | 'stop' | 'restart' | 'status' | 'baseUrls' | 'role' | 'detail'>;
  keyStore: Pick<KeyStore, 'addKeys' | 'removeKey' | 'removePool' | 'snapshot' | 'fingerprints'>;
  pools(): PoolSetting[];
  addPoolSetting(pool: PoolSetting): Promise<void>;
  removePoolSetting(id: string): Promise<boolean>;
  refresh(): Promise<void>;
  showLog(): void;
  logger: Logger;
}
