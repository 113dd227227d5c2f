import { fingerprintSecret, maskSecret, redactSecrets } from '../secrets';
import type { KeyQuota } from './quota';
import type { KeySpec } from '../config';

export type KeyState = 'ready' | 'cooling' | 'exhausted' | 'invalid' | 'retired';

/** Why an attempt failed, as counted in a key's stats. */
export type FailureClass = 'rate_limit' | 'quota' | 'auth' | 'transient' | 'timeout' | 'caller' | 'stream';

export interface KeyStats {
  requests: number;
  successes: number;
  failures: Partial<Record<FailureClass, number>>;
  lastError?: string;
  lastUsedAt?: number;
  /** Time to response headers (or first event for streams) of the last success. */
  lastLatencyMs?: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * What a rate limit applies to. Providers limit per model (OpenAI per model
 * per organisation, Anthropic per model class), so a 429 cools the key for the
 * model it was answered for; `KEY_WIDE` is a 429 that named no model.
 */
export type CoolingScope = string;
export const KEY_WIDE: CoolingScope = '*';

/** One active rate-limit cooldown of a key. */
export interface Cooling {
  scope: CoolingScope;
  until: number;
  reason?: string;
}

/** Health that survives a restart; keyed by fingerprint, never by secret. */
export interface PersistedKeyHealth {
  /** The key-wide state; `ready` when only some models are cooling. */
  state: KeyState;
  /** Key-wide cooling deadline (also what files written before scoped cooling hold). */
  until?: number;
  reason?: string;
  retestAt?: number;
  retestFailures?: number;
  /** Cooldowns scoped to one model. */
  cooling?: Cooling[];
}

export interface KeyHealthChange {
  key: KeyRecord;
  previous: KeyState;
  /** Set when the change is a cooldown for one model only. */
  scope?: CoolingScope;
}

/** A key with many models limited at once keeps this many cooldowns; the ones ending first go. */
const MAX_COOLINGS = 64;

/**
 * One key's identity, health and stats. Cooling ends lazily: the state reads
 * `ready` once `until` has passed, so no timers are needed.
 */
/** Models whose latest quota a key keeps; the oldest report goes first. */
const MAX_QUOTA_SCOPES = 32;

export class KeyRecord {
  readonly id: string;
  readonly label: string;
  readonly masked: string;
  readonly fingerprint: string;
  readonly weight: number;
  // A private field: JSON.stringify and util.inspect never show it.
  readonly #secret: string;

  /** The key-wide state; cooling lives in `coolings`, so this is never `cooling`. */
  private baseState: Exclude<KeyState, 'cooling'> = 'ready';
  private readonly coolings = new Map<CoolingScope, { until: number; reason: string }>();
  reason: string | undefined;
  /** When the next automatic re-test of an invalid or exhausted key is due. */
  retestAt: number | undefined;
  retestFailures = 0;
  /** Provider-transient failures in a row on this key, and when the run began; a success ends it. */
  connectionFailures = 0;
  private connectionStreakStart = 0;
  private benchedUntil = 0;
  lastSuccessAt: number | undefined;
  readonly stats: KeyStats = { requests: 0, successes: 0, failures: {}, inputTokens: 0, outputTokens: 0 };
  /** The latest quota the provider reported, per model (bounded: a client can name any model). */
  private readonly quotas = new Map<string, KeyQuota>();

  constructor(
    spec: KeySpec,
    private readonly onChange: (change: KeyHealthChange) => void,
  ) {
    this.id = spec.id;
    this.label = spec.label ?? spec.id;
    this.#secret = spec.secret;
    this.masked = maskSecret(spec.secret);
    this.fingerprint = fingerprintSecret(spec.secret);
    this.weight = spec.weight ?? 1;
  }

  /** The key material, for the upstream credential header only. */
  get secret(): string {
    return this.#secret;
  }

  /**
   * The key's state for a request to `scope` (a model), or key-wide when no
   * scope is given: a key cooling for one model is ready for the others.
   */
  stateAt(now: number, scope?: CoolingScope): KeyState {
    if (this.baseState !== 'ready') return this.baseState;
    return this.coolingDeadline(now, scope) !== undefined ? 'cooling' : 'ready';
  }

  isAvailable(now: number, scope?: CoolingScope): boolean {
    return this.stateAt(now, scope) === 'ready';
  }

  /** When the key is usable again for `scope` (key-wide when none) if it is cooling; undefined otherwise. */
  coolingDeadline(now: number, scope?: CoolingScope): number | undefined {
    if (this.baseState !== 'ready') return undefined;
    let deadline: number | undefined;
    for (const name of scope === undefined || scope === KEY_WIDE ? [KEY_WIDE] : [KEY_WIDE, scope]) {
      const until = this.coolings.get(name)?.until;
      if (until !== undefined && until > now) deadline = Math.max(deadline ?? 0, until);
    }
    return deadline;
  }

  /** Keeps the latest quota an answer reported for its model. */
  noteQuota(quota: KeyQuota): void {
    this.quotas.delete(quota.model);
    if (this.quotas.size >= MAX_QUOTA_SCOPES) this.quotas.delete(this.quotas.keys().next().value as string);
    this.quotas.set(quota.model, quota);
  }

  /** The latest quota per model, newest first. */
  quotaReports(): KeyQuota[] {
    return [...this.quotas.values()].reverse();
  }

  /** Cooldowns for single models that are still running (the key-wide one is `coolingDeadline`). */
  scopedCoolings(now: number): Cooling[] {
    if (this.baseState !== 'ready') return [];
    const active: Cooling[] = [];
    for (const [scope, { until, reason }] of this.coolings) if (scope !== KEY_WIDE && until > now) active.push({ scope, until, reason });
    return active.sort((a, b) => a.until - b.until);
  }

  /** Cools the key for `scope` until `until`. Concurrent marks keep the later deadline. */
  markCooling(until: number, reason: string, now: number, scope: CoolingScope = KEY_WIDE): void {
    // Only a ready or cooling key cools; a key known dead stays dead.
    if (this.baseState !== 'ready') return;
    const previous = this.stateAt(now, scope);
    const current = this.coolings.get(scope);
    const deadline = current && current.until > now ? Math.max(current.until, until) : until;
    if (current && current.until === deadline && current.reason === this.redact(reason)) return;
    this.pruneCoolings(now, scope);
    const clean = this.redact(reason);
    this.coolings.set(scope, { until: deadline, reason: clean });
    if (scope === KEY_WIDE) this.reason = clean;
    this.onChange({ key: this, previous, scope: scope === KEY_WIDE ? undefined : scope });
  }

  /** Drops ended cooldowns, and the soonest-ending model one when a new scope would pass the cap (never the key-wide one). */
  private pruneCoolings(now: number, adding: CoolingScope): void {
    for (const [scope, { until }] of this.coolings) if (until <= now) this.coolings.delete(scope);
    if (this.coolings.size < MAX_COOLINGS || this.coolings.has(adding)) return;
    const soonest = [...this.coolings]
      .filter(([scope]) => scope !== KEY_WIDE)
      .sort((a, b) => a[1].until - b[1].until)
      .at(0);
    if (soonest) this.coolings.delete(soonest[0]);
  }

  markExhausted(reason: string, retestAt: number, now: number): void {
    if (this.stateAt(now) === 'retired') return;
    this.transition('exhausted', now, () => {
      this.reason = this.redact(reason);
      this.retestAt = retestAt;
    });
  }

  markInvalid(reason: string, retestAt: number, now: number): void {
    if (this.stateAt(now) === 'retired') return;
    this.transition('invalid', now, () => {
      this.reason = this.redact(reason);
      this.retestAt = retestAt;
    });
  }

  /**
   * A test succeeded with this key: it is accepted again. Cooldowns for single
   * models stay: the test asked no model, and those limits are the provider's word.
   */
  markReady(now: number): void {
    if (this.baseState === 'retired' || this.stateAt(now) === 'ready') return;
    this.transition('ready', now, () => {
      this.reason = undefined;
      this.retestAt = undefined;
      this.retestFailures = 0;
      this.coolings.delete(KEY_WIDE);
    });
  }

  retire(now: number): void {
    this.transition('retired', now, () => {
      this.reason = 'retired by user';
      this.retestAt = undefined;
    });
  }

  restore(now: number): void {
    if (this.baseState !== 'retired') return;
    this.transition('ready', now, () => {
      this.reason = undefined;
      this.retestFailures = 0;
      this.coolings.clear();
    });
  }

  /** Returns when the current run of connection failures began. */
  connectionFailed(now: number): number {
    if (this.connectionFailures++ === 0) this.connectionStreakStart = now;
    return this.connectionStreakStart;
  }

  connectionSucceeded(now: number): void {
    this.connectionFailures = 0;
    this.benchedUntil = 0;
    this.lastSuccessAt = now;
  }

  /** Passed over by selection while a sibling is available; not a health state, nothing persists it. */
  bench(until: number): void {
    this.benchedUntil = Math.max(this.benchedUntil, until);
  }

  isBenched(now: number): boolean {
    return this.benchedUntil > now;
  }

  /** Until when the key is benched, if it is. */
  benchedUntilAt(now: number): number | undefined {
    return this.isBenched(now) ? this.benchedUntil : undefined;
  }

  recordFailure(kind: FailureClass, message: string): void {
    this.stats.failures[kind] = (this.stats.failures[kind] ?? 0) + 1;
    this.stats.lastError = this.redact(message);
  }

  persisted(now: number): PersistedKeyHealth | undefined {
    const state = this.stateAt(now);
    const cooling = this.scopedCoolings(now);
    if (state === 'ready' && cooling.length === 0) return undefined;
    return {
      state,
      until: state === 'cooling' ? this.coolingDeadline(now) : undefined,
      reason: state === 'ready' ? undefined : this.reason,
      retestAt: this.retestAt,
      retestFailures: this.retestFailures || undefined,
      cooling: cooling.length ? cooling : undefined,
    };
  }

  /**
   * Restores health saved by an earlier run (or another window) without firing change events.
   * Returns true when a saved reason quoted the key (state written before reasons were redacted): save again.
   */
  restorePersisted(saved: PersistedKeyHealth, now: number): boolean {
    let scrubbed = false;
    const clean = (reason: string | undefined): string | undefined => {
      const redacted = reason === undefined ? undefined : this.redact(reason);
      if (redacted !== reason) scrubbed = true;
      return redacted;
    };
    this.baseState = saved.state === 'cooling' ? 'ready' : saved.state;
    this.coolings.clear();
    if (saved.state === 'cooling' && (saved.until ?? 0) > now)
      this.coolings.set(KEY_WIDE, { until: saved.until ?? 0, reason: clean(saved.reason) ?? 'rate limit' });
    // The file may be hand-edited or from another version: each entry is checked, not trusted.
    const entries: unknown[] = Array.isArray(saved.cooling) ? saved.cooling.slice(0, MAX_COOLINGS) : [];
    for (const entry of entries) {
      const c = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<Cooling>;
      if (typeof c.scope === 'string' && typeof c.until === 'number' && c.until > now)
        this.coolings.set(c.scope, { until: c.until, reason: clean(c.reason) ?? 'rate limit' });
    }
    this.reason = saved.state === 'ready' ? undefined : clean(saved.reason);
    this.retestAt = saved.retestAt;
    this.retestFailures = saved.retestFailures ?? 0;
    return scrubbed;
  }

  /** Providers quote the key they were sent in their errors; a reason or last error never keeps it. */
  private redact(text: string): string {
    return redactSecrets(text, [this.#secret]);
  }

  private transition(next: Exclude<KeyState, 'cooling'>, now: number, apply: () => void): void {
    const previous = this.stateAt(now);
    const before = `${this.baseState}|${this.reason}|${this.retestAt}`;
    this.baseState = next;
    apply();
    if (previous !== this.stateAt(now) || before !== `${this.baseState}|${this.reason}|${this.retestAt}`) {
      this.onChange({ key: this, previous });
    }
  }
}
