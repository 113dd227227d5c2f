import * as vscode from 'vscode';
import type { Protocol, RouteTarget } from '../../core/config';
import { byProtocol } from '../../core/protocols/table';
import type { RouteStatus } from '../../core/status';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { CommandServices } from './commandServices';
import type { KeyTreeNode } from '../tree/keyTree';
import { presetById } from '../settings/providerPresets';
import { routeTarget, withTargetAdded, withTargetRemoved, type RouteRef } from '../../core/routing/routeEdits';
import { poolChoiceDescription, routeLabel, targetDescription, targetLabel, targetRelation } from '../../core/presentation/routePresentation';

/** Add Fallback from code (tests, automation): what is given skips its prompt. */
export interface AddRouteTargetArgs {
  /** The clients' protocol of the route. */
  protocol: Protocol;
  /** The route's model pattern; with `protocol`, names the route (made when it does not exist). */
  match: string;
  pool: string;
  /** The model to ask the pool for; '' keeps the client's model. */
  model: string;
}

/** Remove from Route from code: the target at `index` of the route, which must still name `pool`. */
export interface RemoveRouteTargetArgs extends RouteRef {
  pool: string;
  index: number;
}

/** A route to add to, as chosen: an existing or default route (its targets known), or a new one. */
interface ChosenRoute extends RouteRef {
  /** The targets a route made now starts with: a default route's pool, so the fallback comes after it. */
  first: RouteTarget[];
}

const PROTOCOL_NAMES = byProtocol((a) => a.label);
/** The provider kind with its article: "an OpenAI provider", never "a Anthropic provider". */
const PROVIDER_KIND = byProtocol((a) => a.providerKind);
const MODEL_EXAMPLE = byProtocol((a) => a.modelExample);

/** Add Fallback to Route and Remove from Route: the `keybridge.routes` setting, written at user level like the pools. */
export class RouteCommands {
  constructor(private readonly services: CommandServices) {}

  /** Returns the route as written, or undefined when cancelled. */
  async addRouteTarget(arg?: unknown): Promise<unknown> {
    const args = argsOf(arg);
    const pools = this.services.pools();
    if (pools.length === 0) {
      void vscode.window.showInformationMessage('KeyBridge: a route sends requests to pools, and there are none yet. Run "KeyBridge: Add Pool" first.');
      return undefined;
    }
    const route = routeOfNode(arg) ?? (await this.chooseRoute(args));
    if (!route) return undefined;
    const pool = args.pool !== undefined ? pools.find((p) => p.id === args.pool) : await this.pickPool(route, pools);
    if (!pool) {
      if (args.pool !== undefined) throw new Error(`no pool "${args.pool}"`);
      return undefined;
    }
    const model = args.model ?? (await this.askModel(route, pool));
    if (model === undefined) return undefined;

    const target = routeTarget(pool.id, model);
    const before = this.services.routesSetting();
    const routes = withTargetAdded(before, route, target, route.first);
    await this.services.writeRoutesSetting(routes);
    const how = { same: '', translated: ' (translated)', responsesToChat: ' (Responses translated to Chat)' }[targetRelation(route.protocol, pool)];
    const fallback = route.first.length > 0 || before.some((r) => isRoute(r, route));
    this.services.logger.info(`route ${routeLabel(route)}: ${pool.id}${target.model ? ` → ${target.model}` : ''} added${how}`);
    void vscode.window.setStatusBarMessage(
      `KeyBridge: ${fallback ? `${routeLabel(route)} falls back to` : `new route ${routeLabel(route)} →`} ${pool.label ?? pool.id}${how}`,
      5_000,
    );
    return routes.find((r) => isRoute(r, route));
  }

  /** Returns whether the setting was written. */
  async removeRouteTarget(arg?: unknown): Promise<boolean> {
    const ref = removeArgsOf(arg) ?? (await this.pickTarget());
    if (!ref) return false;
    const edit = withTargetRemoved(this.services.routesSetting(), ref, ref.index, ref.pool);
    if (!edit) {
      void vscode.window.showWarningMessage(
        `KeyBridge: route ${routeLabel(ref)} has no target "${ref.pool}" in your user settings; it may have been changed already.`,
      );
      return false;
    }
    if (edit.routeRemoved) {
      const answer = await vscode.window.showWarningMessage(
        `Remove route "${routeLabel(ref)}"? "${ref.pool}" is its last target; its requests will go to the next matching route or the default pool.`,
        { modal: true },
        'Remove Route',
      );
      if (answer !== 'Remove Route') return false;
    }
    await this.services.writeRoutesSetting(edit.routes);
    this.services.logger.info(`route ${routeLabel(ref)}: ${ref.pool} removed${edit.routeRemoved ? ', and the route with it' : ''}`);
    return true;
  }

  private async chooseRoute(args: Partial<AddRouteTargetArgs>): Promise<ChosenRoute | undefined> {
    const known = this.services.routes();
    if (args.protocol !== undefined && args.match !== undefined) return chosen(known, { protocol: args.protocol, match: args.match });
    if (args.protocol === undefined) {
      const NEW = 'New route…';
      const picked = await vscode.window.showQuickPick(
        [
          ...known.map((route) => ({
            label: routeLabel(route),
            description: route.implicit ? `default: ${route.targets[0]?.pool ?? ''}` : route.targets.map((t) => t.pool).join(' → '),
            route,
          })),
          { label: NEW, description: 'pick the clients and a model pattern', route: undefined },
        ],
        { title: 'KeyBridge: Add Fallback to Route — route', placeHolder: 'Which requests get the fallback?', ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      if (picked.route) return chosen(known, picked.route);
    }
    const protocol = args.protocol ?? (await pickClientProtocol());
    if (!protocol) return undefined;
    const match = await vscode.window.showInputBox({
      title: 'KeyBridge: New Route — model pattern',
      prompt: 'The models this route takes: a name, or a pattern with * (claude-*, gpt-4*); * takes every model.',
      value: '*',
      ignoreFocusOut: true,
      validateInput: (value) =>
        value.trim() === '' ? 'Enter a model name or a pattern.' : /\s/.test(value.trim()) ? 'Model names have no spaces.' : undefined,
    });
    if (!match) return undefined;
    return chosen(known, { protocol, match: match.trim() });
  }

  private async pickPool(route: RouteRef, pools: readonly PoolSetting[]): Promise<PoolSetting | undefined> {
    // Same-protocol pools first: they need no translation, so they are the likelier choice.
    const order = (p: PoolSetting): number => (targetRelation(route.protocol, p) === 'translated' ? 1 : 0);
    const picked = await vscode.window.showQuickPick(
      [...pools]
        .sort((a, b) => order(a) - order(b))
        .map((pool) => ({
          label: pool.label ?? pool.id,
          description: poolChoiceDescription(route.protocol, pool),
          detail: `${pool.id} · ${pool.protocol} · ${pool.baseUrl}`,
          pool,
        })),
      {
        title: `KeyBridge: Add Fallback to ${routeLabel(route)} — pool`,
        placeHolder: 'Which pool serves when the ones before it cannot?',
        ignoreFocusOut: true,
      },
    );
    return picked?.pool;
  }

  /** '' keeps the client's model; undefined is Escape. */
  private async askModel(route: RouteRef, pool: PoolSetting): Promise<string | undefined> {
    const translated = targetRelation(route.protocol, pool) === 'translated';
    const example = presetById(pool.provider)?.exampleModel ?? MODEL_EXAMPLE[pool.protocol];
    const name = pool.label ?? pool.id;
    return vscode.window.showInputBox({
      title: `KeyBridge: Add Fallback to ${routeLabel(route)} — model`,
      prompt: translated
        ? `Model name at ${name} (e.g. ${example}). The client's model name means nothing to ${PROVIDER_KIND[pool.protocol]}.`
        : `Model name at ${name} (e.g. ${example}); leave empty to keep the client's model.`,
      placeHolder: translated ? example : "empty: the client's model",
      ignoreFocusOut: true,
      // A warning, not a refusal: a custom endpoint may answer to the client's model names.
      validateInput: (value) =>
        translated && value.trim() === ''
          ? {
              message: `${name} speaks ${PROTOCOL_NAMES[pool.protocol]}: name one of its models, or requests will likely fail.`,
              severity: vscode.InputBoxValidationSeverity.Warning,
            }
          : undefined,
    });
  }

  private async pickTarget(): Promise<RemoveRouteTargetArgs | undefined> {
    const items = this.services
      .routes()
      .filter((route) => !route.implicit)
      .flatMap((route) =>
        route.targets.map((target, index) => ({
          label: `${routeLabel(route)} · ${targetLabel(target, index)}`,
          description: targetDescription(route, target),
          ref: { protocol: route.protocol, match: route.match, pool: target.pool, index },
        })),
      );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('KeyBridge: there are no routes in your settings.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(items, { title: 'KeyBridge: Remove from Route', ignoreFocusOut: true });
    return picked?.ref;
  }
}

async function pickClientProtocol(): Promise<Protocol | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Anthropic clients (Claude Code …)', description: '/anthropic · Messages', protocol: 'anthropic' as const },
      { label: 'OpenAI clients (Codex, Chat Completions)', description: '/openai/v1 · Chat Completions and Responses', protocol: 'openai' as const },
    ],
    { title: 'KeyBridge: New Route — clients', placeHolder: 'Which clients send the requests?', ignoreFocusOut: true },
  );
  return picked?.protocol;
}

/** The route as the settings have it: a default route starts a new route with its pool; a configured one is appended to. */
function chosen(known: readonly RouteStatus[], ref: RouteRef): ChosenRoute {
  const configured = known.find((r) => !r.implicit && r.protocol === ref.protocol && r.match === ref.match);
  const fallbackOf = configured ? undefined : known.find((r) => r.implicit && r.protocol === ref.protocol && r.match === ref.match);
  return { protocol: ref.protocol, match: ref.match, first: fallbackOf ? fallbackOf.targets.map((t) => routeTarget(t.pool, t.model)) : [] };
}

function isRoute(entry: unknown, ref: RouteRef): boolean {
  return typeof entry === 'object' && entry !== null && (entry as RouteRef).protocol === ref.protocol && (entry as RouteRef).match === ref.match;
}

/** A route or a default route's pool in the tree: the route to add to (the Routes section leaves it to the pick). */
function routeOfNode(arg: unknown): ChosenRoute | undefined {
  const node = arg as KeyTreeNode | undefined;
  if (!node || typeof node !== 'object' || (node.kind !== 'route' && node.kind !== 'routeTarget')) return undefined;
  const { route } = node;
  return { protocol: route.protocol, match: route.match, first: route.implicit ? route.targets.map((t) => routeTarget(t.pool, t.model)) : [] };
}

function argsOf(arg: unknown): Partial<AddRouteTargetArgs> {
  if (!arg || typeof arg !== 'object' || 'kind' in arg) return {};
  return arg;
}

function removeArgsOf(arg: unknown): RemoveRouteTargetArgs | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as KeyTreeNode;
  if (node.kind === 'routeTarget')
    return node.route.implicit ? undefined : { protocol: node.route.protocol, match: node.route.match, pool: node.target.pool, index: node.index };
  const ref = arg as Partial<RemoveRouteTargetArgs>;
  if (ref.protocol && typeof ref.match === 'string' && typeof ref.pool === 'string')
    return { protocol: ref.protocol, match: ref.match, pool: ref.pool, index: ref.index ?? 0 };
  return undefined;
}
