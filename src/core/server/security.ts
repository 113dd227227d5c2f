import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Shorter tokens are guessable by any local process that can reach the port; generated ones are 35 characters. */
const MIN_TOKEN_LENGTH = 16;

/**
 * What is wrong with the user-supplied tokens, if anything (undefined: not supplied, so generated or off): each at
 * least MIN_TOKEN_LENGTH characters, and the local token (which every agent
 * and terminal holds) never the admin token (which reads and changes key state).
 */
export function tokenProblem(token: string | undefined, adminToken: string | undefined): { which: 'token' | 'adminToken'; message: string } | undefined {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    return { which: 'token', message: `the local access token is ${token.length} character(s); use at least ${MIN_TOKEN_LENGTH}` };
  if (adminToken === undefined) return undefined;
  if (adminToken.length < MIN_TOKEN_LENGTH)
    return { which: 'adminToken', message: `the admin token is ${adminToken.length} character(s); use at least ${MIN_TOKEN_LENGTH}` };
  if (adminToken === token)
    return { which: 'adminToken', message: 'the admin token must differ from the local access token (every agent holds the local one)' };
  return undefined;
}

/** A fresh random token for the local access or admin token. */
export function generateToken(prefix: string): string {
  return `${prefix}-${randomBytes(24).toString('base64url')}`;
}

/**
 * Constant-time comparison that does not leak the token's length either: every UTF-16 code unit of the expected
 * token is compared with the presented one's at the same place (past its end `charCodeAt` gives NaN, which `^`
 * reads as 0), and the differences and the length difference are or-ed together with no early exit. It replaced
 * writing the presented token into a scratch buffer for `timingSafeEqual` (about a microsecond of buffer work per
 * request, ARCHITECTURE §2).
 */
export function tokensEqual(presented: string, expectedToken: string): boolean {
  let difference = presented.length ^ expectedToken.length;
  for (let i = 0; i < expectedToken.length; i++) difference |= presented.charCodeAt(i) ^ expectedToken.charCodeAt(i);
  return difference === 0;
}

const BEARER = /^bearer\s+/i;

/**
 * The credential an agent sent: `Authorization: Bearer …`, `x-api-key`, Gemini's `x-goog-api-key`, or the query
 * parameter `queryToken` of the URL where the client's protocol has one (Gemini's `?key=`; the path resolver never
 * forwards it, and logs show the URL through `withoutQueryKey`). Anywhere else a token in the URL is ignored.
 */
export function presentedToken(headers: IncomingHttpHeaders, url = '', queryToken?: string): string | undefined {
  const auth = headers.authorization;
  // The scheme and the whitespace after it are checked here; `trim` takes that whitespace off the token.
  if (typeof auth === 'string' && BEARER.test(auth)) return auth.slice('bearer'.length).trim();
  const apiKey = headers['x-api-key'] ?? headers['x-goog-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey.trim();
  if (queryToken === undefined) return undefined;
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  const key = new URLSearchParams(url.slice(q + 1)).get(queryToken);
  return key ? key.trim() : undefined;
}

const QUERY_KEY = /([?&]key=)[^&#]*/gi;

/** A URL as logs and error messages may show it: a `key=` value in its query (a client's token) masked. */
export function withoutQueryKey(url: string): string {
  return /key=/i.test(url) ? url.replace(QUERY_KEY, '$1…') : url;
}

/**
 * DNS rebinding guard: a web page can point its own host name at 127.0.0.1,
 * but it cannot make the browser send our host name.
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  // The two names are made once per port, not on every request. No Host header (undefined) equals neither.
  if (port !== allowedHosts.port) allowedHosts = { port, loopback: `127.0.0.1:${port}`, localhost: `localhost:${port}` };
  return host === allowedHosts.loopback || host === allowedHosts.localhost;
}

let allowedHosts = { port: -1, loopback: '', localhost: '' };
