import type { BaseUrls } from '../../core/config';
import { systemClock } from '../../core/clock';
import { demoScenario, DEMO_MODELS } from '../../core/demo/demoScenario';
import { driveDemoTraffic } from '../../core/demo/demoTraffic';
import { startSimulatedProvider, type SimulatedProvider } from '../../core/demo/simulatedProvider';
import type { Logger } from '../../core/logger';
import type { BridgeStatus } from '../../core/status';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { KeyStore } from '../keys/keyStore';

/** What the simulated provider needs of the extension; the extension passes the real settings and key store. */
export interface SimulatedDemoServices {
  keyStore: Pick<KeyStore, 'addKeys' | 'removePool'>;
  /** The parsed `keybridge.pools` (to find the demo's pools by their mark). */
  pools(): PoolSetting[];
  /** The user's `keybridge.pools` / `keybridge.routes` as written, and their replacement. */
  listSetting(name: 'pools' | 'routes'): unknown[];
  writeListSetting(name: 'pools' | 'routes', list: unknown[]): Promise<void>;
  /** Where the bridge listens, its token and what it serves, for the demo's own client; unset while it does not serve. */
  bridge(): { baseUrls: BaseUrls; token: string; status: BridgeStatus | undefined } | undefined;
  logger: Logger;
}

/** The demo's own client: a request every 2 s for a minute, enough to show a cooldown, a revoked key and a failover. */
const TRAFFIC = { intervalMs: 2_000, durationMs: 60_000 };

/**
 * KeyBridge: Try with a Simulated Provider (docs/ARCHITECTURE.md §1, `demo/`). The scenario of `keybridge demo`, run in
 * this extension host: the simulated provider on a loopback port, its two pools in `keybridge.pools` marked
 * `"demo": true` and labelled "(simulated)", its route, and its keys in SecretStorage like any key — the bridge
 * may be served by another window, which reads keys only from there. Remove takes out exactly what was added.
 *
 * The simulator lives only as long as this extension host. On activation, demo pools whose simulator no
 * longer answers are removed rather than restarted: a demo the user did not start in this session never runs a
 * server on its own, and the welcome view comes back.
 */
export class SimulatedDemo {
  private provider: SimulatedProvider | undefined;
  private traffic: AbortController | undefined;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(private readonly services: SimulatedDemoServices) {}

  /** Ids of the pools marked as the demo's in the settings (from any window). */
  private demoPoolIds(): Set<string> {
    return new Set(
      this.services
        .pools()
        .filter((p) => p.demo === true)
        .map((p) => p.id),
    );
  }

  /** Starts the simulator and adds its pools, keys and route; a demo left by an earlier session is replaced. */
  start(): Promise<{ pools: string[] }> {
    return this.serialize(async () => {
      await this.removeNow();
      const scenario = demoScenario();
      const taken = new Set(this.services.pools().map((p) => p.id));
      const provider = await startSimulatedProvider(scenario.accounts, systemClock);
      const config = scenario.config(provider);
      const clash = config.pools.find((p) => taken.has(p.id));
      if (clash) {
        await provider.close();
        throw new Error(`a pool named "${clash.id}" already exists; the simulated provider needs that id. Rename or remove that pool first.`);
      }
      this.provider = provider;
      const userHasPools = taken.size > 0;
      // Keys first, so the bridge never sees the pools without them.
      for (const pool of config.pools)
        await this.services.keyStore.addKeys(
          pool.id,
          pool.keys.map((k) => ({ secret: k.secret, label: k.label })),
        );
      const entries = config.pools.map((p) => ({ id: p.id, label: p.label, protocol: p.protocol, baseUrl: p.baseUrl, strategy: p.strategy, demo: true }));
      await this.services.writeListSetting('pools', [...this.services.listSetting('pools'), ...entries]);
      // With pools of the user's own, the demo's routes name only the demo's models, so none of the user's
      // traffic reaches the simulator; alone, the scenario's claude-* route lets any Claude model try it.
      const routes = userHasPools
        ? [
            ...config.routes.map((r) => ({ ...r, match: DEMO_MODELS.anthropic })),
            { protocol: 'openai', match: DEMO_MODELS.openai, targets: [{ pool: config.pools[0].id }] },
          ]
        : config.routes;
      await this.services.writeListSetting('routes', [...routes, ...this.services.listSetting('routes')]);
      this.services.logger.info(`Simulated provider started on ${provider.url}: pools ${config.pools.map((p) => p.id).join(', ')} added`);
      this.driveTraffic(config.pools.map((p) => p.id));
      return { pools: config.pools.map((p) => p.id) };
    });
  }

  /** Removes the demo's pools, keys and routes and stops the simulator; what the user had is left as it was. */
  remove(): Promise<{ pools: string[] }> {
    return this.serialize(() => this.removeNow());
  }

  /**
   * After a reload: demo pools whose simulator no longer answers (it lived in a closed extension host) are
   * removed. A simulator another window still runs is left to that window.
   */
  cleanUpStale(): Promise<{ pools: string[] }> {
    return this.serialize(async () => {
      if (this.provider) return { pools: [] };
      const demo = this.services.pools().filter((p) => p.demo === true);
      if (!demo.length) return { pools: [] };
      const alive = await Promise.all(demo.map((p) => answers(p.baseUrl)));
      if (alive.some(Boolean)) return { pools: [] };
      this.services.logger.info('The simulated provider of an earlier session is gone: its demo pools are removed');
      return this.removeNow();
    });
  }

  /** Stops the simulator and its traffic (window closing); the settings are cleaned up on the next activation. */
  async dispose(): Promise<void> {
    this.traffic?.abort();
    await this.provider?.close();
    this.provider = undefined;
  }

  private async removeNow(): Promise<{ pools: string[] }> {
    this.traffic?.abort();
    this.traffic = undefined;
    const ids = this.demoPoolIds();
    if (ids.size) {
      const routes = this.services.listSetting('routes');
      const kept = routes.flatMap((route) => {
        const targets = (route as { targets?: unknown }).targets;
        if (!Array.isArray(targets) || !targets.some((t) => ids.has((t as { pool?: unknown }).pool as string))) return [route];
        const left = targets.filter((t) => !ids.has((t as { pool?: unknown }).pool as string));
        return left.length ? [{ ...(route as object), targets: left }] : [];
      });
      // Routes first: a route naming a removed pool would be refused.
      if (kept.length !== routes.length || kept.some((r, i) => r !== routes[i])) await this.services.writeListSetting('routes', kept);
      const pools = this.services.listSetting('pools');
      await this.services.writeListSetting(
        'pools',
        pools.filter((p) => !(typeof p === 'object' && p !== null && (p as { demo?: unknown }).demo === true)),
      );
      for (const id of ids) await this.services.keyStore.removePool(id);
    }
    const provider = this.provider;
    this.provider = undefined;
    await provider?.close();
    if (ids.size || provider) this.services.logger.info('Simulated provider removed');
    return { pools: [...ids] };
  }

  private driveTraffic(pools: string[]): void {
    const stop = new AbortController();
    this.traffic = stop;
    const timer = setTimeout(() => stop.abort(), TRAFFIC.durationMs);
    void (async () => {
      // The bridge picks the pools, keys and route up in a moment (or in the owner window); until it serves them
      // all, the demo's models could reach a pool of the user's, so the client waits.
      const serving = (): ReturnType<SimulatedDemoServices['bridge']> => {
        const bridge = this.services.bridge();
        const status = bridge?.status;
        const poolsReady = pools.every((id) => status?.pools.some((p) => p.id === id && p.keys.length > 0));
        const routed = status?.routes?.some((r) => !r.implicit && r.targets.some((t) => pools.includes(t.pool)));
        return poolsReady && routed ? bridge : undefined;
      };
      while (!stop.signal.aborted && !serving()) await systemClock.sleep(250, stop.signal).catch(() => undefined);
      const bridge = serving();
      if (bridge) await driveDemoTraffic(bridge.baseUrls, bridge.token, TRAFFIC.intervalMs, stop.signal);
      clearTimeout(timer);
    })();
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.busy.then(op, op);
    this.busy = next.catch(() => undefined);
    return next;
  }
}

/** Whether anything answers HTTP at a demo pool's address (the simulator answers every path). */
async function answers(baseUrl: string): Promise<boolean> {
  try {
    // The simulator listens on loopback only; nothing else is ever probed.
    if (new URL(baseUrl).hostname !== '127.0.0.1') return false;
    const res = await fetch(`${baseUrl}/models`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}
