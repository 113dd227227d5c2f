import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bridge } from '../core/bridge';
import type { BridgeConfig } from '../core/config';
import { Emitter, type Subscription } from '../core/emitter';
import type { Logger } from '../core/logger';
import { FileStateStore } from '../core/state';
import type { FollowerKeyChange, HandedOverKey } from '../core/server/keyHandover';
import type { BridgeStatus, KeyTestResult } from '../core/status';
import { AdminClient, StatusStream } from './adminClient';
import { probeOwner } from './ownerProbe';
import { describePortHolder, findPortHolder } from './portHolder';
import type { BridgeTokens } from './keyStore';

/**
 * - `idle`: waiting for the tokens (secret storage has not answered yet).
 * - `owner`: this window's bridge listens on the port.
 * - `follower`: another window owns the port; this one mirrors its status.
 * - `stopped`: the user stopped the bridge (in any window).
 * - `blocked`: the port is held by something that is not a KeyBridge of ours.
 */
export type HostRole = 'idle' | 'owner' | 'follower' | 'stopped' | 'blocked';

export interface BridgeHostOptions {
  port: number;
  /** Shared by every window of this machine: key state and the stop flag live here. */
  stateDir: string;
  logger: Logger;
  /** How long in-flight requests may finish when the bridge stops. */
  graceMs?: number;
  /** How often a blocked port is tried again. */
  retryMs?: number;
  /** How often the shared stop flag is read. */
  controlPollMs?: number;
  /** Spreads takeover attempts of several followers; the loser follows the winner. */
  takeoverJitterMs?: number;
  /** Owner silence (no event, no heartbeat) after which a follower treats it as gone. */
  stallMs?: number;
}

/**
 * Called before this window starts serving (first start and every takeover):
 * resolves the configuration as SecretStorage holds it now, so a window whose
 * key change events never arrived does not serve a stale key set.
 */
export type ConfigReload = () => Promise<BridgeConfig | undefined>;

interface ControlFile {
  stopped: boolean;
  at: number;
}

const STATE_FILE = 'key-state.json';
const CONTROL_FILE = 'bridge-control.json';

/**
 * One bridge across windows (docs/ARCHITECTURE.md §6). Each window's host tries to listen on
 * the fixed port; the one that succeeds owns it, the others follow its status
 * stream and take the port over when the stream ends. Key state lives in a
 * shared file, so a new owner starts from what the old one knew.
 */
export class BridgeHost {
  readonly onDidChange = new Emitter<void>();
  private currentRole: HostRole = 'idle';
  private currentDetail = 'starting';
  private bridge: Bridge | undefined;
  private bridgeSubscription: Subscription | undefined;
  private stream: StatusStream | undefined;
  private ownerStatus: BridgeStatus | undefined;
  private admin: AdminClient | undefined;
  private config: BridgeConfig = { pools: [], routes: [] };
  private tokens: BridgeTokens | undefined;
  private currentPort: number;
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly controlTimer: NodeJS.Timeout;
  private disposed = false;
  private taken = false;
  private follows = 0;
  private holderSeen: { port: number; at: number; text: string | undefined } | undefined;
  private readonly graceMs: number;
  private readonly retryMs: number;
  private readonly takeoverJitterMs: number;
  private readonly stallMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: BridgeHostOptions) {
    this.currentPort = options.port;
    this.logger = options.logger;
    this.graceMs = options.graceMs ?? 1_500;
    this.retryMs = options.retryMs ?? 5_000;
    this.takeoverJitterMs = options.takeoverJitterMs ?? 300;
    this.stallMs = options.stallMs ?? 40_000;
    this.controlTimer = setInterval(() => this.checkControl(), options.controlPollMs ?? 2_000);
    this.controlTimer.unref();
  }

  get role(): HostRole {
    return this.currentRole;
  }

  /** A sentence for the status bar tooltip and the log. */
  get detail(): string {
    return this.currentDetail;
  }

  get port(): number {
    return this.currentPort;
  }

  /** Blocked because something else holds the port: agents must not be sent there. */
  get portTaken(): boolean {
    return this.currentRole === 'blocked' && this.taken;
  }

  /** The bridge as this window shows it: its own, or the owner's latest snapshot. */
  status(): BridgeStatus | undefined {
    if (this.currentRole === 'follower') return this.ownerStatus;
    return this.bridge?.status();
  }

  /** Set by whoever keeps the configuration (BridgeSync); awaited before the port is taken. */
  reloadBeforeServing: ConfigReload | undefined;

  /** Set by whoever keeps the keys (BridgeSync): stores what a follower window added or removed. */
  acceptFollowerKeys: ((change: FollowerKeyChange) => Promise<void>) | undefined;

  /** Counts the owners this window has followed: a new number means another owner (after a takeover). */
  get followCount(): number {
    return this.follows;
  }

  /** The owner's keys with their secrets, while this window follows it. */
  async ownerKeys(): Promise<HandedOverKey[] | undefined> {
    return this.follower?.fetchKeys();
  }

  /** Sends the owner what this window changed; false when this window does not follow one. */
  async sendKeysToOwner(change: FollowerKeyChange): Promise<boolean> {
    const follower = this.follower;
    if (!follower) return false;
    await follower.sendKeys(change);
    return true;
  }

  /** The base URLs agents use; stable whoever owns the port. */
  get baseUrls(): { openai: string; anthropic: string } {
    const root = `http://127.0.0.1:${this.currentPort}`;
    return { openai: `${root}/openai/v1`, anthropic: `${root}/anthropic` };
  }

  /** Applies new inputs; a change of tokens or port moves the bridge, a config change is applied in place. */
  configure(update: { config?: BridgeConfig; tokens?: BridgeTokens; port?: number }): Promise<void> {
    if (update.config) {
      this.config = update.config;
      if (this.bridge) {
        try {
          this.bridge.apply(update.config);
        } catch (error) {
          this.logger.error(`configuration not applied: ${(error as Error).message}`);
        }
      }
    }
    const tokensChanged = update.tokens !== undefined && (update.tokens.token !== this.tokens?.token || update.tokens.adminToken !== this.tokens?.adminToken);
    const portChanged = update.port !== undefined && update.port !== this.currentPort;
    if (update.tokens) this.tokens = update.tokens;
    if (update.port !== undefined) this.currentPort = update.port;
    if (!tokensChanged && !portChanged) return this.chain;
    if (this.currentRole === 'idle' || this.currentRole === 'blocked' || this.currentRole === 'follower') return this.serial(() => this.acquire());
    if (this.currentRole === 'owner') return this.serial(() => this.releaseAndAcquire());
    // Stopped: a fresh (not listening) bridge with the new token shows the same state.
    return this.serial(async () => {
      await this.dropBridge(0);
      await this.showStopped();
    });
  }

  /** Starts the bridge (clearing a stop made in any window); this window owns it or follows the owner. */
  start(): Promise<void> {
    this.writeControl(false);
    return this.serial(async () => {
      if (this.currentRole !== 'owner') await this.acquire();
    });
  }

  /** Stops the bridge for every window; the owner notices the shared flag within a poll. */
  stop(): Promise<void> {
    this.writeControl(true);
    return this.serial(async () => {
      this.closeStream();
      if (this.bridge?.running) await this.bridge.stop(this.graceMs);
      await this.showStopped();
    });
  }

  restart(): Promise<void> {
    this.writeControl(false);
    return this.serial(() => this.releaseAndAcquire());
  }

  testKey(pool: string, key: string): Promise<KeyTestResult> {
    return this.follower ? this.follower.testKey(pool, key) : this.local().testKey(pool, key);
  }

  testPool(pool: string): Promise<KeyTestResult[]> {
    return this.follower ? this.follower.testPool(pool) : this.local().testPool(pool);
  }

  async retireKey(pool: string, key: string): Promise<void> {
    if (this.follower) return this.follower.retireKey(pool, key);
    this.local().retireKey(pool, key);
  }

  async restoreKey(pool: string, key: string): Promise<void> {
    if (this.follower) return this.follower.restoreKey(pool, key);
    this.local().restoreKey(pool, key);
  }

  /** Closes everything; in-flight requests get `graceMs`. What `deactivate()` awaits. */
  async shutdown(graceMs = this.graceMs): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.controlTimer);
    this.clearRetry();
    this.closeStream();
    // A start or probe under way finishes within its own short timeouts; do not wait longer than that.
    await Promise.race([this.chain, new Promise((r) => setTimeout(r, 2_500).unref())]);
    await this.dropBridge(graceMs);
  }

  private get follower(): AdminClient | undefined {
    return this.currentRole === 'follower' ? this.admin : undefined;
  }

  private local(): Bridge {
    if (!this.bridge) throw new Error(this.currentRole === 'idle' ? 'KeyBridge is still starting (waiting for secret storage).' : 'KeyBridge is not running in any window.');
    return this.bridge;
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step).catch((error: unknown) => this.logger.error(`bridge host: ${(error as Error).message}`));
    this.chain = run;
    return run;
  }

  private setRole(role: HostRole, detail: string, portTaken = false): void {
    const changed = role !== this.currentRole || detail !== this.currentDetail;
    this.currentRole = role;
    this.currentDetail = detail;
    this.taken = portTaken;
    if (role !== 'follower') this.ownerStatus = undefined;
    if (changed) {
      if (role === 'blocked') this.logger.warn(`bridge: ${role} — ${detail}`);
      else this.logger.info(`bridge: ${role} — ${detail}`);
      this.onDidChange.fire();
    }
  }

  private createBridge(): Bridge {
    const tokens = this.tokens as BridgeTokens;
    return new Bridge({
      config: this.config,
      port: this.currentPort,
      token: tokens.token,
      adminToken: tokens.adminToken,
      logger: this.logger,
      // Re-read at construction: a new owner starts from what the previous one persisted.
      stateStore: new FileStateStore(join(this.options.stateDir, STATE_FILE)),
      keyHandover: {
        keys: () => this.config.pools.flatMap((p) => p.keys.map((k) => ({ pool: p.id, id: k.id, label: k.label, secret: k.secret }))),
        apply: async (change) => this.acceptFollowerKeys?.(change),
      },
    });
  }

  private adopt(bridge: Bridge): void {
    if (this.bridge === bridge) return;
    const previous = this.bridge;
    this.bridgeSubscription?.dispose();
    this.bridge = bridge;
    this.bridgeSubscription = bridge.onDidChange.on(() => this.onDidChange.fire());
    if (previous) void previous.dispose(0);
  }

  private async dropBridge(graceMs: number): Promise<void> {
    const bridge = this.bridge;
    this.bridgeSubscription?.dispose();
    this.bridgeSubscription = undefined;
    this.bridge = undefined;
    if (bridge) await bridge.dispose(graceMs);
  }

  private async releaseAndAcquire(): Promise<void> {
    this.closeStream();
    await this.dropBridge(this.graceMs);
    await this.acquire();
  }

  /** Listens on the port, or finds out who does and follows it. */
  private async acquire(): Promise<void> {
    if (this.disposed) return;
    this.clearRetry();
    this.closeStream();
    if (!this.tokens) return this.setRole('idle', 'waiting for secret storage');
    if (this.readControl().stopped) return this.showStopped();
    if (this.bridge?.running) return this.setRole('owner', `serving ${this.bridge.url}`);
    await this.reloadConfig();
    if (this.disposed) return;
    const bridge = this.createBridge();
    try {
      await bridge.start();
    } catch (error) {
      return this.onListenFailed(bridge, error as NodeJS.ErrnoException);
    }
    if (this.disposed) return void (await bridge.dispose(0));
    this.adopt(bridge);
    this.setRole('owner', `serving ${bridge.url}`);
  }

  private async reloadConfig(): Promise<void> {
    if (!this.reloadBeforeServing) return;
    try {
      const fresh = await this.reloadBeforeServing();
      if (fresh) this.config = fresh;
    } catch (error) {
      this.logger.warn(`could not re-read the keys before serving; serving the keys this window knows: ${(error as Error).message}`);
    }
  }

  private async onListenFailed(bridge: Bridge, error: NodeJS.ErrnoException): Promise<void> {
    const port = this.currentPort;
    if (error.code !== 'EADDRINUSE') {
      this.adopt(bridge);
      this.setRole('blocked', `cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}`);
      return this.scheduleRetry(this.retryMs);
    }
    const probe = await probeOwner(port, (this.tokens as BridgeTokens).adminToken);
    if (this.disposed) return void (await bridge.dispose(0));
    switch (probe.kind) {
      case 'keybridge':
        await bridge.dispose(0);
        if (this.bridge) await this.dropBridge(0);
        return this.follow(probe.status);
      case 'unreachable':
        // The previous owner let go between our listen and our probe: try again at once.
        await bridge.dispose(0);
        this.setRole('idle', 'the port is changing hands');
        return this.scheduleRetry(100 + Math.random() * this.takeoverJitterMs);
      case 'unauthorized': {
        const holder = await this.portHolder(port);
        this.adopt(bridge);
        this.setRole(
          'blocked',
          `port ${port} is served by another KeyBridge with a different admin token${holder ? `, ${holder}` : ''} (a "keybridge serve"?), or by a program posing as one; it could not prove it knows this window's admin token, so the token was not sent. Stop it or change keybridge.port`,
          true,
        );
        return this.scheduleRetry(this.retryMs);
      }
      case 'foreign': {
        const holder = await this.portHolder(port);
        this.adopt(bridge);
        this.setRole('blocked', `port ${port} is used by another program${holder ? `, ${holder}` : ''} (${probe.detail}); no token was sent to it and new terminals get no KeyBridge variables. Change keybridge.port or stop that program`, true);
        return this.scheduleRetry(this.retryMs);
      }
    }
  }

  /** Names the process on the port (Linux), looked up at most once a minute while the port stays taken. */
  private async portHolder(port: number): Promise<string | undefined> {
    const seen = this.holderSeen;
    if (seen && seen.port === port && Date.now() - seen.at < 60_000) return seen.text;
    const text = describePortHolder(await findPortHolder(port).catch(() => undefined));
    this.holderSeen = { port, at: Date.now(), text };
    return text;
  }

  private follow(status: BridgeStatus): void {
    const tokens = this.tokens as BridgeTokens;
    const port = this.currentPort;
    this.ownerStatus = status;
    this.follows++;
    this.admin = new AdminClient(port, tokens.adminToken);
    const stream: StatusStream = new StatusStream(
      port,
      tokens.adminToken,
      {
        onStatus: (next) => {
          if (this.stream !== stream) return;
          this.ownerStatus = next;
          this.onDidChange.fire();
        },
        onClose: (reason) => {
          if (this.stream !== stream) return;
          this.stream = undefined;
          if (this.disposed) return;
          this.logger.info(`bridge: ${reason}; trying to take the port over`);
          this.scheduleRetry(Math.random() * this.takeoverJitterMs);
        },
      },
      this.stallMs,
    );
    this.stream = stream;
    this.setRole('follower', `following the bridge of another window on 127.0.0.1:${port}`);
    this.onDidChange.fire();
  }

  private async showStopped(): Promise<void> {
    this.closeStream();
    // A bridge that does not listen still shows pools and the persisted key state, and takes key actions.
    if (this.bridge?.running) await this.bridge.stop(this.graceMs);
    else if (!this.bridge && this.tokens) this.adopt(this.createBridge());
    this.setRole('stopped', 'stopped by the user; run "KeyBridge: Start Bridge" to start it');
  }

  /** Ends the status stream; the last snapshot stays on screen until the role changes. */
  private closeStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    this.admin = undefined;
    stream?.close();
  }

  private scheduleRetry(ms: number): void {
    this.clearRetry();
    if (this.disposed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.serial(async () => {
        if (this.currentRole !== 'owner') await this.acquire();
      });
    }, ms);
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Follows a Stop or Start made in another window. */
  private checkControl(): void {
    if (this.disposed) return;
    const { stopped } = this.readControl();
    if (stopped && (this.currentRole === 'owner' || this.currentRole === 'blocked')) {
      void this.serial(async () => {
        if (this.readControl().stopped) await this.showStopped();
      });
    } else if (!stopped && this.currentRole === 'stopped') {
      void this.serial(async () => {
        if (!this.readControl().stopped && this.currentRole === 'stopped') {
          await this.dropBridge(0);
          await this.acquire();
        }
      });
    }
  }

  private readControl(): ControlFile {
    try {
      const parsed = JSON.parse(readFileSync(join(this.options.stateDir, CONTROL_FILE), 'utf8')) as Partial<ControlFile>;
      return { stopped: parsed.stopped === true, at: Number(parsed.at) || 0 };
    } catch {
      return { stopped: false, at: 0 };
    }
  }

  private writeControl(stopped: boolean): void {
    try {
      mkdirSync(this.options.stateDir, { recursive: true });
      const path = join(this.options.stateDir, CONTROL_FILE);
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ stopped, at: Date.now() } satisfies ControlFile));
      renameSync(temp, path);
    } catch (error) {
      this.logger.warn(`could not write the shared stop flag: ${(error as Error).message}`);
    }
  }
}
