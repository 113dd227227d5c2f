import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { PROTOCOL_ADAPTERS } from '../protocols/table';
import { redactSecrets } from '../secrets';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and framing headers each hop sets for itself. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // Answered by the bridge itself (100 Continue); undici refuses to send it.
  'expect',
]);

/**
 * Client headers never forwarded: the local token (replaced by the pool key) in every header a protocol's
 * clients carry a credential in (the protocol table's `authHeaders`: `authorization`, `x-api-key`,
 * `x-goog-api-key`) and in `api-key` (Azure OpenAI's, which some OpenAI clients send); the caller's own account
 * selectors (they belong to the caller's key, not the pool's), browser context, and encodings we could not
 * inspect. Built once, at module load: this is looked up for every header of every request.
 */
const CLIENT_ONLY = new Set([
  ...PROTOCOL_ADAPTERS.flatMap((adapter) => Object.keys(adapter.authHeaders(''))),
  'api-key',
  'openai-organization',
  'openai-project',
  'cookie',
  'origin',
  'referer',
  'accept-encoding',
]);

/** Response headers the client must not receive from upstream. */
const UPSTREAM_ONLY = new Set(['set-cookie']);

function connectionNamed(headers: IncomingHttpHeaders | Record<string, unknown>): Set<string> | undefined {
  const value = headers['connection'];
  // What nearly every client and provider sends: nothing beyond the connection's own fate is named.
  if (typeof value !== 'string' || value === 'keep-alive' || value === 'close') return undefined;
  const names = value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v && v !== 'close' && v !== 'keep-alive');
  return names.length ? new Set(names) : undefined;
}

/** Headers for one upstream attempt: the client's, cleaned, with the pool's credential. */
export function buildUpstreamHeaders(
  client: IncomingHttpHeaders,
  defaults: Record<string, string>,
  extra: Record<string, string> | undefined,
  auth: Record<string, string>,
): Record<string, string> {
  const named = connectionNamed(client);
  const out: Record<string, string> = {};
  for (const name in client) {
    if (HOP_BY_HOP.has(name) || CLIENT_ONLY.has(name) || named?.has(name)) continue;
    const value = client[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  for (const name in defaults) if (!Object.hasOwn(out, name)) out[name] = defaults[name];
  if (extra) for (const name in extra) out[name.toLowerCase()] = extra[name];
  out['accept-encoding'] = 'identity';
  for (const name in auth) out[name] = auth[name];
  return out;
}

/**
 * Upstream response headers as the client may see them. With the attempt's
 * key, any quote of it is masked (ASCII: `…` is not a legal header character).
 */
export function buildClientHeaders(upstream: Record<string, string | string[] | undefined>, secret?: string): OutgoingHttpHeaders {
  const named = connectionNamed(upstream);
  const out: OutgoingHttpHeaders = {};
  let all = '';
  for (const name in upstream) {
    if ((HOP_BY_HOP.has(name) && name !== 'content-length') || UPSTREAM_ONLY.has(name) || named?.has(name)) continue;
    const value = upstream[name];
    if (value === undefined) continue;
    out[name] = value;
    if (secret !== undefined) all += `${Array.isArray(value) ? value.join('\n') : value}\n`;
  }
  // One search over all the values: nearly every answer quotes nothing, and then each value is left as it came.
  if (secret === undefined || redactSecrets(all, [secret]) === all) return out;
  for (const name in out) {
    const value = out[name] as string | string[];
    out[name] = Array.isArray(value) ? value.map((v) => redactSecrets(v, [secret], 'header')) : redactSecrets(value, [secret], 'header');
  }
  return out;
}

/** Headers that tell an agent how the provider limits it; forwarded on every 429 the client sees. */
export function rateLimitHeaders(upstream: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (name === 'retry-after' || name === 'retry-after-ms' || name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-')) {
      const value = upstream[name];
      if (value !== undefined) out[name] = value;
    }
  }
  return out;
}

export function isEventStream(headers: Record<string, string | string[] | undefined>): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.toLowerCase().includes('text/event-stream');
}
