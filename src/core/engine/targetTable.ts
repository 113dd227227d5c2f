import { KEY_WIDE } from '../keys/keyHealth';

/** Models kept per pool: a client can name a new model on every request, and no table may grow for ever. */
const MAX_MODELS_PER_POOL = 256;

/**
 * Something kept per target, a pool asked for one upstream model: its
 * breaker, its retry budget, its first-event history. A provider fails, and
 * answers slowly, per model.
 */
export class TargetTable<T> {
  private readonly byPool = new Map<string, Map<string, T>>();

  constructor(private readonly make: () => T) {}

  get(poolId: string, model: string | undefined): T {
    let byModel = this.byPool.get(poolId);
    if (!byModel) {
      byModel = new Map();
      this.byPool.set(poolId, byModel);
    }
    const scope = model ?? KEY_WIDE;
    let entry = byModel.get(scope);
    if (entry === undefined) {
      entry = this.make();
      if (byModel.size >= MAX_MODELS_PER_POOL) byModel.delete(byModel.keys().next().value as string);
      byModel.set(scope, entry);
    }
    return entry;
  }

  /** The pool's entries by model ('*' when requests named none); undefined when it has none. */
  ofPool(poolId: string): ReadonlyMap<string, T> | undefined {
    return this.byPool.get(poolId);
  }

  deletePool(poolId: string): void {
    this.byPool.delete(poolId);
  }

  clear(): void {
    this.byPool.clear();
  }
}
