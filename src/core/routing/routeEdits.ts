import type { Protocol, RouteTarget } from '../config';

/**
 * Edits of the raw `keybridge.routes` list, as settings.json holds it: entries are found by protocol and
 * pattern (the first such entry is the one the router uses), and everything else in an entry, or in an entry
 * this version does not understand, is kept as written. No `vscode` import: tested on Node.
 */

export interface RouteRef {
  protocol: Protocol;
  match: string;
}

type Entry = Record<string, unknown>;

const isEntry = (value: unknown): value is Entry => typeof value === 'object' && value !== null && !Array.isArray(value);

function findRoute(routes: readonly unknown[], ref: RouteRef): number {
  return routes.findIndex((r) => isEntry(r) && r.protocol === ref.protocol && r.match === ref.match);
}

/** `{pool}` or `{pool, model}`: no `"model": ""` written for "keep the client's model". */
export function routeTarget(pool: string, model: string | undefined): RouteTarget {
  const name = model?.trim();
  return name ? { pool, model: name } : { pool };
}

/**
 * The routes with `target` appended to the route `ref`; a route that does not exist yet is made with `first`
 * (a protocol's default pool, when its default route gets a fallback) before the target. A new route goes
 * before the protocol's catch-all (`*`) route, which would otherwise take its models first.
 */
export function withTargetAdded(routes: readonly unknown[], ref: RouteRef, target: RouteTarget, first: readonly RouteTarget[] = []): unknown[] {
  const next = [...routes];
  const at = findRoute(next, ref);
  if (at >= 0) {
    const entry = next[at] as Entry;
    const targets: unknown[] = Array.isArray(entry.targets) ? entry.targets : [];
    next[at] = { ...entry, targets: [...targets, target] };
    return next;
  }
  const route = { protocol: ref.protocol, match: ref.match, targets: [...first, target] };
  const catchAll = ref.match === '*' ? -1 : findRoute(next, { protocol: ref.protocol, match: '*' });
  if (catchAll >= 0) next.splice(catchAll, 0, route);
  else next.push(route);
  return next;
}

/**
 * The routes without the target at `index` of route `ref` (checked to still name `pool`: the settings may
 * have changed since the tree was drawn); a route left without targets is removed. Undefined when that
 * target is not there.
 */
export function withTargetRemoved(
  routes: readonly unknown[],
  ref: RouteRef,
  index: number,
  pool: string,
): { routes: unknown[]; routeRemoved: boolean } | undefined {
  const at = findRoute(routes, ref);
  if (at < 0) return undefined;
  const entry = routes[at] as Entry;
  const targets: unknown[] = Array.isArray(entry.targets) ? entry.targets : [];
  const named = (t: unknown): boolean => isEntry(t) && t.pool === pool;
  const which = named(targets[index]) ? index : targets.findIndex(named);
  if (which < 0) return undefined;
  const next = [...routes];
  const left = targets.filter((_, i) => i !== which);
  if (left.length === 0) {
    next.splice(at, 1);
    return { routes: next, routeRemoved: true };
  }
  next[at] = { ...entry, targets: left };
  return { routes: next, routeRemoved: false };
}
