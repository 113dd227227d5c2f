import type { BaseUrls } from '../config';
import { PROTOCOL_ADAPTERS } from '../protocols/table';

/** The base URLs of the bridge on this machine's `port`, as agents are given them: one per protocol, in the form each SDK expects. */
export function loopbackBaseUrls(port: number): BaseUrls {
  const root = `http://127.0.0.1:${port}`;
  return Object.fromEntries(PROTOCOL_ADAPTERS.map((a) => [a.protocol, root + a.clientPrefix])) as BaseUrls;
}

/** The bridge's root (scheme, host and port) from one of its base URLs: what `KEYBRIDGE_URL` names. */
export function bridgeRootOf(baseUrls: BaseUrls): string {
  for (const adapter of PROTOCOL_ADAPTERS) {
    const url = baseUrls[adapter.protocol];
    if (url.endsWith(adapter.clientPrefix)) return url.slice(0, -adapter.clientPrefix.length);
  }
  return baseUrls[PROTOCOL_ADAPTERS[0].protocol];
}

/** The base URLs agents are given, as a sentence: "http://…/openai/v1 (OpenAI) or http://…/anthropic (Anthropic)". */
export function baseUrlList(root: string, join = ' or '): string {
  return PROTOCOL_ADAPTERS.map((a) => `${root}${a.clientPrefix} (${a.label})`).join(join);
}

const PERCENT = /%([0-9a-f]{2})/gi;

/** A request target without its query. */
export function withoutQuery(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Whether a client path holds a dot segment in any spelling a server on the
 * way might decode: `..` or `.` between slashes or backslashes, literal,
 * percent-encoded in any case, or encoded twice. Such a path could leave the
 * pool's base path once the provider normalises it, with the pool's key.
 */
export function hasDotSegment(url: string): boolean {
  let form = withoutQuery(url);
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
