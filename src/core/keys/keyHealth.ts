import { fingerprintSecret, maskSecret, redactSecrets } from '../secrets';
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

/** Health that survives a restart; keyed by fingerprint, never by secret. */
export interface PersistedKeyHealth {
  state: Exclude<KeyState, 'ready'>;
  until?: number;
  reason?: string;
  retestAt?: number;
  retestFailures?: number;
}

export interface KeyHealthChange {
  key: KeyRecord;
  previous: KeyState;
}

/**
 * One key's identity, health and stats. Cooling ends lazily: the state reads
 * `ready` once `until` has passed, so no timers are needed.
 */
export class KeyRecord {
  readonly id: string;
  readonly label: string;
  readonly masked: string;
  readonly fingerprint: string;
  readonly weight: number;
  // A private field: JSON.stringify and util.inspect never show it.
  readonly #secret: string;

  private baseState: KeyState = 'ready';
  private coolingUntil = 0;
  reason: string | undefined;
  /** When the next automatic re-test of an invalid or exhausted key is due. */
  retestAt: number | undefined;
  retestFailures = 0;
  readonly stats: KeyStats = { requests: 0, successes: 0, failures: {}, inputTokens: 0, outputTokens: 0 };

  constructor(spec: KeySpec, private readonly onChange: (change: KeyHealthChange) => void) {
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

  stateAt(now: number): KeyState {
    if (this.baseState === 'cooling' && now >= this.coolingUntil) return 'ready';
    return this.baseState;
  }

  isAvailable(now: number): boolean {
    return this.stateAt(now) === 'ready';
  }

  /** The deadline of a cooling key; undefined in every other state. */
  coolingDeadline(now: number): number | undefined {
    return this.stateAt(now) === 'cooling' ? this.coolingUntil : undefined;
  }

  markCooling(until: number, reason: string, now: number): void {
    const state = this.stateAt(now);
    // Only a ready or cooling key cools; a key known dead stays dead. Concurrent marks keep the later deadline.
    if (state !== 'ready' && state !== 'cooling') return;
    const deadline = state === 'cooling' ? Math.max(this.coolingUntil, until) : until;
    this.transition('cooling', now, () => {
      this.coolingUntil = deadline;
      this.reason = this.redact(reason);
    });
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

  /** A request or test succeeded with this key. */
  markReady(now: number): void {
    if (this.stateAt(now) === 'retired' || this.stateAt(now) === 'ready') return;
    this.transition('ready', now, () => {
      this.reason = undefined;
      this.retestAt = undefined;
      this.retestFailures = 0;
      this.coolingUntil = 0;
    });
  }

  retire(now: number): void {
    this.transition('retired', now, () => {
      this.reason = 'retired by user';
      this.retestAt = undefined;
    });
  }

  restore(now: number): void {
    if (this.stateAt(now) !== 'retired') return;
    this.transition('ready', now, () => {
      this.reason = undefined;
      this.retestFailures = 0;
      this.coolingUntil = 0;
    });
  }

  recordFailure(kind: FailureClass, message: string): void {
    this.stats.failures[kind] = (this.stats.failures[kind] ?? 0) + 1;
    this.stats.lastError = this.redact(message);
  }

  persisted(now: number): PersistedKeyHealth | undefined {
    const state = this.stateAt(now);
    if (state === 'ready') return undefined;
    return {
      state,
      until: state === 'cooling' ? this.coolingUntil : undefined,
      reason: this.reason,
      retestAt: this.retestAt,
      retestFailures: this.retestFailures || undefined,
    };
  }

  /**
   * Restores health saved by an earlier run (or another window) without firing change events.
   * Returns true when the saved reason quoted the key (state written before reasons were redacted): save again.
   */
  restorePersisted(saved: PersistedKeyHealth, now: number): boolean {
    if (saved.state === 'cooling' && (saved.until ?? 0) <= now) return false;
    this.baseState = saved.state;
    this.coolingUntil = saved.until ?? 0;
    this.reason = saved.reason === undefined ? undefined : this.redact(saved.reason);
    this.retestAt = saved.retestAt;
    this.retestFailures = saved.retestFailures ?? 0;
    return this.reason !== saved.reason;
  }

  /** Providers quote the key they were sent in their errors; a reason or last error never keeps it. */
  private redact(text: string): string {
    return redactSecrets(text, [this.#secret]);
  }

  private transition(next: KeyState, now: number, apply: () => void): void {
    const previous = this.stateAt(now);
    const before = `${this.coolingUntil}|${this.reason}|${this.retestAt}`;
    this.baseState = next;
    apply();
    if (previous !== next || before !== `${this.coolingUntil}|${this.reason}|${this.retestAt}`) {
      this.onChange({ key: this, previous });
    }
  }
}
