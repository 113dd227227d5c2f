import type { Deadlines, KeySpec, PoolSpec, Protocol, SelectionStrategy, UsageCap } from '../config';
import type { PrefillStyle } from '../configSchema';
import { poolDialect, type DialectId } from '../providers/dialect';
import { FillFirstSelector, RoundRobinSelector, WeightedSelector, type KeySelector } from './selection';
import { KeyRecord, type CoolingScope, type KeyHealthChange, type KeyState } from './keyHealth';

const NO_CAPS: readonly UsageCap[] = Object.freeze([]);

/** Models whose last request time a pool keeps; the one asked longest ago goes first. */
const MAX_ASKED_MODELS = 32;

export interface PoolAvailability {
  counts: Record<KeyState, number>;
  /** Earliest moment a cooling key becomes ready again, if any key is cooling. */
  soonestRecovery: number | undefined;
}

/** What one attempt asks of the pool. */
export interface PickOptions {
  /** The model the attempt is for: keys cooling for it are not available. */
  scope?: CoolingScope;
  /** Keys that already failed this request on a key-specific error: never picked again. */
  exclude?: ReadonlySet<KeyRecord>;
  /** Keys to avoid while another is available (the key a transient failure just hit). */
  avoid?: ReadonlySet<KeyRecord>;
  /** Session affinity: this key id wins while it is available. */
  prefer?: string;
}

function makeSelector(strategy: SelectionStrategy): KeySelector {
  switch (strategy) {
    case 'round-robin':
      return new RoundRobinSelector();
    case 'weighted':
      return new WeightedSelector();
    default:
      return new FillFirstSelector();
  }
}

/** The keys of one provider account kind, and how to choose among them. */
export class KeyPool {
  private spec: PoolSpec;
  private selector: KeySelector;
  private records: KeyRecord[] = [];
  /** When each model was last asked of this pool, oldest first (bounded: a client can name any model). */
  private readonly asked = new Map<string, number>();
  /** The newest entry of `asked`: asked again (nearly every request of a session), it only takes the new time. */
  private lastAsked: string | undefined;

  /** The provider's dialect, resolved once per configuration: the pool's (or its preset's), else its base URL's (providers/dialect.ts). */
  private resolvedDialect: DialectId;

  constructor(
    spec: PoolSpec,
    private readonly onChange: (pool: KeyPool, change: KeyHealthChange) => void,
  ) {
    this.spec = spec;
    this.resolvedDialect = poolDialect(spec);
    this.selector = makeSelector(spec.strategy);
    this.records = spec.keys.map((k) => this.createRecord(k));
  }

  get id(): string {
    return this.spec.id;
  }
  get label(): string {
    return this.spec.label ?? this.spec.id;
  }
  get protocol(): Protocol {
    return this.spec.protocol;
  }
  get baseUrl(): string {
    return this.spec.baseUrl;
  }
  get strategy(): SelectionStrategy {
    return this.spec.strategy;
  }
  get extraHeaders(): Record<string, string> | undefined {
    return this.spec.headers;
  }
  get testPath(): string | undefined {
    return this.spec.testPath;
  }
  get keys(): readonly KeyRecord[] {
    return this.records;
  }

  key(id: string): KeyRecord | undefined {
    return this.records.find((k) => k.id === id);
  }

  /**
   * Applies a new spec. A key keeps its health and stats while its id and
   * secret are unchanged; a changed secret is a new key.
   */
  update(spec: PoolSpec): void {
    if (spec.strategy !== this.spec.strategy) this.selector = makeSelector(spec.strategy);
    const byId = new Map(this.records.map((r) => [r.id, r]));
    this.spec = spec;
    this.resolvedDialect = poolDialect(spec);
    this.records = spec.keys.map((k) => {
      const existing = byId.get(k.id);
      return existing && existing.secret === k.secret && existing.weight === (k.weight ?? 1) ? existing : this.createRecord(k);
    });
  }

  /** Opt-in usage caps; a key at one cools key-wide until its period turns (docs/ARCHITECTURE.md §10). */
  get caps(): readonly UsageCap[] {
    // One shared empty list: every attempt asks, and a pool without caps should not pay an allocation for it.
    return this.spec.caps ?? NO_CAPS;
  }

  get deadlines(): Partial<Deadlines> | undefined {
    return this.spec.deadlines;
  }

  /** Whether some key could serve now or soon (ready or only cooling): a target worth moving on to. */
  mayServe(now: number): boolean {
    return this.records.some((k) => {
      const state = k.stateAt(now);
      return state === 'ready' || state === 'cooling';
    });
  }

  /** How the provider's OpenAI-compatible API differs from OpenAI's: what translation to it must do differently. */
  get dialect(): DialectId {
    return this.resolvedDialect;
  }

  /** OpenAI-compatible pools: whether the provider has the Responses API (unless the config says otherwise, it has). */
  get responses(): boolean {
    return this.spec.responses !== false;
  }

  /** How the provider continues a started answer, as the pool declares it; undefined: its protocol's default (the protocol table's). */
  get prefill(): PrefillStyle | undefined {
    return this.spec.prefill;
  }

  /** Whether the pool's keys share one account's limits: a 429 then cools the model for every key. */
  get sharedLimits(): boolean {
    return this.spec.sharedLimits === true;
  }

  /**
   * Chooses a key for one attempt. Keys benched for connection failures and
   * keys in `avoid` are passed over while any other key is available (an
   * avoided key last of all); the preferred (session) key wins among what is
   * left.
   */
  pick(now: number, options: PickOptions = {}): KeyRecord | undefined {
    const { scope, exclude, avoid, prefer } = options;
    // One pass sorts the available keys into tiers, each in pool order; a tier is only made when a key falls in it.
    let fresh: KeyRecord[] | undefined;
    let benched: KeyRecord[] | undefined;
    let avoided: KeyRecord[] | undefined;
    for (const k of this.records) {
      if (!k.isAvailable(now, scope) || exclude?.has(k)) continue;
      if (avoid?.has(k)) (avoided ??= []).push(k);
      else if (k.isBenched(now)) (benched ??= []).push(k);
      else (fresh ??= []).push(k);
    }
    // A key that failed this very request is a worse bet than one benched for failures in recent ones.
    const candidates = fresh ?? benched ?? avoided;
    if (!candidates) return undefined;
    if (prefer) {
      const preferred = candidates.find((k) => k.id === prefer);
      if (preferred) return preferred;
    }
    return this.selector.pick(candidates, this.records);
  }

  /** A request asked this pool for `model`: the health display names the models in use. */
  noteAsked(model: string, now: number): void {
    if (model !== this.lastAsked) {
      this.asked.delete(model);
      if (this.asked.size >= MAX_ASKED_MODELS) this.asked.delete(this.asked.keys().next().value as string);
      this.lastAsked = model;
    }
    this.asked.set(model, now);
  }

  /** Models asked of this pool at or after `since`, most recent first. */
  modelsAskedSince(since: number): string[] {
    return [...this.asked]
      .filter(([, at]) => at >= since)
      .reverse()
      .map(([model]) => model);
  }

  succeeded(key: KeyRecord, now: number): void {
    key.connectionSucceeded(now);
    this.selector.succeeded(key);
  }

  /**
   * A provider-transient failure (5xx, reset) on this key. Keys are not
   * blamed for a struggling provider, but a key whose own connections keep
   * failing while a sibling succeeds is passed over for `benchMs`.
   */
  connectionFailed(key: KeyRecord, now: number, benchMs: number): void {
    const streakStart = key.connectionFailed(now);
    if (key.connectionFailures < 2) return;
    if (this.records.some((k) => k !== key && k.lastSuccessAt !== undefined && k.lastSuccessAt >= streakStart)) key.bench(now + benchMs);
  }

  /** Key counts by state for `scope`, and when the first cooling key recovers for it. */
  availability(now: number, scope?: CoolingScope): PoolAvailability {
    const counts: Record<KeyState, number> = { ready: 0, cooling: 0, exhausted: 0, invalid: 0, retired: 0 };
    let soonestRecovery: number | undefined;
    for (const key of this.records) {
      counts[key.stateAt(now, scope)]++;
      const deadline = key.coolingDeadline(now, scope);
      if (deadline !== undefined && (soonestRecovery === undefined || deadline < soonestRecovery)) soonestRecovery = deadline;
    }
    return { counts, soonestRecovery };
  }

  private createRecord(spec: KeySpec): KeyRecord {
    return new KeyRecord(spec, (change) => this.onChange(this, change));
  }
}
