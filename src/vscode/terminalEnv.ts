import * as vscode from 'vscode';
import { agentEnvironment } from '../core/agentSetup';

const NOTICE_SHOWN_KEY = 'keybridge.terminalEnvNoticeShown';

const WITHHELD = 'withheld';

/**
 * Puts the base URLs and the local token in every new terminal of the
 * window, so `claude`, `codex` and the SDKs reach the bridge without setup.
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

  /** Applies the variables, or clears them when the setting is off; waits while the token is not known yet. */
  update(enabled: boolean, baseUrls: { openai: string; anthropic: string } | undefined, token: string | undefined): void {
    if (!enabled) {
      if (this.applied !== '') this.collection.clear();
      this.applied = '';
      return;
    }
    if (!baseUrls || !token) return;
    const vars = agentEnvironment({ baseUrls, token });
    const signature = JSON.stringify(vars);
    if (signature === this.applied) return;
    this.collection.clear();
    for (const [name, value] of Object.entries(vars)) this.collection.replace(name, value);
    this.collection.description = new vscode.MarkdownString(
      `KeyBridge points coding agents at ${baseUrls.anthropic} and ${baseUrls.openai}: sets ${Object.keys(vars).join(', ')}. New terminals only. Turn off with the \`keybridge.terminalEnv\` setting.`,
    );
    this.applied = signature;
    void this.tellOnce();
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

  private async tellOnce(): Promise<void> {
    if (this.globalState.get<boolean>(NOTICE_SHOWN_KEY)) return;
    await this.globalState.update(NOTICE_SHOWN_KEY, true);
    void vscode.window.showInformationMessage(
      'KeyBridge set ANTHROPIC_BASE_URL, OPENAI_BASE_URL and the local token for new terminals. Terminals that are already open do not see them: open a new terminal to run claude, codex or other agents through KeyBridge.',
    );
  }
}
