import * as vscode from 'vscode';
import type { KeyState } from '../../core/keys/keyHealth';
import type { BridgeStatus, KeyStatus, PoolStatus } from '../../core/status';
import { Disposable, IntervalTimer } from '../shared/disposable';
import { KEY_CONTEXT, POOL_CONTEXT, SIMULATED_POOL_CONTEXT } from '../shared/treeContext';
import {
  anyCooling,
  countKeys,
  effectiveState,
  keyDescription,
  keyLookState,
  keyTooltipMarkdown,
  poolDescription,
  poolTooltipMarkdown,
  strandedModels,
} from '../../core/presentation/keyPresentation';
import { routeNodes, routeTreeItem, type RouteTreeNode, type RoutesNode } from './routeTree';
import { agentTreeItem, type AgentsNode, type AgentTreeNode } from '../agents/agentTree';

export interface PoolNode {
  readonly kind: 'pool';
  readonly id: string;
  pool: PoolStatus;
}

export interface KeyNode {
  readonly kind: 'key';
  readonly id: string;
  readonly poolId: string;
  pool: PoolStatus;
  key: KeyStatus;
}

export type KeyTreeNode = PoolNode | KeyNode | RouteTreeNode | AgentTreeNode;

/** Codicon and theme colour per state: colour carries health, the icon shape carries it for colour-blind users too. */
const KEY_ICONS: Record<KeyState, { icon: string; color: string }> = {
  ready: { icon: 'pass-filled', color: 'testing.iconPassed' },
  cooling: { icon: 'watch', color: 'charts.yellow' },
  exhausted: { icon: 'circle-slash', color: 'charts.orange' },
  invalid: { icon: 'error', color: 'testing.iconFailed' },
  retired: { icon: 'archive', color: 'disabledForeground' },
};

export interface StatusSource {
  status(): BridgeStatus | undefined;
}

/**
 * Pools → keys, then Routes → routes → targets, from the bridge status (this
 * window's bridge or the owner's snapshot). Nodes keep their identity across updates so VS Code can refresh
 * single rows; countdowns tick once a second only while a key is cooling.
 */
export class KeyTreeProvider extends Disposable implements vscode.TreeDataProvider<KeyTreeNode> {
  private readonly changeEmitter = this._register(new vscode.EventEmitter<KeyTreeNode | KeyTreeNode[] | undefined>());
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private poolNodes: PoolNode[] = [];
  private keyNodes = new Map<string, KeyNode[]>();
  private routesNode: RoutesNode | undefined;
  /** The routes the section was built from: routes change only with the configuration, so any change rebuilds it. */
  private routesShown = '';
  private agentsNode: AgentsNode | undefined;
  private agentsShown = '';
  /** What each row looked like when last rendered, to refresh only rows that changed. */
  private rendered = new Map<string, string>();
  private readonly ticker: IntervalTimer;

  constructor(
    private readonly source: StatusSource,
    private readonly now: () => number = Date.now,
    /** Pools of the simulated provider (Try with a Simulated Provider), marked apart from the user's own. */
    private readonly simulated: (poolId: string) => boolean = () => false,
  ) {
    super();
    this.ticker = this._register(new IntervalTimer(1_000, () => this.refreshChanged()));
  }

  /** Whether the countdown timer runs (only while a key is cooling). */
  get ticking(): boolean {
    return this.ticker.running;
  }

  /** Re-reads the status: a new structure refreshes the whole tree, otherwise only rows that look different. */
  update(): void {
    const status = this.source.status();
    const pools = status?.pools ?? [];
    const structure = (list: readonly PoolStatus[]): string => list.map((p) => `${p.id}[${p.keys.map((k) => k.id).join(',')}]`).join(';');
    const before = structure(this.poolNodes.map((n) => n.pool));
    const routes = JSON.stringify(status?.routes ?? []);
    const routesChanged = routes !== this.routesShown;
    if (routesChanged) {
      this.routesShown = routes;
      this.routesNode = routeNodes(status?.routes);
    }
    const oldPools = new Map(this.poolNodes.map((n) => [n.pool.id, n]));
    const oldKeys = new Map([...this.keyNodes.values()].flat().map((n) => [n.id, n]));
    this.poolNodes = pools.map((pool) => {
      const node = oldPools.get(pool.id) ?? { kind: 'pool', id: `pool:${pool.id}`, pool };
      node.pool = pool;
      return node;
    });
    this.keyNodes = new Map(
      pools.map((pool) => [
        pool.id,
        pool.keys.map((key) => {
          const id = `key:${pool.id}/${key.id}`;
          const node = oldKeys.get(id) ?? { kind: 'key', id, poolId: pool.id, pool, key };
          node.pool = pool;
          node.key = key;
          return node;
        }),
      ]),
    );
    if (structure(pools) !== before || routesChanged) {
      this.rendered = new Map([...this.allNodes()].map((n) => [n.id, this.signature(n)]));
      this.changeEmitter.fire(undefined);
    } else {
      this.refreshChanged();
    }
    this.syncTicker(status);
  }

  /** The Agents section (Connect Agents), or none; a change of its rows refreshes the tree. */
  setAgents(node: AgentsNode | undefined): void {
    const shown = JSON.stringify(node?.agents.map((a) => [a.state, a.targets, a.presence.cli, a.presence.extensions]) ?? null);
    if (shown === this.agentsShown) return;
    this.agentsShown = shown;
    this.agentsNode = node;
    this.rendered = new Map([...this.allNodes()].map((n) => [n.id, this.signature(n)]));
    this.changeEmitter.fire(undefined);
  }

  getTreeItem(node: KeyTreeNode): vscode.TreeItem {
    const now = this.now();
    if (node.kind === 'agents' || node.kind === 'agent') return agentTreeItem(node);
    if (node.kind === 'routes' || node.kind === 'route' || node.kind === 'routeTarget') {
      return routeTreeItem(node, (id) => this.poolNodes.find((p) => p.pool.id === id)?.pool.label);
    }
    if (node.kind === 'pool') {
      const item = new vscode.TreeItem(node.pool.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = poolDescription(node.pool, now);
      item.tooltip = new vscode.MarkdownString(poolTooltipMarkdown(node.pool, now));
      item.contextValue = POOL_CONTEXT;
      const icon = poolIcon(node.pool, now);
      item.iconPath = icon;
      if (this.simulated(node.pool.id)) {
        // A demo must never pass for a real pool: its own icon and words, and only Remove on it.
        item.description = `simulated · ${item.description}`;
        item.tooltip = new vscode.MarkdownString(
          `${poolTooltipMarkdown(node.pool, now)}\n\n**Simulated provider** (Try with a Simulated Provider): nothing leaves this machine. **KeyBridge: Remove Simulated Provider** takes it out.`,
        );
        item.contextValue = SIMULATED_POOL_CONTEXT;
        item.iconPath = new vscode.ThemeIcon('beaker', icon.color);
      }
      return item;
    }
    const state = effectiveState(node.key, now);
    const item = new vscode.TreeItem(node.key.label, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = keyDescription(node.key, now);
    item.tooltip = new vscode.MarkdownString(keyTooltipMarkdown(node.pool, node.key, now));
    item.contextValue = KEY_CONTEXT[state];
    // The icon follows the models in use (a key cooling for the one being asked is not green); the menus follow the key.
    const look = KEY_ICONS[keyLookState(node.pool, node.key, now)];
    item.iconPath = new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
    return item;
  }

  getChildren(node?: KeyTreeNode): KeyTreeNode[] {
    if (!node) return [...this.poolNodes, ...(this.routesNode ? [this.routesNode] : []), ...(this.agentsNode ? [this.agentsNode] : [])];
    switch (node.kind) {
      case 'pool':
        return this.keyNodes.get(node.pool.id) ?? [];
      case 'routes':
        return [...node.routes];
      case 'route':
        return [...node.targets];
      case 'agents':
        return [...node.agents];
      default:
        return [];
    }
  }

  getParent(node: KeyTreeNode): KeyTreeNode | undefined {
    switch (node.kind) {
      case 'key':
        return this.poolNodes.find((p) => p.pool.id === node.poolId);
      case 'route':
        return this.routesNode;
      case 'routeTarget':
        return this.routesNode?.routes.find((r) => r.id === node.routeId);
      case 'agent':
        return this.agentsNode;
      default:
        return undefined;
    }
  }

  /** Finds a key row, e.g. for a command run from the palette. */
  findKey(poolId: string, keyId: string): KeyNode | undefined {
    return this.keyNodes.get(poolId)?.find((n) => n.key.id === keyId);
  }

  private *allNodes(): Iterable<KeyTreeNode> {
    for (const pool of this.poolNodes) {
      yield pool;
      yield* this.keyNodes.get(pool.pool.id) ?? [];
    }
    if (this.routesNode) {
      yield this.routesNode;
      for (const route of this.routesNode.routes) {
        yield route;
        yield* route.targets;
      }
    }
    if (this.agentsNode) yield* [this.agentsNode, ...this.agentsNode.agents];
  }

  /**
   * What a row shows, minus clock-relative tooltip text ("used 5 s ago"), so
   * a countdown tick refreshes only the rows whose text actually moved.
   */
  private signature(node: KeyTreeNode): string {
    const item = this.getTreeItem(node);
    const icon = item.iconPath as vscode.ThemeIcon;
    const facts =
      node.kind === 'key'
        ? [node.key.stats, node.key.reason, node.key.retestAt, node.pool.label]
        : node.kind === 'pool'
          ? [node.pool.baseUrl, node.pool.strategy, node.pool.breaker, node.pool.models]
          : // A route row's text comes from the configuration alone (a change rebuilds the section), and its target's tooltip names the pool's label.
            node.kind === 'routeTarget'
            ? [this.poolNodes.find((p) => p.pool.id === node.target.pool)?.pool.label]
            : [];
    return JSON.stringify([item.label, item.description, item.contextValue, icon.id, icon.color?.id, ...facts]);
  }

  private refreshChanged(): void {
    const changed: KeyTreeNode[] = [];
    for (const node of this.allNodes()) {
      const signature = this.signature(node);
      if (this.rendered.get(node.id) !== signature) {
        this.rendered.set(node.id, signature);
        changed.push(node);
      }
    }
    if (changed.length) this.changeEmitter.fire(changed);
    if (!this.isDisposed) this.syncTicker(this.source.status());
  }

  private syncTicker(status: BridgeStatus | undefined): void {
    if (anyCooling(status, this.now())) this.ticker.start();
    else this.ticker.stop();
  }
}

function poolIcon(pool: PoolStatus, now: number): vscode.ThemeIcon {
  const { usable, total } = countKeys([pool], now);
  const degraded = usable < total || pool.breaker === 'open' || strandedModels(pool, now).length > 0;
  const color = total === 0 ? 'disabledForeground' : usable === 0 ? 'testing.iconFailed' : degraded ? 'charts.yellow' : 'testing.iconPassed';
  return new vscode.ThemeIcon('server', new vscode.ThemeColor(color));
}
