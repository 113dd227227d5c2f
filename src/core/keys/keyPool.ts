import type { KeySpec, PoolSpec, Protocol, SelectionStrategy } from '../config';
import { FillFirstSelector, RoundRobinSelector, WeightedSelector, type KeySelector } from './selection';
import { KeyRecord, type KeyHealthChange, type KeyState } from './keyHealth';

export interface PoolAvailability {
  counts: Record<KeyState, number>;
  /** Earliest moment a cooling key becomes ready again, if any key is cooling. */
  soonestRecovery: number | undefined;
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

  constructor(spec: PoolSpec, private readonly onChange: (pool: KeyPool, change: KeyHealthChange) => void) {
    this.spec = spec;
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
    this.records = spec.keys.map((k) => {
      const existing = byId.get(k.id);
      return existing && existing.secret === k.secret && existing.weight === (k.weight ?? 1) ? existing : this.createRecord(k);
    });
  }

  /**
   * Chooses a key for one attempt. `prefer` (session affinity) wins while it
   * is available; `exclude` holds keys that already failed this request.
   */
  pick(now: number, exclude?: ReadonlySet<KeyRecord>, prefer?: string): KeyRecord | undefined {
    const available = this.records.filter((k) => k.isAvailable(now) && !exclude?.has(k));
    if (available.length === 0) return undefined;
    if (prefer) {
      const preferred = available.find((k) => k.id === prefer);
      if (preferred) return preferred;
    }
    return this.selector.pick(available, this.records);
  }

  succeeded(key: KeyRecord): void {
    this.selector.succeeded(key);
  }

  availability(now: number): PoolAvailability {
    const counts: Record<KeyState, number> = { ready: 0, cooling: 0, exhausted: 0, invalid: 0, retired: 0 };
    let soonestRecovery: number | undefined;
    for (const key of this.records) {
      counts[key.stateAt(now)]++;
      const deadline = key.coolingDeadline(now);
      if (deadline !== undefined && (soonestRecovery === undefined || deadline < soonestRecovery)) soonestRecovery = deadline;
    }
    return { counts, soonestRecovery };
  }

  private createRecord(spec: KeySpec): KeyRecord {
    return new KeyRecord(spec, (change) => this.onChange(this, change));
  }
}
