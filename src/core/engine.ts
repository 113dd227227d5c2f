import type { BridgeConfig, Tuning } from './config';
import { resolveTuning, validateBridgeConfig } from './config';
import type { Clock } from './clock';
import { Emitter } from './emitter';
import { CircuitBreaker } from './failover/circuitBreaker';
import { classifyResponse, parseErrorFacts, type Verdict } from './failover/classify';
import { cooldownFromHeaders, jitteredDefault, type HeaderBag } from './keys/cooldown';
import type { KeyHealthChange, KeyRecord } from './keys/keyHealth';
import { KeyPool } from './keys/keyPool';
import { logField } from './logLine';
import type { Logger } from './logger';
import { protocolAdapter } from './protocols/registry';
import { AffinityTable } from './routing/affinity';
import { Router } from './routing/router';
import { redactSecrets } from './secrets';
import type { PersistedState, StateStore } from './state';
import type { BridgeStatus, KeyChangeEvent, KeyTestResult, PoolStatus, RequestSummary } from './status';
import { buildUpstreamHeaders } from './upstream/headers';
import { readBounded, splitBaseUrl, UpstreamClient } from './upstream/upstreamClient';

export interface EngineOptions {
  config: BridgeConfig;
  clock: Clock;
  logger: Logger;
  stateStore?: StateStore;
}

const MIN_COOLDOWN_MS = 100;
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
  readonly totals = { requests: 0, succeeded: 0, failed: 0 };
  private readonly breakers = new Map<string, CircuitBreaker>();
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
    this.tuning = resolveTuning(config.tuning);
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

  breaker(poolId: string): CircuitBreaker {
    let breaker = this.breakers.get(poolId);
    if (!breaker) {
      breaker = new CircuitBreaker(this.tuning.breakerThreshold, this.tuning.breakerOpenMs, this.clock);
      this.breakers.set(poolId, breaker);
    }
    return breaker;
  }

  /** Marks a key after a key-specific failure; other verdicts leave keys alone. */
  markKey(key: KeyRecord, verdict: Verdict, headers: HeaderBag | undefined): void {
    const now = this.clock.now();
    key.recordFailure(verdict.kind === 'context_length' ? 'caller' : verdict.kind, verdict.reason);
    switch (verdict.kind) {
      case 'rate_limit': {
        const hinted = headers ? cooldownFromHeaders(headers, now) : undefined;
        const ms = Math.max(MIN_COOLDOWN_MS, hinted ?? jitteredDefault(this.tuning.defaultCooldownMs));
        key.markCooling(now + ms, verdict.reason, now);
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
    const { origin, basePath } = splitBaseUrl(pool.baseUrl);
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
      const response = await this.upstream.send({
        origin,
        path: basePath + (pool.testPath ?? adapter.testPath),
        method: 'GET',
        headers: buildUpstreamHeaders({}, adapter.defaultHeaders(), pool.extraHeaders, adapter.authHeaders(key.secret)),
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
      breaker: this.breaker(pool.id).state(),
      keys: pool.keys.map((key) => {
        const state = key.stateAt(now);
        return {
          id: key.id,
          label: key.label,
          masked: key.masked,
          fingerprint: key.fingerprint,
          state,
          until: key.coolingDeadline(now),
          reason: state === 'ready' ? undefined : key.reason,
          retestAt: state === 'invalid' || state === 'exhausted' ? key.retestAt : undefined,
          stats: { ...key.stats, failures: { ...key.stats.failures } },
        };
      }),
    }));
  }

  status(extra: Pick<BridgeStatus, 'running' | 'url' | 'port' | 'baseUrls'>): BridgeStatus {
    return { ...extra, now: this.clock.now(), pools: this.poolStatus(), totals: { ...this.totals } };
  }

  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.saveState();
    }
    await this.upstream.close();
  }

  private keyChanged(pool: KeyPool, change: KeyHealthChange): void {
    const now = this.clock.now();
    const state = change.key.stateAt(now);
    const event: KeyChangeEvent = {
      pool: pool.id,
      key: change.key.id,
      masked: change.key.masked,
      previous: change.previous,
      state,
      reason: change.key.reason,
      until: change.key.coolingDeadline(now),
    };
    this.logger.info(`key ${pool.id}/${change.key.id} (${change.key.masked}) ${change.previous} → ${state}${event.reason ? `: ${logField(event.reason)}` : ''}`);
    this.onKeyChange.fire(event);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.stateStore || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveState();
    }, 200);
    this.saveTimer.unref?.();
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
