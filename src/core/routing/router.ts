import type { BridgeConfig, Protocol, RouteTarget } from '../config';

interface CompiledRoute {
  protocol: Protocol;
  pattern: RegExp;
  targets: RouteTarget[];
}

function compilePattern(match: string): RegExp {
  const escaped = match.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

/** Maps a request's (protocol, model) to its ordered chain of targets; the first matching route wins. */
export class Router {
  private readonly routes: CompiledRoute[];
  private readonly defaults = new Map<Protocol, RouteTarget[]>();

  constructor(config: BridgeConfig) {
    this.routes = config.routes.map((r) => ({ protocol: r.protocol, pattern: compilePattern(r.match), targets: r.targets }));
    for (const protocol of ['openai', 'anthropic'] as const) {
      const id = config.defaults?.[protocol] ?? config.pools.find((p) => p.protocol === protocol)?.id;
      if (id) this.defaults.set(protocol, [{ pool: id }]);
    }
  }

  resolve(protocol: Protocol, model: string | undefined): readonly RouteTarget[] {
    // Requests without a model (listing models, other pass-through paths) go to the protocol's default pool.
    if (model !== undefined) {
      for (const route of this.routes) if (route.protocol === protocol && route.pattern.test(model)) return route.targets;
    }
    return this.defaults.get(protocol) ?? [];
  }
}
