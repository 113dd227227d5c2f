import type { BridgeConfig, Deadlines, Protocol, RouteTarget } from '../config';

/** What a request's (protocol, model) maps to. */
export interface ResolvedRoute {
  targets: readonly RouteTarget[];
  deadlines?: Partial<Deadlines>;
  continueOnCut?: boolean;
}

interface CompiledRoute extends ResolvedRoute {
  protocol: Protocol;
  pattern: RegExp;
}

/** The pool a protocol's requests go to when no route matches: `defaults`, else the first pool of that protocol. */
export function defaultPoolId(config: { pools: readonly { id: string; protocol: Protocol }[]; defaults?: BridgeConfig['defaults'] }, protocol: Protocol): string | undefined {
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
      pattern: compilePattern(r.match),
      targets: r.targets,
      deadlines: r.deadlines,
      continueOnCut: r.continueOnCut,
    }));
    for (const protocol of ['openai', 'anthropic'] as const) {
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
}
