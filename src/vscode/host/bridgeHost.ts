import type { Bridge } from '../../core/bridge';
import type { BaseUrls, BridgeConfig } from '../../core/config';
import type { Logger } from '../../core/logger';
import type { FollowerKeyChange, HandedOverKey } from '../../core/server/keyHandover';
import { loopbackBaseUrls } from '../../core/server/paths';
import type { BridgeStatus, KeyTestResult } from '../../core/status';
import type { UsageQuery, UsageReport } from '../../core/usage/usageQuery';
import type { AdminClient } from '../../core/ownership/adminClient';
import { afterClaim, heldBridge, STOPPED_DETAIL, type HostRole, type HostState } from '../../core/ownership/hostState';
import type { BridgeTokens } from '../keys/storedKey';
import { claimedBridge, claimPort } from '../../core/ownership/portClaim';
import { PortHolderNames } from '../../core/ownership/portHolder';
import { SharedStopFlag } from '../../core/ownership/stopFlag';
import { callOwner, followOwner } from './followOwner';
import { hostTimings, type BridgeHostOptions, type ConfigReload, type HostInputs, type HostTimings } from './hostOptions';
import { RetryTimer, SerialSteps } from './hostSteps';
import { ServedEvents } from './servedEvents';
import { closeFollowing, releaseAll } from './stateRelease';
import { controlAction } from './stopControl';
import { createWindowBridge } from './windowBridge';

export type { BridgeHostOptions } from './hostOptions';

/**
 * One bridge across windows (docs/ARCHITECTURE.md §6). Each window's host tries to listen on
 * the fixed port; the one that succeeds owns it, the others follow its status
 * stream and take the port over when the stream ends. Key state lives in a
 * shared file, so a new owner starts from what the old one knew. The role is a
 * `HostState` that changes only in `transition`; steps that move it run one at
 * a time (`serial`).
 */
export class BridgeHost {
  private readonly events = new ServedEvents();
  readonly onDidChange = this.events.onDidChange;
  /** Key changes of the bridge this window serves; none while it follows another window or is stopped. */
  readonly onServedKeyChange = this.events.onServedKeyChange;
  /** Finished requests of the bridge this window serves, as onServedKeyChange. */
  readonly onServedRequest = this.events.onServedRequest;
  /** Set by whoever keeps the configuration (BridgeSync); awaited before the port is taken. */
  reloadBeforeServing: ConfigReload | undefined;
  /** Set by whoever keeps the keys (BridgeSync): stores what a follower window added or removed. */
  acceptFollowerKeys: ((change: FollowerKeyChange) => Promise<void>) | undefined;
  private state: HostState = { role: 'idle', detail: 'starting' };
  private readonly inputs: HostInputs;
  private readonly steps: SerialSteps;
  private readonly retry = new RetryTimer();
  private readonly controlTimer: NodeJS.Timeout;
  private readonly stopFlag: SharedStopFlag;
  private readonly holders = new PortHolderNames();
  /** Shutdown began: nothing new is started. */
  private disposed = false;
  /** Shutdown released everything: a step that was still under way keeps nothing it opens. */
  private closed = false;
  private follows = 0;
  private readonly timings: HostTimings;
  private readonly logger: Logger;

  constructor(private readonly options: BridgeHostOptions) {
    this.inputs = { config: { pools: [], routes: [] }, port: options.port, tokens: undefined };
    this.logger = options.logger;
    this.steps = new SerialSteps(options.logger);
    this.stopFlag = new SharedStopFlag(options.stateDir, options.logger);
    this.timings = hostTimings(options);
    this.controlTimer = setInterval(() => this.checkControl(), this.timings.controlPollMs);
    this.controlTimer.unref();
  }

  get role(): HostRole {
    return this.state.role;
  }

  /** A sentence for the status bar tooltip and the log. */
  get detail(): string {
    return this.state.detail;
  }

  get port(): number {
    return this.inputs.port;
  }

  /** Blocked because something else holds the port: agents must not be sent there. */
  get portTaken(): boolean {
    return this.state.role === 'blocked' && this.state.portTaken;
  }

  /** The bridge as this window shows it: its own, or the owner's latest snapshot. */
  status(): BridgeStatus | undefined {
    return this.state.role === 'follower' ? this.state.ownerStatus : heldBridge(this.state)?.status();
  }

  /** Counts the owners this window has followed: a new number means another owner (after a takeover). */
  get followCount(): number {
    return this.follows;
  }

  /** The owner's keys with their secrets, while this window follows it. */
  async ownerKeys(): Promise<HandedOverKey[] | undefined> {
    return this.state.role === 'follower' ? this.viaOwner((admin) => admin.fetchKeys()) : undefined;
  }

  /** Sends the owner what this window changed; false when this window does not follow one. */
  async sendKeysToOwner(change: FollowerKeyChange): Promise<boolean> {
    if (this.state.role !== 'follower') return false;
    await this.viaOwner((admin) => admin.sendKeys(change));
    return true;
  }

  /** The base URLs agents use; stable whoever owns the port. */
  get baseUrls(): BaseUrls {
    return loopbackBaseUrls(this.inputs.port);
  }

  /** Applies new inputs; a change of tokens or port moves the bridge, a config change is applied in place. */
  configure(update: { config?: BridgeConfig; tokens?: BridgeTokens; port?: number }): Promise<void> {
    if (update.config) this.applyConfig(update.config);
    const { tokens, port } = this.inputs;
    const tokensChanged = update.tokens !== undefined && (update.tokens.token !== tokens?.token || update.tokens.adminToken !== tokens.adminToken);
    const portChanged = update.port !== undefined && update.port !== port;
    if (update.tokens) this.inputs.tokens = update.tokens;
    if (update.port !== undefined) this.inputs.port = update.port;
    if (!tokensChanged && !portChanged) return this.steps.settled;
    // A stopped window stays stopped (the claim reads the shared stop flag first); the first tokens give it pools to show.
    return this.serial(() => this.releaseAndClaim());
  }

  /** Starts the bridge (clearing a stop made in any window); this window owns it or follows the owner. */
  start(): Promise<void> {
    this.stopFlag.set(false);
    return this.serial(() => this.claimUnlessOwner());
  }

  /** Stops the bridge for every window; the owner notices the shared flag within a poll. */
  stop(): Promise<void> {
    this.stopFlag.set(true);
    return this.serial(() => this.showStopped());
  }

  restart(): Promise<void> {
    this.stopFlag.set(false);
    return this.serial(() => this.releaseAndClaim());
  }

  testKey(pool: string, key: string): Promise<KeyTestResult> {
    return this.state.role === 'follower' ? this.viaOwner((admin) => admin.testKey(pool, key)) : this.local().testKey(pool, key);
  }

  testPool(pool: string): Promise<KeyTestResult[]> {
    return this.state.role === 'follower' ? this.viaOwner((admin) => admin.testPool(pool)) : this.local().testPool(pool);
  }

  async retireKey(pool: string, key: string): Promise<void> {
    if (this.state.role === 'follower') return this.viaOwner((admin) => admin.retireKey(pool, key));
    this.local().retireKey(pool, key);
  }

  async restoreKey(pool: string, key: string): Promise<void> {
    if (this.state.role === 'follower') return this.viaOwner((admin) => admin.restoreKey(pool, key));
    this.local().restoreKey(pool, key);
  }

  /** The usage report: from this window's store when it owns the bridge, else from the owner's over the admin API. */
  async usage(query: UsageQuery): Promise<UsageReport> {
    if (this.state.role === 'follower') return this.viaOwner((admin) => admin.usage(query));
    const recorder = this.local().usage;
    if (!recorder) throw new Error('KeyBridge records no usage in this window.');
    return recorder.query(query);
  }

  /** Closes everything; in-flight requests get `graceMs`. What `deactivate()` awaits. */
  async shutdown(graceMs = this.timings.graceMs): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.controlTimer);
    this.retry.clear();
    if (this.state.role === 'follower') this.state.stream.close();
    // A start or probe under way finishes within its own short timeouts; do not wait longer than that.
    await Promise.race([this.steps.settled, new Promise((r) => setTimeout(r, 2_500).unref())]);
    const closing = this.transition({ role: 'idle', detail: 'the window closed' }, graceMs);
    this.closed = true;
    await closing;
  }

  /** A call to the owner this window follows; an owner that cannot prove itself has the port claimed again at once. */
  private viaOwner<T>(call: (admin: AdminClient) => Promise<T>): Promise<T> {
    const state = this.state;
    if (state.role !== 'follower') return Promise.reject(new Error('this window follows no bridge owner'));
    return callOwner(state, call, () => {
      if (this.state === state) this.scheduleRetry(0);
    });
  }

  /**
   * The one place the state changes. What the old state held and the new one
   * does not is released here (a bridge disposed, its in-flight requests given
   * `graceMs`; a status stream closed), so no path can leave one open.
   */
  private async transition(next: HostState, graceMs = 0): Promise<void> {
    if (this.closed) return releaseAll(next);
    const previous = this.state;
    this.state = next;
    closeFollowing(previous, next);
    const before = heldBridge(previous);
    const after = heldBridge(next);
    if (after !== before) this.events.listenTo(after, () => this.state.role === 'owner');
    if (!this.disposed) {
      if (next.role !== previous.role || next.detail !== previous.detail) this.logRole(next);
      this.onDidChange.fire();
    }
    if (before && before !== after) await before.dispose(graceMs);
  }

  private logRole(state: HostState): void {
    const line = `bridge: ${state.role} — ${state.detail}`;
    if (state.role === 'blocked') this.logger.warn(line);
    else this.logger.info(line);
  }

  private serial(step: () => Promise<void>): Promise<void> {
    return this.steps.run(step);
  }

  private local(): Bridge {
    const bridge = heldBridge(this.state);
    if (!bridge)
      throw new Error(this.state.role === 'idle' ? 'KeyBridge is still starting (waiting for secret storage).' : 'KeyBridge is not running in any window.');
    return bridge;
  }

  private applyConfig(config: BridgeConfig): void {
    this.inputs.config = config;
    try {
      heldBridge(this.state)?.apply(config);
    } catch (error) {
      this.logger.error(`configuration not applied: ${(error as Error).message}`);
    }
  }

  private createBridge(tokens: BridgeTokens, port: number): Bridge {
    return createWindowBridge({
      config: () => this.inputs.config,
      port,
      tokens,
      stateDir: this.options.stateDir,
      logger: this.logger,
      acceptFollowerKeys: async (change) => this.acceptFollowerKeys?.(change),
    });
  }

  private async claimUnlessOwner(): Promise<void> {
    if (this.state.role !== 'owner') await this.claim();
  }

  /** Restart, new tokens or a new port: the held bridge stops, its key state on file, before a new one claims the port. */
  private async releaseAndClaim(): Promise<void> {
    const held = heldBridge(this.state);
    if (held) await held.stop(this.timings.graceMs);
    await this.claim();
  }

  /** Serves the port, or finds out who does and follows it; nothing to do while this window serves it. */
  private async claim(): Promise<void> {
    if (this.disposed) return;
    this.retry.clear();
    const current = this.state;
    // Whom to follow is decided anew: the old stream's end must not start another claim.
    if (current.role === 'follower') current.stream.close();
    const tokens = this.inputs.tokens;
    if (!tokens) return this.transition({ role: 'idle', detail: 'waiting for secret storage' });
    if (this.stopFlag.isSet()) return this.showStopped();
    if (current.role === 'owner' && current.bridge.running) return;
    await this.reloadConfig();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by dispose() during the await
    if (this.disposed) return;
    const port = this.inputs.port;
    const configAtClaim = this.inputs.config;
    const claim = await claimPort(this.createBridge(tokens, port), port, tokens.adminToken, this.holders);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by dispose() during the await
    if (this.disposed) {
      await claimedBridge(claim)?.dispose(0);
      return;
    }
    const verdict = afterClaim(claim, port, heldBridge(this.state));
    if ('follow' in verdict) return this.follow(verdict.follow, port, tokens.adminToken);
    await this.transition(verdict.next);
    // Settings changed while the port was being claimed reached no bridge (none was held yet): the one now held gets them.
    if (this.inputs.config !== configAtClaim && heldBridge(this.state)) this.applyConfig(this.inputs.config);
    if (verdict.retry === 'soon') this.scheduleRetry(100 + Math.random() * this.timings.takeoverJitterMs);
    if (verdict.retry === 'later') this.scheduleRetry(this.timings.retryMs);
  }

  private async reloadConfig(): Promise<void> {
    if (!this.reloadBeforeServing) return;
    try {
      const fresh = await this.reloadBeforeServing();
      if (fresh) this.inputs.config = fresh;
    } catch (error) {
      this.logger.warn(`could not re-read the keys before serving; serving the keys this window knows: ${(error as Error).message}`);
    }
  }

  private follow(ownerStatus: BridgeStatus, port: number, adminToken: string): Promise<void> {
    this.follows++;
    const following = (stream: unknown): Extract<HostState, { role: 'follower' }> | undefined =>
      this.state.role === 'follower' && this.state.stream === stream ? this.state : undefined;
    const state = followOwner(ownerStatus, port, adminToken, this.timings.stallMs, {
      onStatus: (stream, next) => {
        const current = following(stream);
        if (current) void this.transition({ ...current, ownerStatus: next });
      },
      onGone: (stream, reason) => {
        if (!following(stream) || this.disposed) return;
        this.logger.info(`bridge: ${reason}; trying to take the port over`);
        this.scheduleRetry(Math.random() * this.timings.takeoverJitterMs);
      },
    });
    return this.transition(state);
  }

  /** Stops serving; a bridge that does not listen still shows the pools and the persisted key state, and takes key actions. */
  private async showStopped(): Promise<void> {
    const held = heldBridge(this.state);
    // Stopping flushes the key state: a bridge built next, here or in another window, starts from it.
    if (held?.running) await held.stop(this.timings.graceMs);
    const tokens = this.inputs.tokens;
    const shown = held ?? (tokens ? this.createBridge(tokens, this.inputs.port) : undefined);
    return this.transition({ role: 'stopped', detail: STOPPED_DETAIL, bridge: shown });
  }

  private scheduleRetry(ms: number): void {
    this.retry.clear();
    if (this.disposed) return;
    this.retry.schedule(ms, () => void this.serial(() => this.claimUnlessOwner()));
  }

  /** Follows a Stop or Start made in another window. */
  private checkControl(): void {
    if (this.disposed) return;
    const action = controlAction(this.stopFlag.isSet(), this.state.role);
    if (action === 'stop') {
      void this.serial(async () => {
        if (this.stopFlag.isSet()) await this.showStopped();
      });
    } else if (action === 'start') {
      void this.serial(async () => {
        if (!this.stopFlag.isSet() && this.state.role === 'stopped') await this.releaseAndClaim();
      });
    }
  }
}
