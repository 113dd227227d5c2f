import type { BaseUrls, BridgeConfig } from './config';
import { systemClock, type Clock } from './clock';
import { Emitter, type Subscription } from './emitter';
import { Engine } from './engine/engine';
import { silentLogger, type Logger } from './logger';
import type { KeyHandover } from './server/keyHandover';
import type { ConnectionLimitOptions } from './server/connectionLimits';
import { ProxyServer } from './server/proxyServer';
import { generateToken } from './server/security';
import type { StateStore } from './state';
import type { BridgeStatus, KeyChangeEvent, KeyTestResult, RequestSummary } from './status';
import type { KeyPool } from './keys/keyPool';
import { CapLedger, periodOf, RequestAdmission } from './usage/capLedger';
import { costOf, Pricer } from './usage/price';
import { bundledPriceCatalog } from './usage/priceCatalog';
import { recordFromSummary, type UsageRow } from './usage/usageRecord';
import { UsageRecorder } from './usage/usageRecorder';

/** The prices of a config: each pool's own, over the bundled price data. */
function pricerFor(config: BridgeConfig): Pricer {
  return new Pricer(bundledPriceCatalog, config.pools);
}

export interface BridgeOptions {
  config: BridgeConfig;
  /** 0 picks any free port. */
  port: number;
  /** The local access token agents send as their API key. */
  token: string;
  /** Guards the status API; generated when not given. */
  adminToken?: string;
  clock?: Clock;
  logger?: Logger;
  stateStore?: StateStore;
  /** How often due re-tests of invalid and exhausted keys are looked for. */
  retestCheckMs?: number;
  /** Lets follower windows fetch and send keys over the admin API (VS Code only). */
  keyHandover?: KeyHandover;
  /** Caps on client connections; defaults in DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: Partial<ConnectionLimitOptions>;
  /** Request-body and held answer bytes in memory at once; default DEFAULT_MEMORY_BUDGET_BYTES. */
  bodyBudgetBytes?: number;
  /** Where the usage store is kept (docs/ARCHITECTURE.md §10); no usage is recorded without it. */
  usage?: { file: string; retentionDays?: number; flushMs?: number };
}

/**
 * The whole engine behind one object: what the VS Code extension and the
 * headless CLI both drive. Start it, feed it config, listen to its events.
 */
export class Bridge {
  readonly engine: Engine;
  readonly adminToken: string;
  readonly onDidChange = new Emitter<void>();
  private readonly server: ProxyServer;
  private retestTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: Subscription[];
  private readonly retestCheckMs: number;
  /** The usage store's writer; set when the host named a file. */
  readonly usage: UsageRecorder | undefined;
  /** What capped pools used this UTC day and month (docs/ARCHITECTURE.md §10). */
  private caps = new CapLedger();
  /** Places requests in flight hold against request caps; read against the current ledger. */
  private readonly admission = new RequestAdmission(() => this.caps);
  private pricer: Pricer;

  constructor(options: BridgeOptions) {
    this.engine = new Engine({
      config: options.config,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
      stateStore: options.stateStore,
    });
    this.adminToken = options.adminToken ?? generateToken('kbadmin');
    this.usage = options.usage
      ? new UsageRecorder({ ...options.usage, clock: options.clock ?? systemClock, logger: options.logger ?? silentLogger })
      : undefined;
    this.server = new ProxyServer({
      engine: this.engine,
      port: options.port,
      token: options.token,
      adminToken: this.adminToken,
      keyHandover: options.keyHandover,
      connectionLimits: options.connectionLimits,
      bodyBudgetBytes: options.bodyBudgetBytes,
      usage: this.usage,
    });
    this.retestCheckMs = options.retestCheckMs ?? 10_000;
    this.subscriptions = [this.engine.onKeyChange.on(() => this.onDidChange.fire()), this.engine.onRequest.on(() => this.onDidChange.fire())];
    const usage = this.usage;
    this.pricer = pricerFor(options.config);
    usage?.setPricer(this.pricer);
    if (usage) this.subscriptions.push(this.engine.onRequest.on((summary) => usage.record(summary)));
    this.engine.admission = this.admission;
    this.subscriptions.push(this.engine.onRequest.on((summary) => this.countForCaps(summary)));
  }

  get onKeyChange(): Emitter<KeyChangeEvent> {
    return this.engine.onKeyChange;
  }

  get onRequest(): Emitter<RequestSummary> {
    return this.engine.onRequest;
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  get running(): boolean {
    return this.server.running;
  }

  get baseUrls(): BaseUrls {
    const described = this.server.describe();
    if (!described.baseUrls) throw new Error('the bridge is not running');
    return described.baseUrls;
  }

  async start(): Promise<void> {
    await this.server.start();
    await this.usage?.open();
    this.recountCaps();
    this.retestTimer = setInterval(() => void this.engine.runDueRetests(), this.retestCheckMs);
    this.retestTimer.unref();
    this.onDidChange.fire();
  }

  /** Stops listening; in-flight requests get `graceMs` to finish, then are aborted upstream. */
  async stop(graceMs?: number): Promise<void> {
    if (this.retestTimer) clearInterval(this.retestTimer);
    this.retestTimer = undefined;
    // Another window may take the port the moment it is free and read the key state then; and what the requests
    // finishing in the grace period teach (a 429 after the stop began) must be on file before this returns,
    // when this window's own next bridge (a restart, a new port) reads it.
    this.engine.flushState();
    await this.server.stop(graceMs);
    this.engine.flushState();
    // The requests of the grace period are in; the next owner of the port reads the file whole.
    await this.usage?.close();
    this.onDidChange.fire();
  }

  /** Stops and releases everything, the upstream connection pool included. */
  async dispose(graceMs?: number): Promise<void> {
    await this.stop(graceMs);
    for (const s of this.subscriptions) s.dispose();
    await this.engine.close();
  }

  apply(config: BridgeConfig): void {
    this.engine.apply(config);
    this.pricer = pricerFor(config);
    this.usage?.setPricer(this.pricer);
    this.recountCaps();
    this.onDidChange.fire();
  }

  /** A finished request counts towards its pool's caps; a key that reached one cools until the period turns. */
  private countForCaps(summary: RequestSummary): void {
    // The place the request held becomes its count in the same turn, so no other admission sees neither.
    this.admission.release(summary.id);
    const pool = summary.pool === undefined ? undefined : this.engine.pools.get(summary.pool);
    // Pools without caps count nothing: the request path pays nothing for a feature not in use.
    if (!pool?.caps.length || !summary.fingerprint) return;
    const now = this.engine.clock.now();
    this.countRow(recordFromSummary(summary, now));
    this.enforceCaps(pool, now);
  }

  private countRow(row: UsageRow): void {
    const prices = this.pricer.pricesOf(row.pool, row.kind === 'request' ? (row.servedModel ?? row.model) : row.model);
    const tokens = row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens;
    this.caps.add({
      pool: row.pool,
      key: row.key,
      at: row.at,
      requests: row.kind === 'request' ? 1 : row.requests,
      tokens,
      costUsd: prices && costOf(row, prices),
    });
  }

  /** Counts this month's history from the usage store again (at start, and when the config changes the caps or prices). */
  private recountCaps(): void {
    const capped = [...this.engine.pools.values()].filter((pool) => pool.caps.length);
    const now = this.engine.clock.now();
    // Without a store, the counts of this run are all there is: kept.
    if (this.usage) {
      this.caps = new CapLedger();
      const ids = new Set(capped.map((pool) => pool.id));
      for (const row of this.usage.rowsSince(periodOf(now, 'month').start)) if (ids.has(row.pool) && row.key) this.countRow(row);
    }
    for (const pool of capped) this.enforceCaps(pool, now);
  }

  private enforceCaps(pool: KeyPool, now: number): void {
    for (const key of pool.keys) {
      const reached = this.caps.reached(pool.id, key.fingerprint, pool.caps, now);
      if (reached) key.markCooling(reached.until, reached.reason, now);
    }
  }

  status(): BridgeStatus {
    return this.engine.status(this.server.describe());
  }

  get activeRequests(): number {
    return this.server.activeRequests;
  }

  retireKey(pool: string, key: string): void {
    this.engine.retireKey(pool, key);
  }

  restoreKey(pool: string, key: string): void {
    this.engine.restoreKey(pool, key);
  }

  testKey(pool: string, key: string): Promise<KeyTestResult> {
    return this.engine.testKey(pool, key);
  }

  testPool(pool: string): Promise<KeyTestResult[]> {
    return this.engine.testPool(pool);
  }
}
