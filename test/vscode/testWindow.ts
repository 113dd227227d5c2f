import type { Logger } from '../../src/core/logger';
import { BridgeHost } from '../../src/vscode/host/bridgeHost';
import { BridgeNotices } from '../../src/vscode/host/bridgeNotices';
import { BridgeSync } from '../../src/vscode/host/bridgeSync';
import type { SecretStorageLike } from '../../src/vscode/keys/keySecrets';
import { KeyStore } from '../../src/vscode/keys/keyStore';

/** One VS Code window as the glue composes it: its key store, its bridge host, and the sync between them. */
export interface TestWindow {
  keyStore: KeyStore;
  host: BridgeHost;
  sync: BridgeSync;
  close(): Promise<void>;
}

/** Opens a window on `secrets` with timings short enough for tests; the caller closes it. */
export async function openTestWindow(secrets: SecretStorageLike, options: { port: number; stateDir: string; logger: Logger }): Promise<TestWindow> {
  const { port, stateDir, logger } = options;
  const keyStore = new KeyStore(secrets, { timeoutMs: 1_000, debounceMs: 10 });
  const host = new BridgeHost({ port, stateDir, logger, graceMs: 100, retryMs: 300, controlPollMs: 150, takeoverJitterMs: 50 });
  const sync = new BridgeSync(keyStore, host, logger);
  const notices = new BridgeNotices(
    host,
    () => sync.settings.notifications,
    (pool) => sync.settings.pools.find((p) => p.id === pool)?.protocol,
  );
  await sync.start();
  return {
    keyStore,
    host,
    sync,
    async close() {
      notices.dispose();
      sync.dispose();
      keyStore.dispose();
      await host.shutdown(100);
    },
  };
}
