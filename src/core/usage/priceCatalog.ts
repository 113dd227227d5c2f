import type * as GenaiPrices from '@pydantic/genai-prices';
import type { TokenPrices } from '../config';
import type { PriceCatalog } from './price';

type ModelPrice = GenaiPrices.ModelPrice;

let source: typeof GenaiPrices | undefined;

/**
 * The price data, loaded at the first report rather than at activation: evaluating it takes tens of
 * milliseconds, which the extension's start should not pay. A `require` the bundler keeps lazy.
 */
function prices(): typeof GenaiPrices {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  source ??= require('@pydantic/genai-prices') as typeof GenaiPrices;
  return source;
}

/** A price, or the base price of one that rises with the prompt's size (a rollup no longer knows each prompt's size). */
function perMillion(price: ModelPrice[string]): number | undefined {
  if (typeof price === 'number') return price;
  return price?.base;
}

/**
 * The prices `@pydantic/genai-prices` bundles (docs/ARCHITECTURE.md §10): data maintained upstream and shipped
 * in the package, read in memory. It is never asked to update itself, so pricing makes no network request.
 * The provider is found by the pool's base URL, else by the model's name (a local proxy serving `gpt-4.1-mini`
 * is priced as OpenAI's).
 */
export const bundledPriceCatalog: PriceCatalog = {
  lookup(baseUrl: string, model: string): TokenPrices | undefined {
    const none = { input_tokens: 0 };
    const { calcPrice } = prices();
    let result;
    try {
      result = calcPrice(none, model, baseUrl ? { providerApiUrl: baseUrl } : undefined) ?? (baseUrl ? calcPrice(none, model) : null);
    } catch {
      // A model id the source's patterns cannot take is a model without a price, not a failed report.
      return undefined;
    }
    if (!result) return undefined;
    const input = perMillion(result.model_price.input_mtok);
    const output = perMillion(result.model_price.output_mtok);
    if (input === undefined || output === undefined) return undefined;
    return { input, output, cacheRead: perMillion(result.model_price.cache_read_mtok), cacheWrite: perMillion(result.model_price.cache_write_mtok) };
  },
};
