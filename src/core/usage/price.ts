import type { TokenPrices } from '../config';
import type { UsageSums } from './usageRecord';

/** Where prices come from when the config names none: a maintained source (priceCatalog.ts). */
export interface PriceCatalog {
  /** The prices of `model` at the provider serving `baseUrl`; undefined when the source does not know it. */
  lookup(baseUrl: string, model: string): TokenPrices | undefined;
}

/** A pool as pricing sees it: where it sends, and the prices its config sets (model or `*` pattern → prices). */
export interface PricedPool {
  id: string;
  baseUrl: string;
  prices?: Record<string, TokenPrices>;
}

/** The tokens of a row that pricing reads. */
type TokenSums = Pick<UsageSums, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens'>;

/** The cost of some tokens at some prices, in USD. The four kinds are disjoint (see UsageRecord). */
export function costOf(tokens: TokenSums, prices: TokenPrices): number {
  return (
    (tokens.inputTokens * prices.input +
      tokens.outputTokens * prices.output +
      tokens.cacheReadTokens * (prices.cacheRead ?? prices.input) +
      tokens.cacheWriteTokens * (prices.cacheWrite ?? prices.input)) /
    1_000_000
  );
}

/** Whether `model` matches a price key: the model itself, or a pattern with `*` wildcards (case-insensitive). */
function matches(pattern: string, model: string): boolean {
  if (!pattern.includes('*')) return pattern.toLowerCase() === model.toLowerCase();
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(model);
}

/** The override for `model`: an exact key wins over a pattern, a longer pattern over a shorter one. */
function overrideFor(prices: Record<string, TokenPrices> | undefined, model: string): TokenPrices | undefined {
  if (!prices) return undefined;
  const keys = Object.keys(prices).filter((key) => matches(key, model));
  keys.sort((a, b) => Number(a.includes('*')) - Number(b.includes('*')) || b.length - a.length);
  return keys.length ? prices[keys[0]] : undefined;
}

/**
 * Prices a usage row at query time, so a newer price source or a changed override re-prices the history: the
 * pool's own prices first (negotiated prices, providers the source lacks), then the catalog by the pool's base
 * URL. A pool no longer configured is priced by the catalog from the model alone. Memoised per pool and model.
 */
export class Pricer {
  private readonly pools: Map<string, PricedPool>;
  private readonly memo = new Map<string, TokenPrices | null>();

  constructor(
    private readonly catalog: PriceCatalog | undefined,
    pools: readonly PricedPool[],
  ) {
    this.pools = new Map(pools.map((pool) => [pool.id, pool]));
  }

  pricesOf(poolId: string, model: string): TokenPrices | undefined {
    if (!model) return undefined;
    const id = `${poolId}\u0000${model}`;
    let prices = this.memo.get(id);
    if (prices === undefined) {
      const pool = this.pools.get(poolId);
      prices = overrideFor(pool?.prices, model) ?? this.catalog?.lookup(pool?.baseUrl ?? '', model) ?? null;
      this.memo.set(id, prices);
    }
    return prices ?? undefined;
  }
}
