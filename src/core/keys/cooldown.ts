/**
 * How long a rate-limited key should rest, from the provider's own signals.
 * First match wins: retry-after-ms, retry-after, the provider's reset headers
 * for an exhausted window, else the caller's default.
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

const MAX_COOLDOWN_MS = 24 * 60 * 60_000;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a Go duration as OpenAI sends it: `1s`, `6m0s`, `12ms`, `1h2m3.5s`. */
export function parseGoDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match; match = part.exec(trimmed)) {
    total += Number(match[1]) * unitMs[match[2]];
    consumed = part.lastIndex;
  }
  return consumed === trimmed.length && consumed > 0 ? total : undefined;
}

/** `retry-after`: delay in (possibly fractional) seconds, or an HTTP date. */
export function parseRetryAfter(text: string, now: number): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return undefined;
  return Math.max(0, date - now);
}

function openAiResetMs(headers: HeaderBag): number | undefined {
  let longest: number | undefined;
  for (const kind of ['requests', 'tokens']) {
    const remaining = header(headers, `x-ratelimit-remaining-${kind}`);
    const reset = header(headers, `x-ratelimit-reset-${kind}`);
    if (reset === undefined || (remaining !== undefined && Number(remaining) > 0)) continue;
    const ms = parseGoDuration(reset);
    if (ms !== undefined) longest = Math.max(longest ?? 0, ms);
  }
  return longest;
}

function anthropicResetMs(headers: HeaderBag, now: number): number | undefined {
  let longest: number | undefined;
  for (const kind of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    const remaining = header(headers, `anthropic-ratelimit-${kind}-remaining`);
    const reset = header(headers, `anthropic-ratelimit-${kind}-reset`);
    if (reset === undefined || (remaining !== undefined && Number(remaining) > 0)) continue;
    const at = Date.parse(reset);
    if (!Number.isNaN(at)) longest = Math.max(longest ?? 0, at - now);
  }
  return longest;
}

/** The cooldown the provider asked for, in ms, or undefined when it gave no usable hint. */
export function cooldownFromHeaders(headers: HeaderBag, now: number): number | undefined {
  const candidates: Array<() => number | undefined> = [
    () => {
      const ms = header(headers, 'retry-after-ms');
      return ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim()) ? Number(ms) : undefined;
    },
    () => {
      const value = header(headers, 'retry-after');
      return value === undefined ? undefined : parseRetryAfter(value, now);
    },
    () => openAiResetMs(headers),
    () => anthropicResetMs(headers, now),
  ];
  for (const candidate of candidates) {
    const ms = candidate();
    if (ms !== undefined && Number.isFinite(ms) && ms >= 0) return Math.min(ms, MAX_COOLDOWN_MS);
  }
  return undefined;
}

/** A default cooldown spread by ±20% so that keys limited together do not all return together. */
export function jitteredDefault(defaultMs: number, random: () => number = Math.random): number {
  return Math.round(defaultMs * (0.8 + 0.4 * random()));
}
