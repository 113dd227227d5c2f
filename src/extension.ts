import type { BaseUrls } from './core/config';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { testCandidateKeys } from './core/engine/candidateKeyTests';
import { routeStatus, servedProtocols } from './core/engine/routeStatus';
import type { Logger } from './core/logger';
import type { BridgeStatus } from './core/status';
import { AgentConnect } from './vscode/agents/agentConnect';
import { BridgeHost } from './vscode/host/bridgeHost';
import { BridgeNotices } from './vscode/host/bridgeNotices';
import type { HostRole } from './core/ownership/hostState';
import { BridgeSync } from './vscode/host/bridgeSync';
import { UsageDashboard } from './vscode/dashboard/dashboardPanel';
import { KeyBridgeCommands } from './vscode/commands/commands';
import { Disposable, Throttle, toDisposable } from './vscode/shared/disposable';
import { KeyStore } from './vscode/keys/keyStore';
import { KeyTreeProvider, type KeyTreeNode } from './vscode/tree/keyTree';
import { registerLanguageModels } from './vscode/languageModels/languageModels';
import { VIEW_ID } from './vscode/shared/treeContext';
import { channelLogger } from './vscode/shared/log';
import { addPoolSetting, poolsSetting, readSettings, removePoolSetting, routesSetting, writeListSetting, writeRoutesSetting } from './vscode/settings/settings';
import { SimulatedDemo } from './vscode/demo/simulatedDemo';
import { BridgeStatusBar } from './vscode/host/statusBar';
import { TerminalEnvironment } from './vscode/agents/terminalEnv';

/** One row of the Key Pools tree as VS Code is given it. */
export interface KeyBridgeTreeRow {
  id: string;
  /** 0 for a pool or the Routes section, 1 for a key or a route, 2 for a route's target. */
  depth: number;
  label: string;
  description: string;
  contextValue: string;
}

/** What `activate` returns: for the extension-host tests and other extensions. Never a secret. */
export interface KeyBridgeApi {
  /** Milliseconds `activate` took (it never waits for secret storage or the port). */
  readonly activationMs: number;
  role(): HostRole;
  status(): BridgeStatus | undefined;
  baseUrls(): BaseUrls;
  /** Resolves once this window owns or follows the bridge (or gives up after `timeoutMs`). */
  whenReady(timeoutMs?: number): Promise<HostRole>;
  /** The tree's rows as rendered now, pools each followed by their keys, then the routes (for the extension-host tests). */
  treeRows(): KeyBridgeTreeRow[];
}

/** Composes the glue; every part goes through `_register`, the bridge is awaited on shutdown. */
class KeyBridgeExtension extends Disposable {
  readonly keyStore: KeyStore;
  readonly host: BridgeHost;
  readonly sync: BridgeSync;
  private readonly tree: KeyTreeProvider;
  private readonly treeView: vscode.TreeView<unknown>;
  private readonly statusBar: BridgeStatusBar;
  private readonly terminal: TerminalEnvironment;
  private readonly agents: AgentConnect;
  private readonly dashboard: UsageDashboard;
  private readonly demo: SimulatedDemo;
  private readonly render = this._register(new Throttle(100, () => this.renderNow()));
  private contextKeys = '';
  readonly logger: Logger;

  constructor(context: vscode.ExtensionContext) {
    super();
    const channel = this._register(vscode.window.createOutputChannel('KeyBridge', { log: true }));
    const logger = channelLogger(channel, () => {
      // The log is written to before the constructor has assigned keyStore.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
      const snapshot = this.keyStore?.snapshot;
      return [...(snapshot?.keys.map((k) => k.secret) ?? []), snapshot?.tokens?.token ?? '', snapshot?.tokens?.adminToken ?? ''];
    });
    this.logger = logger;
    this.keyStore = this._register(new KeyStore(context.secrets, { logger }));
    // Machine-wide, shared by every window: key state (never secrets) and the shared stop flag.
    const stateDir = context.globalStorageUri.fsPath;
    this.host = new BridgeHost({ port: readSettings().settings.port, stateDir, logger });
    this.sync = this._register(new BridgeSync(this.keyStore, this.host, logger));

    this.demo = new SimulatedDemo({
      keyStore: this.keyStore,
      pools: () => this.sync.settings.pools,
      listSetting: (name) => (name === 'pools' ? poolsSetting() : routesSetting()),
      writeListSetting,
      bridge: () => {
        const token = this.keyStore.snapshot?.tokens?.token;
        const serving = this.host.role === 'owner' || this.host.role === 'follower';
        return serving && token ? { baseUrls: this.host.baseUrls, token, status: this.host.status() } : undefined;
      },
      logger,
    });
    this.tree = this._register(new KeyTreeProvider(this.host, Date.now, (pool) => this.sync.settings.pools.some((p) => p.id === pool && p.demo === true)));
    this.treeView = this._register(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.tree }));
    this.statusBar = this._register(new BridgeStatusBar());
    this.dashboard = this._register(new UsageDashboard(this.host, context.extensionUri, logger));
    this.terminal = new TerminalEnvironment(context.environmentVariableCollection, context.globalState);
    this.agents = this._register(
      new AgentConnect(context, {
        baseUrls: () => this.host.baseUrls,
        token: () => this.keyStore.snapshot?.tokens?.token,
        logger,
        changed: () => this.render.schedule(),
      }),
    );

    const commands = new KeyBridgeCommands(
      {
        host: this.host,
        keyStore: this.keyStore,
        pools: () => this.sync.settings.pools,
        addPoolSetting,
        removePoolSetting,
        routes: () => routeStatus(this.sync.settings),
        routesSetting,
        writeRoutesSetting,
        testCandidateKeys,
        refresh: () => {
          this.agents.refresh();
          return this.sync.refresh();
        },
        showLog: () => channel.show(true),
        showDashboard: () => this.dashboard.show(),
        logger,
      },
      this.agents.commands,
      this.demo,
    );
    for (const disposable of commands.register()) this._register(disposable);
    this._register(registerLanguageModels({ host: this.host, keyStore: this.keyStore, sync: this.sync, logger }));
    this._register(
      new BridgeNotices(
        this.host,
        () => this.sync.settings.notifications,
        (pool) => this.sync.settings.pools.find((p) => p.id === pool)?.protocol,
      ),
    );

    const subscriptions = [this.host.onDidChange.on(() => this.render.schedule()), this.sync.onDidChange.on(() => this.render.schedule())];
    this._register(toDisposable(() => subscriptions.forEach((s) => s.dispose())));
    this.renderNow();
  }

  start(): void {
    void this.sync
      .start()
      .then(() =>
        this.sync.state !== 'ready'
          ? undefined
          : this.demo
              .cleanUpStale()
              .catch((error: unknown) => this.logger.warn(`Removing the demo pools of an earlier session failed: ${(error as Error).message}`)),
      );
  }

  whenReady(timeoutMs: number): Promise<HostRole> {
    return new Promise((resolve) => {
      const done = (): boolean => this.host.role === 'owner' || this.host.role === 'follower';
      if (done()) return resolve(this.host.role);
      const timer = setTimeout(() => {
        subscription.dispose();
        resolve(this.host.role);
      }, timeoutMs);
      const subscription = this.host.onDidChange.on(() => {
        if (!done()) return;
        clearTimeout(timer);
        subscription.dispose();
        resolve(this.host.role);
      });
    });
  }

  treeRows(): KeyBridgeTreeRow[] {
    const rows: KeyBridgeTreeRow[] = [];
    const visit = (nodes: readonly KeyTreeNode[], depth: number): void => {
      for (const node of nodes) {
        const item = this.tree.getTreeItem(node);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        rows.push({
          id: item.id ?? node.id,
          depth,
          label,
          description: typeof item.description === 'string' ? item.description : '',
          contextValue: item.contextValue ?? '',
        });
        visit(this.tree.getChildren(node), depth + 1);
      }
    };
    visit(this.tree.getChildren(), 0);
    return rows;
  }

  async shutdown(): Promise<void> {
    this.dispose();
    await Promise.all([this.host.shutdown(1_500), this.demo.dispose()]);
  }

  private renderNow(): void {
    if (this.isDisposed) return;
    const role = this.host.role;
    const status = this.host.status();
    const token = this.keyStore.snapshot?.tokens?.token;
    this.tree.update();
    const serving = (role === 'owner' || role === 'follower') && token !== undefined;
    this.tree.setAgents(this.agents.section(serving ? { baseUrls: this.host.baseUrls, token } : undefined, (status?.pools.length ?? 0) > 0));
    this.statusBar.update({ role, detail: this.host.detail, port: this.host.port, status, portTaken: this.host.portTaken });
    this.treeView.message = this.treeMessage(role, (status?.pools.length ?? 0) > 0);
    const settings = this.sync.settings;
    if (this.host.portTaken) this.terminal.withhold();
    // What the bridge serves is read from its status: the configuration the port serves, pools with keys.
    else this.terminal.update(settings.terminalEnv, this.host.port ? this.host.baseUrls : undefined, token, status ? servedProtocols(status) : undefined);
    const keys = `${this.sync.state}|${role}`;
    if (keys !== this.contextKeys) {
      this.contextKeys = keys;
      void vscode.commands.executeCommand('setContext', 'keybridge.loaded', this.sync.state === 'ready');
      void vscode.commands.executeCommand('setContext', 'keybridge.role', role);
    }
  }

  private treeMessage(role: HostRole, hasPools: boolean): string | undefined {
    if (this.sync.state === 'loading') return 'Reading keys from VS Code’s secret storage…';
    if (this.sync.state === 'unavailable') return this.sync.error?.message;
    if (role === 'blocked' || role === 'stopped') return this.host.detail;
    // A message hides the welcome view: with no pools the follower's welcome says it follows, and offers Add Pool.
    if (role === 'follower' && hasPools) return 'Served by another VS Code window; changes made here reach it.';
    return undefined;
  }
}

let extension: KeyBridgeExtension | undefined;

export function activate(context: vscode.ExtensionContext): KeyBridgeApi {
  const started = performance.now();
  const ext = new KeyBridgeExtension(context);
  extension = ext;
  context.subscriptions.push({ dispose: () => void ext.shutdown() });
  // Secrets and the port are reached in the background: activation never waits on them.
  ext.start();
  const activationMs = Math.round((performance.now() - started) * 10) / 10;
  ext.logger.info(`KeyBridge activated in ${activationMs} ms; connecting to secret storage and port ${ext.host.port} in the background`);
  return {
    activationMs,
    role: () => ext.host.role,
    status: () => ext.host.status(),
    baseUrls: () => ext.host.baseUrls,
    whenReady: (timeoutMs = 10_000) => ext.whenReady(timeoutMs),
    treeRows: () => ext.treeRows(),
  };
}

/** VS Code awaits this (for about 5 s at most): stop listening, let requests finish briefly, close sockets. */
export async function deactivate(): Promise<void> {
  const ext = extension;
  extension = undefined;
  await ext?.shutdown();
}
