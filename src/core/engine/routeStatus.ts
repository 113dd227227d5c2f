import { PROTOCOLS, type BridgeConfig, type PoolSpec, type Protocol, type RouteTarget } from '../config';
import { poolTranslatesFor } from '../protocols/table';
import { defaultPoolId } from '../routing/router';
import type { BridgeStatus, RouteStatus, RouteTargetStatus } from '../status';

/** What the routes depend on; the VS Code settings fit it too, so a command can list routes with no bridge running. */
export interface RouteConfig extends Pick<BridgeConfig, 'routes' | 'defaults'> {
  pools: readonly RoutePool[];
}
type RoutePool = Pick<PoolSpec, 'id' | 'protocol' | 'responses'>;

/**
 * The routes as the status shows them: the configured ones in the order the router tries them, then, for each
 * protocol no catch-all route covers, its default route (where unmatched requests go). Ids and models only.
 */
export function routeStatus(config: RouteConfig): RouteStatus[] {
  const pools = new Map(config.pools.map((p) => [p.id, p]));
  const routes: RouteStatus[] = config.routes.map((route) => ({
    protocol: route.protocol,
    match: route.match,
    targets: route.targets.flatMap((target) => targetStatus(route.protocol, target, pools.get(target.pool))),
  }));
  for (const protocol of PROTOCOLS) {
    // Behind a `*` route the default only serves requests without a model (model lists): not worth a row.
    if (config.routes.some((r) => r.protocol === protocol && r.match === '*')) continue;
    const pool = pools.get(defaultPoolId(config, protocol) ?? '');
    if (pool) routes.push({ protocol, match: '*', implicit: true, targets: targetStatus(protocol, { pool: pool.id }, pool) });
  }
  return routes;
}

function targetStatus(protocol: Protocol, target: RouteTarget, pool: RoutePool | undefined): RouteTargetStatus[] {
  // The config is validated before the engine takes it, so every target names a pool; a stale one is left out.
  if (!pool) return [];
  const translated = poolTranslatesFor(protocol, pool);
  return [{ pool: target.pool, ...(target.model !== undefined && { model: target.model }), poolProtocol: pool.protocol, translated }];
}

/**
 * The protocols whose clients the bridge can serve: a route of that protocol (configured, or the protocol's
 * default pool) has a target whose pool holds a key that is not retired. A route to the other protocol's pool
 * counts (translation serves it). Read from the status, so it is the configuration the port serves; the status
 * of an owner too old to list routes is read by its pools alone.
 */
export function servedProtocols(status: Pick<BridgeStatus, 'pools' | 'routes'>): Set<Protocol> {
  const usable = new Set(status.pools.filter((pool) => pool.keys.some((key) => key.state !== 'retired')).map((pool) => pool.id));
  const served = new Set<Protocol>();
  if (status.routes) {
    for (const route of status.routes) if (route.targets.some((target) => usable.has(target.pool))) served.add(route.protocol);
  } else {
    for (const pool of status.pools) if (usable.has(pool.id)) served.add(pool.protocol);
  }
  return served;
}
