/**
 * The remaining quota a provider reports on its answers (successes too): OpenAI's `x-ratelimit-*` headers (resets
 * as Go durations) and Anthropic's `anthropic-ratelimit-*` headers (resets as RFC 3339 times). Read on every
 * answer, so only a few header lookups when none is there.
 */
import { parseGoDuration, type HeaderBag } from './cooldown';

/** One limit window: how much is left of how much, and when it is whole again (epoch ms). */
interface QuotaWindow {
  limit?: number;
  remaining?: number;
  resetAt?: number;
}

/** What one answer said about the key's limits; `model` when the provider scopes its limits by model. */
export interface KeyQuota {
  /** The model the answer was for ('*' when the request named none). */
  model: string;
  /** When the answer came (epoch ms). */
  seenAt: number;
  requests?: QuotaWindow;
  tokens?: QuotaWindow;
  /** Anthropic counts input and output tokens apart as well. */
  inputTokens?: QuotaWindow;
  outputTokens?: QuotaWindow;
}

type WindowName = 'requests' | 'tokens' | 'inputTokens' | 'outputTokens';

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function window(limit: number | undefined, remaining: number | undefined, resetAt: number | undefined): QuotaWindow | undefined {
  if (limit === undefined && remaining === undefined) return undefined;
  return { limit, remaining, resetAt };
}

const OPENAI: [WindowName, string][] = [
  ['requests', 'requests'],
  ['tokens', 'tokens'],
];
const ANTHROPIC: [WindowName, string][] = [
  ['requests', 'requests'],
  ['tokens', 'tokens'],
  ['inputTokens', 'input-tokens'],
  ['outputTokens', 'output-tokens'],
];

/** The quota an answer's headers report, or undefined when they report none. */
export function quotaFromHeaders(headers: HeaderBag, model: string, now: number): KeyQuota | undefined {
  let quota: KeyQuota | undefined;
  const put = (name: WindowName, w: QuotaWindow | undefined): void => {
    if (!w) return;
    quota ??= { model, seenAt: now };
    quota[name] = w;
  };
  if (headers['x-ratelimit-remaining-requests'] !== undefined || headers['x-ratelimit-remaining-tokens'] !== undefined) {
    for (const [name, kind] of OPENAI) {
      const reset = header(headers, `x-ratelimit-reset-${kind}`);
      const ms = reset === undefined ? undefined : parseGoDuration(reset);
      put(
        name,
        window(
          count(header(headers, `x-ratelimit-limit-${kind}`)),
          count(header(headers, `x-ratelimit-remaining-${kind}`)),
          ms === undefined ? undefined : now + ms,
        ),
      );
    }
  }
  if (
    headers['anthropic-ratelimit-requests-remaining'] !== undefined ||
    headers['anthropic-ratelimit-tokens-remaining'] !== undefined ||
    headers['anthropic-ratelimit-input-tokens-remaining'] !== undefined
  ) {
    for (const [name, kind] of ANTHROPIC) {
      const reset = header(headers, `anthropic-ratelimit-${kind}-reset`);
      const at = reset === undefined ? NaN : Date.parse(reset);
      put(
        name,
        window(
          count(header(headers, `anthropic-ratelimit-${kind}-limit`)),
          count(header(headers, `anthropic-ratelimit-${kind}-remaining`)),
          Number.isNaN(at) ? undefined : at,
        ),
      );
    }
  }
  return quota;
}
