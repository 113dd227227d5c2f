import type { BaseUrls } from '../../core/config';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import type { ConnectContext } from '../../core/agents/connectTargets';
import type { Logger } from '../../core/logger';
import { AgentConnections, type EnvSettingAccess, type MementoLike } from './agentConnections';
import { AgentRows, type AgentsNode } from './agentTree';
import { ConnectCommands } from './connectCommands';
import { Disposable, toDisposable } from '../shared/disposable';
import type { SecretStorageLike } from '../keys/keySecrets';

const CLAUDE_EXTENSION = 'anthropic.claude-code';
const PREVIEW_URI = 'keybridge-connect:/Connect%20Agents.md';

/** Claude Code's settings (`claudeCode.environmentVariables`, `claudeCode.disableLoginPrompt`) through VS Code's configuration API. */
const claudeSetting: EnvSettingAccess = {
  registered: () => vscode.extensions.getExtension(CLAUDE_EXTENSION) !== undefined,
  hasWorkspace: () => (vscode.workspace.workspaceFolders?.length ?? 0) > 0,
  read: (scope, setting) => {
    const inspected = vscode.workspace.getConfiguration().inspect(setting);
    return scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue;
  },
  write: async (scope, setting, value) => {
    await vscode.workspace
      .getConfiguration()
      .update(setting, value, scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
  },
};

/**
 * Connect Agents composed for the extension: the records, the commands, the tree's Agents section, and
 * following the port and token. The section shows once there is a pool or a connection (an empty tree keeps
 * its welcome view); its rows are rebuilt after Connect or Disconnect, on Refresh and when the window gets focus.
 */
export class AgentConnect extends Disposable {
  readonly connections: AgentConnections;
  readonly commands: ConnectCommands;
  private readonly rows: AgentRows;
  private node: AgentsNode | undefined;
  private stale = true;
  private rescan = true;
  private builtFor = '';
  private preview = '';
  private readonly logger: Logger;
  private readonly home: string;

  constructor(
    context: { globalState: MementoLike; secrets: SecretStorageLike },
    services: { baseUrls(): BaseUrls; token(): string | undefined; logger: Logger; changed(): void },
    home: string = homedir(),
  ) {
    super();
    this.logger = services.logger;
    this.home = home;
    const env = process.env;
    this.connections = new AgentConnections({
      state: context.globalState,
      secrets: context.secrets,
      settings: claudeSetting,
      home,
      env,
      logger: services.logger,
    });
    this.rows = new AgentRows(this.connections, (id) => vscode.extensions.getExtension(id) !== undefined, env);
    const previewChanged = this._register(new vscode.EventEmitter<vscode.Uri>());
    this._register(
      vscode.workspace.registerTextDocumentContentProvider('keybridge-connect', {
        onDidChange: previewChanged.event,
        provideTextDocumentContent: () => this.preview,
      }),
    );
    this.commands = new ConnectCommands({
      connections: this.connections,
      baseUrls: () => services.baseUrls(),
      token: () => services.token(),
      home,
      env,
      hasExtension: (id) => vscode.extensions.getExtension(id) !== undefined,
      settingRegistered: () => claudeSetting.registered(),
      hasWorkspace: () => claudeSetting.hasWorkspace(),
      showPreview: async (markdown) => {
        this.preview = markdown;
        const uri = vscode.Uri.parse(PREVIEW_URI);
        previewChanged.fire(uri);
        const doc = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(doc, { preview: true });
      },
      closePreview: async () => {
        const tabs = vscode.window.tabGroups.all
          .flatMap((group) => group.tabs)
          .filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === PREVIEW_URI);
        if (tabs.length) await vscode.window.tabGroups.close(tabs);
      },
    });
    const subscription = this.connections.onDidChange.on(() => {
      this.stale = true;
      services.changed();
    });
    this._register(toDisposable(() => subscription.dispose()));
    this._register(
      vscode.window.onDidChangeWindowState((state) => {
        if (!state.focused) return;
        this.refresh();
        services.changed();
      }),
    );
  }

  /** Looks again at PATH, the installed extensions and the files (Refresh, window focus). */
  refresh(): void {
    this.stale = true;
    this.rescan = true;
  }

  /**
   * Called on every render: follows a new port or token (rewrites only our part of connected files), and
   * gives the tree its Agents section. `ctx` is undefined while the bridge does not serve or has no token.
   */
  section(serving: Pick<ConnectContext, 'baseUrls' | 'token'> | undefined, hasPools: boolean): AgentsNode | undefined {
    const ctx = serving && { ...serving, home: this.home, env: process.env };
    if (ctx)
      void this.connections
        .follow(ctx)
        .catch((error: unknown) => this.logger.warn(`Connect Agents: could not follow the port or token: ${(error as Error).message}`));
    // Kept in memory only, like the token itself.
    const signature = JSON.stringify(ctx ? [ctx.baseUrls, ctx.token] : null);
    if (this.stale || signature !== this.builtFor) {
      this.node = this.rows.build(ctx, this.rescan);
      this.stale = this.rescan = false;
      this.builtFor = signature;
    }
    return hasPools || this.connections.anyConnected ? this.node : undefined;
  }
}
