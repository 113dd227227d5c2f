import type { IncomingHttpHeaders } from 'node:http';
import type { Protocol } from '../config';
import type { Endpoint } from '../protocols/protocol';

export interface ClientPath {
  protocol: Protocol;
  endpoint: Endpoint;
  /** Path below the pool's base URL, with the query string. */
  upstreamPath: string;
}

/** The base URLs agents are given: one per protocol, in the form each SDK expects. */
export const OPENAI_PREFIX = '/openai/v1';
export const ANTHROPIC_PREFIX = '/anthropic';

/** The base URLs of the bridge on this machine's `port`, as agents are given them. */
export function loopbackBaseUrls(port: number): Record<Protocol, string> {
  const root = `http://127.0.0.1:${port}`;
  return { openai: root + OPENAI_PREFIX, anthropic: root + ANTHROPIC_PREFIX };
}

/** The bridge's root (scheme, host and port) from its OpenAI base URL: what `KEYBRIDGE_URL` names. */
export function bridgeRootOf(openaiBaseUrl: string): string {
  return openaiBaseUrl.endsWith(OPENAI_PREFIX) ? openaiBaseUrl.slice(0, -OPENAI_PREFIX.length) : openaiBaseUrl;
}

function openaiEndpoint(rest: string): Endpoint {
  if (rest === '/chat/completions') return 'chat';
  if (rest === '/responses') return 'responses';
  if (rest === '/embeddings') return 'embeddings';
  if (rest === '/models') return 'models';
  return 'other';
}

function anthropicEndpoint(rest: string): Endpoint {
  if (rest === '/v1/messages') return 'messages';
  if (rest === '/v1/messages/count_tokens') return 'count_tokens';
  if (rest === '/v1/models') return 'models';
  return 'other';
}

/**
 * Maps a client URL to a protocol and the path below a pool's base URL.
 * `/openai/v1/...` and `/anthropic/v1/...` are the documented forms. The bare
 * `/v1/...` form is accepted too: `/v1/messages*` is Anthropic's, `/v1/models`
 * goes by the Anthropic headers, everything else is OpenAI's.
 */
export function resolveClientPath(url: string, headers: IncomingHttpHeaders): ClientPath | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  if (path.includes('..') || path.includes('//')) return undefined;

  if (path.startsWith(`${OPENAI_PREFIX}/`)) {
    const rest = path.slice(OPENAI_PREFIX.length);
    return { protocol: 'openai', endpoint: openaiEndpoint(rest), upstreamPath: rest + query };
  }
  if (path.startsWith(`${ANTHROPIC_PREFIX}/v1/`)) {
    const rest = path.slice(ANTHROPIC_PREFIX.length);
    return { protocol: 'anthropic', endpoint: anthropicEndpoint(rest), upstreamPath: rest + query };
  }
  if (path.startsWith('/v1/')) {
    const anthropic =
      path === '/v1/messages' ||
      path.startsWith('/v1/messages/') ||
      (path === '/v1/models' && (headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined));
    if (anthropic) return { protocol: 'anthropic', endpoint: anthropicEndpoint(path), upstreamPath: path + query };
    const rest = path.slice(3);
    return { protocol: 'openai', endpoint: openaiEndpoint(rest), upstreamPath: rest + query };
  }
  return undefined;
}

const PERCENT = /%([0-9a-f]{2})/gi;

/**
 * Whether a client path holds a dot segment in any spelling a server on the
 * way might decode: `..` or `.` between slashes or backslashes, literal,
 * percent-encoded in any case, or encoded twice. Such a path could leave the
 * pool's base path once the provider normalises it, with the pool's key.
 */
export function hasDotSegment(url: string): boolean {
  const q = url.indexOf('?');
  let form = q === -1 ? url : url.slice(0, q);
  // Nearly every API path holds no dot, escape or backslash at all: nothing to decode (hot path).
  if (!/[.%\\]/.test(form)) return false;
  for (let decodings = 0; decodings < 3; decodings++) {
    if (form.split(/[\\/]/).some((segment) => segment === '.' || segment === '..')) return true;
    const next = form.replace(PERCENT, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === form) return false;
    form = next;
  }
  // Encoded three times or more: no provider path needs that.
  return true;
}

/** The protocol to answer in when the path says nothing reliable. */
export function guessProtocol(url: string, headers: IncomingHttpHeaders): Protocol {
  if (url.startsWith(ANTHROPIC_PREFIX) || url.startsWith('/v1/messages')) return 'anthropic';
  return headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}
