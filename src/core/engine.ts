import type { BridgeConfig, Tuning } from './config';
import { resolveTuning, validateBridgeConfig } from './config';
import type { Clock } from './clock';
import { Emitter } from './emitter';
import { CircuitBreaker, type BreakerState } from './failover/circuitBreaker';
import { classifyResponse, parseErrorFacts, type Verdict } from './failover/classify';
import { cooldownFromHeaders, jitteredDefault, type HeaderBag } from './keys/cooldown';
import { KEY_WIDE, type KeyHealthChange, type KeyRecord } from './keys/keyHealth';
import { KeyPool } from './keys/keyPool';
import { logField } from './logLine';
import type { Logger } from './logger';
import { protocolAdapter } from './protocols/registry';
import { AffinityTable } from './routing/affinity';
import { Router, type ResolvedRoute } from './routing/router';
import { redactSecrets } from './secrets';
import type { PersistedState, StateStore } from './state';
import type { Endpoint } from './protocols/protocol';
import type { BreakerStatus, BridgeStatus, KeyChangeEvent, KeyTestResult, PoolStatus, RequestSummary } from './status';
import { sendWithKey } from './upstream/sendWithKey';
import { readBounded, UpstreamClient } from './upstream/upstreamClient';

export interface EngineOptions {
  config: BridgeConfig;
  clock: Clock;
  logger: Logger;
  stateStore?: StateStore;
}

const MIN_COOLDOWN_MS = 100;
/** Paths whose answers speak for the key itself; a 401 elsewhere may be about the path (see judgeKey). */
const CORE_ENDPOINTS: ReadonlySet<Endpoint> = new Set(['chat', 'responses', 'embeddings', 'models', 'messages', 'count_tokens']);
const BREAKER_ORDER: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const TEST_TIMEOUT_MS = 15_000;

/**
 * The bridge's state: pools and their keys, routes, breakers, affinity and
 * the upstream client. Pure Node: no `vscode`, no server.
 */
export class Engine {
  tuning: Tuning;
  router: Router;
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
  /** One per target: pool id → upstream model (or '*') → breaker. */
  private readonly breakers = new Map<string, Map<string, CircuitBreaker>>();
  private readonly stateStore: StateStore | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly retestsRunning = new Set<KeyRecord>();

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.stateStore = options.stateStore;
    const config = validateBridgeConfig(options.config);
    this.tuning = resolveTuning(config.tuning);
    this.router = new Router(config);
    this.upstream = new UpstreamClient(this.tuning);
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
    this.router = new Router(config);
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
        this.breakers.delete(id);
      }
    }
    this.restoreState();
  }

  /** Whether a target after `index` in the route could serve now or soon: somewhere else to go. */
  hasLaterTarget(route: ResolvedRoute, index: number): boolean {
    const now = this.clock.now();
    return route.targets.slice(index + 1).some((next) => this.pools.get(next.pool)?.mayServe(now));
  }

  /** The breaker of one target: a pool asked for one model (a provider may fail one model and serve another). */
  breaker(poolId: string, model: string | undefined): CircuitBreaker {
    let byModel = this.breakers.get(poolId);
    if (!byModel) {
      byModel = new Map();
      this.breakers.set(poolId, byModel);
    }
    const scope = model ?? KEY_WIDE;
    let breaker = byModel.get(scope);
    if (!breaker) {
      const t = this.tuning;
      breaker = new CircuitBreaker(
        { windowMs: t.breakerWindowMs, minRequests: t.breakerMinRequests, failureRate: t.breakerFailureRate, openMs: t.breakerOpenMs, probes: t.breakerProbes },
        this.clock,
      );
      // Bounded like every table a client can grow: a new model name per request must not grow it for ever.
      if (byModel.size >= 256) byModel.delete(byModel.keys().next().value as string);
      byModel.set(scope, breaker);
    }
    return breaker;
  }

  /**
   * Books a failed attempt against its key: marks it for key-specific
   * verdicts, benches it after repeated connection failures. Returns false
   * when the verdict must not be acted on yet: a 401/403 on a pass-through
   * path may be about the path, so the key is tested first and marked only
   * if the test fails too.
   */
  judgeKey(pool: KeyPool, key: KeyRecord, verdict: Verdict, headers: HeaderBag | undefined, context: { model: string | undefined; endpoint: Endpoint }): boolean {
    if (verdict.kind === 'auth' && !CORE_ENDPOINTS.has(context.endpoint)) {
      key.recordFailure('caller', verdict.reason);
      this.verifyKey(pool, key);
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

  /** Tests a key in the background unless a test of it is already running. */
  private verifyKey(pool: KeyPool, key: KeyRecord): void {
    if (this.retestsRunning.has(key)) return;
    this.retestsRunning.add(key);
    void this.testKey(pool.id, key.id)
      .catch(() => undefined)
      .finally(() => this.retestsRunning.delete(key));
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
        const hinted = headers ? cooldownFromHeaders(headers, now) : undefined;
        const ms = Math.max(MIN_COOLDOWN_MS, hinted ?? jitteredDefault(this.tuning.defaultCooldownMs));
        const scope = model ?? KEY_WIDE;
        const keys = pool?.sharedLimits ? pool.keys : [key];
        for (const k of keys) k.markCooling(now + ms, verdict.reason, now, scope);
        break;
      }
      case 'quota':
        key.markExhausted(verdict.reason, now + this.tuning.exhaustedRetestMs, now);
        break;
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
    const adapter = protocolAdapter(pool.protocol);
    const started = this.clock.now();
    const result = (ok: boolean, message: string, status?: number): KeyTestResult => ({
      pool: poolId,
      key: keyId,
      ok,
      status,
      latencyMs: this.clock.now() - started,
      state: key.stateAt(this.clock.now()),
      message: redactSecrets(message, [key.secret]),
    });
    try {
      const response = await sendWithKey(this.upstream, pool, key, {
        path: pool.testPath ?? adapter.testPath,
        method: 'GET',
        body: undefined,
        signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
        headersTimeoutMs: TEST_TIMEOUT_MS,
      });
      const { text } = await readBounded(response.body, 256 * 1024);
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        key.markReady(this.clock.now());
        key.stats.lastLatencyMs = this.clock.now() - started;
        return result(true, `OK (HTTP ${status})`, status);
      }
      const verdict = classifyResponse(status, parseErrorFacts(text));
      if (verdict.kind === 'auth' || verdict.kind === 'quota') {
        key.retestFailures++;
        this.markKey(key, verdict, response.headers);
        return result(false, verdict.reason, status);
      }
      if (verdict.kind === 'rate_limit') {
        // Limited, so the provider accepted the key: it is not invalid, just resting.
        key.markReady(this.clock.now());
        this.markKey(key, verdict, response.headers);
        return result(true, `accepted but rate-limited (${verdict.reason})`, status);
      }
      if (verdict.kind === 'caller') {
        // Some compatible providers do not list models; an answer other than an auth failure means the key was accepted.
        key.markReady(this.clock.now());
        return result(true, `accepted (${verdict.reason})`, status);
      }
      return result(false, `provider unavailable (${verdict.reason})`, status);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      return result(false, `provider unreachable (${code})`);
    }
  }

  async testPool(poolId: string): Promise<KeyTestResult[]> {
    const pool = this.pools.get(poolId);
    if (!pool) throw new Error(`no pool "${poolId}"`);
    const now = this.clock.now();
    return Promise.all(pool.keys.filter((k) => k.stateAt(now) !== 'retired').map((k) => this.testKey(poolId, k.id)));
  }

  /** Re-tests invalid and exhausted keys whose time has come; called on a slow timer. */
  async runDueRetests(): Promise<void> {
    const now = this.clock.now();
    const due: Promise<unknown>[] = [];
    for (const pool of this.pools.values()) {
      for (const key of pool.keys) {
        const state = key.stateAt(now);
        if ((state === 'invalid' || state === 'exhausted') && key.retestAt !== undefined && key.retestAt <= now && !this.retestsRunning.has(key)) {
          this.retestsRunning.add(key);
          due.push(this.testKey(pool.id, key.id).finally(() => this.retestsRunning.delete(key)));
        }
      }
    }
    await Promise.allSettled(due);
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
    return [...this.pools.values()].map((pool) => ({
      id: pool.id,
      label: pool.label,
      protocol: pool.protocol,
      baseUrl: pool.baseUrl,
      strategy: pool.strategy,
      sharedLimits: pool.sharedLimits || undefined,
      ...this.breakerStatus(pool.id),
      keys: pool.keys.map((key) => {
        const state = key.stateAt(now);
        const cooling = key.scopedCoolings(now);
        return {
          id: key.id,
          label: key.label,
          masked: key.masked,
          fingerprint: key.fingerprint,
          state,
          until: key.coolingDeadline(now),
          reason: state === 'ready' ? undefined : key.reason,
          retestAt: state === 'invalid' || state === 'exhausted' ? key.retestAt : undefined,
          cooling: cooling.length ? cooling : undefined,
          benchedUntil: key.benchedUntilAt(now),
          stats: { ...key.stats, failures: { ...key.stats.failures } },
        };
      }),
    }));
  }

  /** The pool's breakers that have seen traffic, and the worst state among them (the pool-level summary). */
  private breakerStatus(poolId: string): { breaker: BreakerState; breakers?: BreakerStatus[] } {
    const breakers: BreakerStatus[] = [];
    let worst: BreakerState = 'closed';
    for (const [model, breaker] of this.breakers.get(poolId) ?? []) {
      const snapshot = breaker.snapshot();
      if (BREAKER_ORDER[snapshot.state] > BREAKER_ORDER[worst]) worst = snapshot.state;
      if (snapshot.state !== 'closed' || snapshot.requests > 0) breakers.push({ model, ...snapshot });
    }
    return { breaker: worst, breakers: breakers.length ? breakers : undefined };
  }

  /** Counts a finished request, logs its one line and tells the listeners (status stream, tree). */
  recordRequest(summary: RequestSummary): void {
    this.totals.requests++;
    if (summary.outcome === 'ok') this.totals.succeeded++;
    else this.totals.failed++;
    const key = summary.key ? ` key=${summary.key} fp=${summary.fingerprint?.slice(0, 8)}` : '';
    // The request's key is unknown here: check them all (a handful of indexOf calls per key, once per request).
    if (summary.error) summary.error = redactSecrets(summary.error, [...this.pools.values()].flatMap((pool) => pool.keys.map((key) => key.secret)));
    // Path, model and error come from the client or the provider: escaped, so none can forge or recolour a line.
    const error = summary.error ? ` (${logField(summary.error)})` : '';
    this.logger.info(
      `${summary.method} ${logField(summary.path)} ${summary.status} ${summary.outcome} pool=${summary.pool ?? '-'}${key} attempts=${summary.attempts} ms=${summary.ms}${summary.model ? ` model=${logField(summary.model)}` : ''}${error}`,
    );
    this.onRequest.fire(summary);
  }

  status(extra: Pick<BridgeStatus, 'running' | 'url' | 'port' | 'baseUrls'>): BridgeStatus {
    return { ...extra, now: this.clock.now(), pools: this.poolStatus(), totals: { ...this.totals } };
  }

  /** Writes a pending save now; the bridge calls it before it lets the port go, so the next owner reads the latest state. */
  flushState(): void {
    if (!this.saveTimer) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.saveState();
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
    const event: KeyChangeEvent = { pool: pool.id, key: key.id, masked: key.masked, previous: change.previous, state, reason, until, scope };
    const forModel = scope === undefined ? '' : ` for ${scope}`;
    const forMs = until === undefined ? '' : ` ${Math.ceil((until - now) / 1000)} s`;
    this.logger.info(`key ${pool.id}/${key.id} (${key.masked}) ${change.previous} → ${state}${forModel}${forMs}${reason ? `: ${logField(reason)}` : ''}`);
    this.onKeyChange.fire(event);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.stateStore || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveState();
    }, 200);
    this.saveTimer.unref();
  }

  private saveState(): void {
    if (!this.stateStore) return;
    const now = this.clock.now();
    const keys: PersistedState['keys'] = {};
    for (const pool of this.pools.values()) {
      for (const key of pool.keys) {
        const saved = key.persisted(now);
        if (saved) keys[key.fingerprint] = saved;
      }
    }
    try {
      this.stateStore.save({ version: 1, savedAt: now, keys });
    } catch (error) {
      this.logger.warn(`could not save key state: ${(error as Error).message}`);
    }
  }

  private restoreState(): void {
    const saved = this.stateStore?.load();
    if (!saved) return;
    const now = this.clock.now();
    for (const pool of this.pools.values()) {
      for (const key of pool.keys) {
        const health = saved.keys[key.fingerprint];
        if (health && key.stateAt(now) === 'ready' && key.stats.requests === 0 && key.restorePersisted(health, now)) this.scheduleSave();
      }
    }
  }
}
