import * as vscode from 'vscode';
import { terminalEnvironment } from '../../core/agentSetup';
import type { BaseUrls, Protocol } from '../../core/config';
import { PROTOCOL_ADAPTERS } from '../../core/protocols/table';

const NOTICE_SHOWN_KEY = 'keybridge.terminalEnvNoticeShown';

const WITHHELD = 'withheld';

/**
 * Puts the base URLs and the local token in every new terminal of the
 * window, so `claude`, `codex` and the SDKs reach the bridge without setup —
 * for each protocol only while a pool or route can serve it: before that, a
 * terminal keeps the user's own key, which would otherwise be replaced by a
 * token the bridge can only answer "no pool is configured" for.
 * VS Code applies the collection to new terminals only; open ones keep
 * their environment (it marks them stale), so the user is told once.
 */
export class TerminalEnvironment {
  private applied: string | undefined;

  constructor(
    private readonly collection: vscode.GlobalEnvironmentVariableCollection,
    private readonly globalState: vscode.Memento,
  ) {
    // Not persisted: VS Code would write the variables, the local token included, in plain text to the
    // workspace state (desktop: workspaceStorage/<id>/state.vscdb, created 0644; code-server: the
    // browser's IndexedDB), beside the encrypted SecretStorage copy. Any local user who can read it could
    // spend the keys through the loopback port. Terminals opened before activation go without instead.
    collection.persistent = false;
  }

  /**
   * Applies the variables of the protocols the bridge serves (`served`), or clears them when the setting is
   * off; waits while the token or what the bridge serves is not known yet.
   */
  update(enabled: boolean, baseUrls: BaseUrls | undefined, token: string | undefined, served: ReadonlySet<Protocol> | undefined): void {
    if (!enabled) {
      if (this.applied !== '') this.collection.clear();
      this.applied = '';
      return;
    }
    if (!baseUrls || !token || !served) return;
    const vars = terminalEnvironment({ baseUrls, token }, served);
    const signature = JSON.stringify(vars);
    if (signature === this.applied) return;
    this.collection.clear();
    this.applied = signature;
    const names = Object.keys(vars);
    if (names.length === 0) return;
    for (const [name, value] of Object.entries(vars)) this.collection.replace(name, value);
    const at = PROTOCOL_ADAPTERS.filter((a) => served.has(a.protocol))
      .map((a) => `${a.label} clients at ${baseUrls[a.protocol]}`)
      .join(' and ');
    this.collection.description = new vscode.MarkdownString(
      `KeyBridge points ${at}: sets ${names.join(', ')}. A protocol's variables are set only while a pool or route serves it. New terminals only. Turn off with the \`keybridge.terminalEnv\` setting.`,
    );
    void this.tellOnce(names.filter((name) => name.endsWith('_BASE_URL')));
  }

  /**
   * Takes the variables away while the port is held by something that is not
   * our bridge: an agent started now would send the local token and its
   * prompts to that program.
   */
  withhold(): void {
    if (this.applied === WITHHELD) return;
    this.collection.clear();
    this.applied = WITHHELD;
  }

  private async tellOnce(baseUrlNames: readonly string[]): Promise<void> {
    if (this.globalState.get<boolean>(NOTICE_SHOWN_KEY)) return;
    await this.globalState.update(NOTICE_SHOWN_KEY, true);
    void vscode.window.showInformationMessage(
      `KeyBridge set ${baseUrlNames.join(' and ')} and the local token for new terminals (a protocol's variables only while a pool or route serves it). Terminals that are already open do not see them: open a new terminal to run claude, codex or other agents through KeyBridge.`,
    );
  }
}
