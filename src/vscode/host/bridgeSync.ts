import * as vscode from 'vscode';
import { Emitter } from '../../core/emitter';
import type { BridgeConfig } from '../../core/config';
import type { Logger } from '../../core/logger';
import type { FollowerKeyChange } from '../../core/server/keyHandover';
import { buildBridgeConfig, type KeyBridgeSettings } from '../settings/bridgeConfig';
import type { BridgeHost } from './bridgeHost';
import { Disposable, toDisposable } from '../shared/disposable';
import { KeyCatchUp } from './keyCatchUp';
import { SecretStoreError } from '../keys/keySecrets';
import type { KeyStore } from '../keys/keyStore';
import { affectsKeyBridge, readSettings } from '../settings/settings';

export type SyncState = 'loading' | 'ready' | 'unavailable';

/**
 * Keeps the bridge host in step with its two inputs: the `keybridge.*`
 * settings and the keys in SecretStorage. Never blocks activation: the first
 * read runs in the background, bounded by the store's timeouts, and retries
 * with backoff while secret storage does not answer.
 */
export class BridgeSync extends Disposable {
  readonly onDidChange = new Emitter<void>();
  private currentState: SyncState = 'loading';
  private lastError: SecretStoreError | undefined;
  private settingsValue: KeyBridgeSettings;
  private problemsShown = '';
  private settingsProblems: string[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private shownFailure: string | undefined;

  constructor(
    private readonly keyStore: KeyStore,
    private readonly host: BridgeHost,
    private readonly logger: Logger,
    private readonly options: { retryMs?: number; maxRetryMs?: number; pollMs?: number } = {},
  ) {
    super();
    this.retryMs = options.retryMs ?? 2_000;
    this.settingsValue = this.readAndReport();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => affectsKeyBridge(e) && this.onSettingsChanged()));
    const subscriptions = [
      keyStore.onDidChange.on((change) => {
        this.logger.debug(`keys changed in secret storage: +${change.added.length} -${change.removed.length} ~${change.changed.length}`);
        this.push();
      }),
      keyStore.onDidFail.on((error) => this.reportFailure(error)),
    ];
    this._register(toDisposable(() => subscriptions.forEach((s) => s.dispose())));
    this._register(toDisposable(() => this.retryTimer && clearTimeout(this.retryTimer)));
    this._register(new KeyCatchUp(keyStore, host, logger, { pollMs: options.pollMs }));
    host.reloadBeforeServing = () => this.reloadBeforeServing();
    host.acceptFollowerKeys = (change) => this.acceptFollowerKeys(change);
    this._register(
      toDisposable(() => {
        host.reloadBeforeServing = undefined;
        host.acceptFollowerKeys = undefined;
      }),
    );
  }

  get state(): SyncState {
    return this.currentState;
  }

  get error(): SecretStoreError | undefined {
    return this.lastError;
  }

  get settings(): KeyBridgeSettings {
    return this.settingsValue;
  }

  /** Loads keys and tokens, then hands them to the host. Resolves when the first attempt ends. */
  async start(): Promise<void> {
    if (this.isDisposed) return;
    try {
      await this.keyStore.load();
      await this.keyStore.ensureTokens();
    } catch (error) {
      if (!(error instanceof SecretStoreError)) throw error;
      // The window may have closed while a secrets call was pending.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by dispose() during the await
      if (this.isDisposed) return;
      this.lastError = error;
      this.setState('unavailable');
      this.showProblems(this.settingsProblems);
      this.reportFailure(error);
      this.scheduleRetry();
      return;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by dispose() during the await
    if (this.isDisposed) return;
    this.lastError = undefined;
    this.shownFailure = undefined;
    this.retryMs = this.options.retryMs ?? 2_000;
    this.setState('ready');
    this.push();
  }

  /** The Refresh command: re-read settings and secrets. */
  async refresh(): Promise<void> {
    this.settingsValue = this.readAndReport(true);
    if (this.currentState !== 'ready') return this.start();
    await this.keyStore.refresh();
    this.push();
  }

  /**
   * What the host awaits before it takes the port (first start, takeover):
   * the keys as SecretStorage holds them now, not as the last change event
   * said, because events from other windows may never have arrived.
   */
  private async reloadBeforeServing(): Promise<BridgeConfig | undefined> {
    if (this.currentState !== 'ready' || this.isDisposed) return undefined;
    await this.keyStore.refresh();
    const snapshot = this.keyStore.snapshot;
    return snapshot ? buildBridgeConfig(this.settingsValue, snapshot.keys).config : undefined;
  }

  /** A follower's key change, stored here as if made here; change events then update the bridge. */
  private async acceptFollowerKeys(change: FollowerKeyChange): Promise<void> {
    if (change.add.length) await this.keyStore.importKeys(change.add);
    for (const key of change.remove) await this.keyStore.removeKey(key.pool, key.id);
  }

  private onSettingsChanged(): void {
    const previousPort = this.settingsValue.port;
    this.settingsValue = this.readAndReport();
    this.push(previousPort !== this.settingsValue.port);
    this.onDidChange.fire();
  }

  private push(portChanged = false): void {
    const snapshot = this.keyStore.snapshot;
    if (this.currentState !== 'ready' || !snapshot) {
      this.showProblems(this.settingsProblems);
      if (portChanged) void this.host.configure({ port: this.settingsValue.port });
      return;
    }
    const { config, problems } = buildBridgeConfig(this.settingsValue, snapshot.keys);
    this.showProblems([...this.settingsProblems, ...problems]);
    if (snapshot.missing.length)
      this.logger.warn(
        `${snapshot.missing.length} key(s) are listed but their secret is missing: ${snapshot.missing.map((k) => `${k.pool}/${k.id} (${k.masked})`).join(', ')}`,
      );
    // The host compares tokens and port itself: only a real change moves the bridge.
    void this.host.configure({ config, tokens: snapshot.tokens, port: this.settingsValue.port });
    this.onDidChange.fire();
  }

  private setState(state: SyncState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.onDidChange.fire();
  }

  private scheduleRetry(): void {
    if (this.isDisposed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ms = this.retryMs;
    this.retryMs = Math.min(ms * 2, this.options.maxRetryMs ?? 60_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, ms);
    this.retryTimer.unref();
  }

  /** Shown once per kind of failure, not on every retry; always in the log. */
  private reportFailure(error: SecretStoreError): void {
    if (this.isDisposed) return;
    this.logger.warn(error.message);
    if (this.shownFailure === error.failure) return;
    this.shownFailure = error.failure;
    void vscode.window.showErrorMessage(error.message, 'Retry', 'Show Log').then((choice) => {
      if (choice === 'Retry') void this.refresh();
      if (choice === 'Show Log') void vscode.commands.executeCommand('keybridge.showLog');
    });
  }

  private readAndReport(force = false): KeyBridgeSettings {
    const { settings, problems } = readSettings();
    if (force) this.problemsShown = '';
    this.settingsProblems = problems;
    return settings;
  }

  private showProblems(problems: string[]): void {
    const text = problems.join('\n');
    if (text === this.problemsShown) return;
    this.problemsShown = text;
    if (!problems.length) return;
    for (const p of problems) this.logger.warn(`settings: ${p}`);
    void vscode.window
      .showWarningMessage(`KeyBridge settings: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more; see the log)` : ''}`, 'Open Settings')
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'keybridge');
      });
  }
}
