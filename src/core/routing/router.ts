import { PROTOCOLS, type BridgeConfig, type Deadlines, type Protocol, type RouteTarget } from '../config';

/** What a request's (protocol, model) maps to. */
export interface ResolvedRoute {
  targets: readonly RouteTarget[];
  deadlines?: Partial<Deadlines>;
  continueOnCut?: boolean;
}

interface CompiledRoute extends ResolvedRoute {
  protocol: Protocol;
  match: string;
  pattern: RegExp;
}

/** A model name a client of one protocol can ask for and a route serves: what the model list offers (§2). */
export interface RoutedModel {
  id: string;
  /** The pools that serve it, in the order the route tries them. */
  pools: string[];
}

/** The pool a protocol's requests go to when no route matches: `defaults`, else the first pool of that protocol. */
export function defaultPoolId(
  config: { pools: readonly { id: string; protocol: Protocol }[]; defaults?: BridgeConfig['defaults'] },
  protocol: Protocol,
): string | undefined {
  return config.defaults?.[protocol] ?? config.pools.find((p) => p.protocol === protocol)?.id;
}

function compilePattern(match: string): RegExp {
  const escaped = match.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** Maps a request's (protocol, model) to its ordered chain of targets; the first matching route wins. */
export class Router {
  private readonly routes: CompiledRoute[];
  private readonly defaults = new Map<Protocol, ResolvedRoute>();

  constructor(config: BridgeConfig) {
    this.routes = config.routes.map((r) => ({
      protocol: r.protocol,
      match: r.match,
      pattern: compilePattern(r.match),
      targets: r.targets,
      deadlines: r.deadlines,
      continueOnCut: r.continueOnCut,
    }));
    for (const protocol of PROTOCOLS) {
      const id = defaultPoolId(config, protocol);
      if (id) this.defaults.set(protocol, { targets: [{ pool: id }] });
    }
  }

  route(protocol: Protocol, model: string | undefined): ResolvedRoute {
    // Requests without a model (listing models, other pass-through paths) go to the protocol's default pool.
    if (model !== undefined) {
      for (const route of this.routes) if (route.protocol === protocol && route.pattern.test(model)) return route;
    }
    return this.defaults.get(protocol) ?? { targets: [] };
  }

  /**
   * The model names the routes of `protocol` give a client: each concrete `match` (a pattern with `*` names no
   * model), then each target's own model where asking for it by name reaches that target's pool. A target model
   * that another route or the default pool would take instead is not offered: the list must not promise a route
   * the request would not follow.
   */
  namedModels(protocol: Protocol): RoutedModel[] {
    const named = new Map<string, RoutedModel>();
    const offer = (id: string, route: ResolvedRoute): void => {
      if (!named.has(id)) named.set(id, { id, pools: route.targets.map((t) => t.pool) });
    };
    for (const route of this.routes) {
      if (route.protocol !== protocol) continue;
      if (!route.match.includes('*')) offer(route.match, this.route(protocol, route.match));
    }
    for (const route of this.routes) {
      if (route.protocol !== protocol) continue;
      for (const target of route.targets) {
        if (target.model === undefined || named.has(target.model)) continue;
        const served = this.route(protocol, target.model);
        if (served.targets.some((t) => t.pool === target.pool)) offer(target.model, served);
      }
    }
    return [...named.values()];
  }
}
