import type { BridgeConfig, Tuning, UsageCap } from '../config';
import { resolveTuning, validateBridgeConfig } from '../config';
import type { Clock } from '../clock';
import { Emitter } from '../emitter';
import { CircuitBreaker } from '../failover/circuitBreaker';
import type { Verdict } from '../failover/classify';
import { firstEventDeadline, FirstEventHistory, type FirstEventDeadline } from '../failover/firstEventDeadline';
import { RetryBudget } from '../failover/retryBudget';
import { cooldownFromHeaders, jitteredDefault, type HeaderBag } from '../keys/cooldown';
import { KEY_WIDE, type KeyHealthChange, type KeyRecord } from '../keys/keyHealth';
import { KeyPool } from '../keys/keyPool';
import { keyMove, logField } from '../logLine';
import type { Logger } from '../logger';
import type { Endpoint } from '../protocols/protocol';
import { KEY_ENDPOINTS } from '../protocols/table';
import { AffinityTable } from '../routing/affinity';
import { Router, type ResolvedRoute } from '../routing/router';
import { redactSecrets } from '../secrets';
import type { StateStore } from '../state';
import type { BridgeStatus, KeyChangeEvent, KeyTestResult, PoolStatus, RequestSummary, RouteStatus } from '../status';
import { UpstreamClient } from '../upstream/upstreamClient';
import { KeyTester } from './keyTester';
import { poolStatus } from './poolStatus';
import { routeStatus } from './routeStatus';
import { StatePersistence } from './statePersistence';
import { TargetTable } from './targetTable';

export interface EngineOptions {
  config: BridgeConfig;
  clock: Clock;
  logger: Logger;
  stateStore?: StateStore;
}

/**
 * Asked as an attempt on a key of a pool with caps is about to be sent: whether the key may take one more request
 * (request caps counted at admission, docs/ARCHITECTURE.md §10). The bridge sets it; `release` is called when
 * the attempt was not sent after all, and by the bridge when the request ends.
 */
export interface AttemptAdmission {
  admit(requestId: number, pool: string, caps: readonly UsageCap[], key: string, now: number): boolean;
  release(requestId: number): void;
}

const MIN_COOLDOWN_MS = 100;

/**
 * The bridge's state: pools and their keys, routes, breakers, affinity and
 * the upstream client. Pure Node: no `vscode`, no server.
 */
export class Engine {
  tuning: Tuning;
  router: Router;
  /** The routes as the status shows them; fixed per configuration. */
  private routes: RouteStatus[];
  readonly pools = new Map<string, KeyPool>();
  readonly affinity = new AffinityTable();
  readonly upstream: UpstreamClient;
  readonly onKeyChange = new Emitter<KeyChangeEvent>();
  readonly onRequest = new Emitter<RequestSummary>();
  /** A new configuration was applied (pools or keys added, removed or changed). */
  readonly onConfigChange = new Emitter<void>();
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly totals = { requests: 0, succeeded: 0, failed: 0 };
  /** Admission against request caps; unset, nothing is held back before it is sent. */
  admission: AttemptAdmission | undefined;
  /** Per target (pool + upstream model): a provider fails, and answers slowly, per model. */
  private readonly breakers = new TargetTable(() => {
    const t = this.tuning;
    return new CircuitBreaker(
      { windowMs: t.breakerWindowMs, minRequests: t.breakerMinRequests, failureRate: t.breakerFailureRate, openMs: t.breakerOpenMs, probes: t.breakerProbes },
      this.clock,
    );
  });
  private readonly retryBudgets = new TargetTable(() => {
    const t = this.tuning;
    return new RetryBudget({ percentCanRetry: t.retryBudgetPercent, minRetriesPerSec: t.retryBudgetMinPerSec, windowMs: t.retryBudgetWindowMs }, this.clock);
  });
  private readonly firstEvents = new TargetTable(() => new FirstEventHistory());
  private readonly persistence: StatePersistence;
  private readonly tester: KeyTester;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.persistence = new StatePersistence(options.stateStore, this.clock, this.logger, () => [...this.pools.values()].flatMap((pool) => pool.keys));
    const config = validateBridgeConfig(options.config);
    this.tuning = resolveTuning(config.tuning);
    this.router = new Router(config);
    this.routes = routeStatus(config);
    this.upstream = new UpstreamClient(this.tuning);
    this.tester = new KeyTester(this.upstream, this.clock, (key, verdict, headers) => this.markKey(key, verdict, headers));
    this.applyPools(config);
  }

  /** Applies a new configuration; keys keep their health while id and secret are unchanged. */
  apply(config: BridgeConfig): void {
    validateBridgeConfig(config);
    const before = this.tuning;
    this.tuning = resolveTuning(config.tuning);
    // Breakers are made with the tuning of their time: new breaker knobs start them afresh.
    const knobs = ['breakerWindowMs', 'breakerMinRequests', 'breakerFailureRate', 'breakerOpenMs', 'breakerProbes'] as const;
    if (knobs.some((k) => before[k] !== this.tuning[k])) this.breakers.clear();
    const budgetKnobs = ['retryBudgetPercent', 'retryBudgetMinPerSec', 'retryBudgetWindowMs'] as const;
    if (budgetKnobs.some((k) => before[k] !== this.tuning[k])) this.retryBudgets.clear();
    this.router = new Router(config);
    this.routes = routeStatus(config);
    this.applyPools(config);
    this.onConfigChange.fire();
  }

  private applyPools(config: BridgeConfig): void {
    const seen = new Set<string>();
    for (const spec of config.pools) {
      seen.add(spec.id);
      const existing = this.pools.get(spec.id);
      if (existing) existing.update(spec);
      else this.pools.set(spec.id, new KeyPool(spec, (pool, change) => this.keyChanged(pool, change)));
    }
    for (const id of [...this.pools.keys()]) {
      if (!seen.has(id)) {
        this.pools.delete(id);
        this.breakers.deletePool(id);
        this.retryBudgets.deletePool(id);
        this.firstEvents.deletePool(id);
      }
    }
    this.persistence.restore();
  }

  /** Whether a target after `index` in the route could serve now or soon: somewhere else to go. */
  hasLaterTarget(route: ResolvedRoute, index: number): boolean {
    const now = this.clock.now();
    return route.targets.slice(index + 1).some((next) => this.pools.get(next.pool)?.mayServe(now));
  }

  /** The breaker of one target: a pool asked for one model (a provider may fail one model and serve another). */
  breaker(poolId: string, model: string | undefined): CircuitBreaker {
    return this.breakers.get(poolId, model);
  }

  /** The retry budget of one target: its transient retries stay under a share of its requests (§4). */
  retryBudget(poolId: string, model: string | undefined): RetryBudget {
    return this.retryBudgets.get(poolId, model);
  }

  /** The recent times to first content event of one target's streams. */
  firstEventHistory(poolId: string, model: string | undefined): FirstEventHistory {
    return this.firstEvents.get(poolId, model);
  }

  /** The first-event deadline of a stream to this target while its route has a later one (§4). */
  firstEventDeadline(pool: KeyPool, model: string | undefined, routeMs: number | undefined): FirstEventDeadline {
    const configured = { tuningMs: this.tuning.firstEventTimeoutMs, poolMs: pool.deadlines?.firstEventTimeoutMs, routeMs };
    return firstEventDeadline(configured, this.firstEvents.ofPool(pool.id)?.get(model ?? KEY_WIDE), {
      floorMs: this.tuning.firstEventFloorMs,
      margin: this.tuning.firstEventMargin,
    });
  }

  /**
   * Books a failed attempt against its key: marks it for key-specific
   * verdicts, benches it after repeated connection failures. Returns false
   * when the verdict must not be acted on yet: a 401/403 on a pass-through
   * path may be about the path, so the key is tested first and marked only
   * if the test fails too.
   */
  judgeKey(
    pool: KeyPool,
    key: KeyRecord,
    verdict: Verdict,
    headers: HeaderBag | undefined,
    context: { model: string | undefined; endpoint: Endpoint },
  ): boolean {
    if (verdict.kind === 'auth' && !KEY_ENDPOINTS.has(context.endpoint)) {
      key.recordFailure('caller', verdict.reason);
      this.tester.verify(pool, key);
      return false;
    }
    if (verdict.kind === 'transient') {
      key.recordFailure('transient', verdict.reason);
      pool.connectionFailed(key, this.clock.now(), this.tuning.keyBenchMs);
    } else if (verdict.kind === 'timeout' || verdict.kind === 'caller' || verdict.kind === 'context_length' || verdict.kind === 'client') {
      key.recordFailure(verdict.kind === 'timeout' ? 'timeout' : 'caller', verdict.reason);
    } else {
      this.markKey(key, verdict, headers, context.model, pool);
    }
    return true;
  }

  /**
   * Marks a key after a key-specific failure; other verdicts leave keys alone.
   * A rate limit cools the key for the model it was answered for, and every
   * key of a pool whose keys share one account's limits.
   */
  markKey(key: KeyRecord, verdict: Verdict, headers: HeaderBag | undefined, model?: string, pool?: KeyPool): void {
    const now = this.clock.now();
    key.recordFailure(verdict.kind === 'context_length' || verdict.kind === 'client' ? 'caller' : verdict.kind, verdict.reason);
    switch (verdict.kind) {
      case 'rate_limit': {
        const hinted = (headers ? cooldownFromHeaders(headers, now) : undefined) ?? verdict.retryInMs;
        const ms = Math.max(MIN_COOLDOWN_MS, hinted ?? jitteredDefault(this.tuning.defaultCooldownMs));
        const scope = model ?? KEY_WIDE;
        const keys = pool?.sharedLimits ? pool.keys : [key];
        for (const k of keys) k.markCooling(now + ms, verdict.reason, now, scope);
        break;
      }
      case 'quota': {
        // A provider that names the day access returns (Anthropic's spend limit) is asked again then, not before.
        const retestAt = verdict.until !== undefined && verdict.until > now ? verdict.until : now + this.tuning.exhaustedRetestMs;
        key.markExhausted(verdict.reason, retestAt, now);
        break;
      }
      case 'auth': {
        const backoff = Math.min(this.tuning.invalidRetestMs * 2 ** key.retestFailures, this.tuning.retestMaxMs);
        key.markInvalid(verdict.reason, now + backoff, now);
        break;
      }
      default:
        break;
    }
  }

  /** A cheap real request with this key (the provider's model list); updates its state. */
  async testKey(poolId: string, keyId: string): Promise<KeyTestResult> {
    const pool = this.pools.get(poolId);
    const key = pool?.key(keyId);
    if (!pool || !key) throw new Error(`no key "${keyId}" in pool "${poolId}"`);
    return this.tester.test(pool, key);
  }

  async testPool(poolId: string): Promise<KeyTestResult[]> {
    const pool = this.pools.get(poolId);
    if (!pool) throw new Error(`no pool "${poolId}"`);
    const now = this.clock.now();
    return Promise.all(pool.keys.filter((k) => k.stateAt(now) !== 'retired').map((k) => this.tester.test(pool, k)));
  }

  /** Re-tests invalid and exhausted keys whose time has come; called on a slow timer. */
  async runDueRetests(): Promise<void> {
    await this.tester.runDue(this.pools.values());
  }

  retireKey(poolId: string, keyId: string): void {
    this.requireKey(poolId, keyId).retire(this.clock.now());
  }

  restoreKey(poolId: string, keyId: string): void {
    this.requireKey(poolId, keyId).restore(this.clock.now());
  }

  private requireKey(poolId: string, keyId: string): KeyRecord {
    const key = this.pools.get(poolId)?.key(keyId);
    if (!key) throw new Error(`no key "${keyId}" in pool "${poolId}"`);
    return key;
  }

  poolStatus(): PoolStatus[] {
    const now = this.clock.now();
    return [...this.pools.values()].map((pool) =>
      poolStatus(pool, { breakers: this.breakers.ofPool(pool.id), firstEvents: this.firstEvents.ofPool(pool.id) }, now, (model) =>
        this.firstEventDeadline(pool, model, undefined),
      ),
    );
  }

  /** Counts a finished request, logs its one line and tells the listeners (status stream, tree). */
  recordRequest(summary: RequestSummary): void {
    this.totals.requests++;
    if (summary.outcome === 'ok') this.totals.succeeded++;
    else this.totals.failed++;
    // The request's key is unknown here: check them all (a handful of indexOf calls per key, once per request).
    if (summary.error)
      summary.error = redactSecrets(
        summary.error,
        [...this.pools.values()].flatMap((pool) => pool.keys.map((key) => key.secret)),
      );
    // A quiet logger drops the line: it is not built (about a microsecond and a half per request, ARCHITECTURE §2).
    if (this.logger.writesInfo !== false) this.logger.info(requestLine(summary));
    this.onRequest.fire(summary);
  }

  status(extra: Pick<BridgeStatus, 'running' | 'url' | 'port' | 'baseUrls'>): BridgeStatus {
    return { ...extra, now: this.clock.now(), pools: this.poolStatus(), routes: this.routes, totals: { ...this.totals } };
  }

  /** Writes a pending save now; the bridge calls it before it lets the port go, so the next owner reads the latest state. */
  flushState(): void {
    this.persistence.flush();
  }

  async close(): Promise<void> {
    this.flushState();
    await this.upstream.close();
  }

  private keyChanged(pool: KeyPool, change: KeyHealthChange): void {
    const now = this.clock.now();
    const { key, scope } = change;
    const state = key.stateAt(now, scope);
    const until = key.coolingDeadline(now, scope);
    const reason = scope === undefined ? key.reason : key.scopedCoolings(now).find((c) => c.scope === scope)?.reason;
    const event: KeyChangeEvent = { pool: pool.id, key: key.id, label: key.label, masked: key.masked, previous: change.previous, state, reason, until, scope };
    const forModel = scope === undefined ? '' : ` for ${scope}`;
    const forMs = until === undefined ? '' : ` ${Math.ceil((until - now) / 1000)} s`;
    this.logger.info(`key ${pool.id}/${key.id} (${key.masked}) ${keyMove(change.previous, state)}${forModel}${forMs}${reason ? `: ${logField(reason)}` : ''}`);
    this.onKeyChange.fire(event);
    this.persistence.scheduleSave();
  }
}

/** A finished request's log line. Path, model and error come from the client or the provider: escaped, so none can forge or recolour a line. */
function requestLine(summary: RequestSummary): string {
  const key = summary.key ? ` key=${summary.key} fp=${summary.fingerprint?.slice(0, 8)}` : '';
  const model = summary.model ? ` model=${logField(summary.model)}` : '';
  const error = summary.error ? ` (${logField(summary.error)})` : '';
  return `${summary.method} ${logField(summary.path)} ${summary.status} ${summary.outcome} pool=${summary.pool ?? '-'}${key} attempts=${summary.attempts} ms=${summary.ms}${model}${error}`;
}
