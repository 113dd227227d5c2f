import type { KeyRecord } from './keyHealth';

/**
 * Selection strategies. Each picks among the keys available right now, in
 * configured order. They hold the identity of the last key, never an index,
 * so keys leaving or joining the available set cannot make picks drift.
 */
export interface KeySelector {
  pick(available: readonly KeyRecord[], all: readonly KeyRecord[]): KeyRecord | undefined;
  /** The request succeeded on this key. */
  succeeded(key: KeyRecord): void;
}

/** Sticky active-passive: stay on the key that last worked until it fails; then the first available. */
export class FillFirstSelector implements KeySelector {
  private current: KeyRecord | undefined;

  pick(available: readonly KeyRecord[]): KeyRecord | undefined {
    if (this.current && available.includes(this.current)) return this.current;
    return available[0];
  }

  succeeded(key: KeyRecord): void {
    this.current = key;
  }
}

/** Each pick takes the next available key after the previous pick, in configured order. */
export class RoundRobinSelector implements KeySelector {
  private last: KeyRecord | undefined;

  pick(available: readonly KeyRecord[], all: readonly KeyRecord[]): KeyRecord | undefined {
    if (available.length === 0) return undefined;
    const start = this.last ? all.indexOf(this.last) : -1;
    let chosen = available[0];
    for (let step = 1; step <= all.length; step++) {
      const candidate = all[(start + step + all.length) % all.length];
      if (available.includes(candidate)) {
        chosen = candidate;
        break;
      }
    }
    this.last = chosen;
    return chosen;
  }

  succeeded(): void {}
}

/** Smooth weighted round-robin: deterministic, spreads picks of heavy keys evenly. */
export class WeightedSelector implements KeySelector {
  private readonly current = new WeakMap<KeyRecord, number>();

  pick(available: readonly KeyRecord[]): KeyRecord | undefined {
    let total = 0;
    let best: KeyRecord | undefined;
    for (const key of available) {
      const score = (this.current.get(key) ?? 0) + key.weight;
      this.current.set(key, score);
      total += key.weight;
      if (!best || score > (this.current.get(best) ?? 0)) best = key;
    }
    if (best) this.current.set(best, (this.current.get(best) ?? 0) - total);
    return best;
  }

  succeeded(): void {}
}
