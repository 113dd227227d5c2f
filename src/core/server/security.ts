import { randomBytes, timingSafeEqual } from 'node:crypto';
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

// The expected token's bytes, and a scratch buffer of the same length the presented token is written into: the
// comparison then runs over the expected token's length whatever is presented (a hash of each presented token cost
// about 2 % of a relayed request's CPU, ARCHITECTURE §2).
let expected: { token: string; bytes: Buffer; scratch: Buffer } | undefined;

/** Constant-time comparison that does not leak the token's length either. */
export function tokensEqual(presented: string, expectedToken: string): boolean {
  if (expected?.token !== expectedToken) {
    const bytes = Buffer.from(expectedToken, 'utf8');
    expected = { token: expectedToken, bytes, scratch: Buffer.alloc(bytes.length) };
  }
  const { bytes, scratch } = expected;
  scratch.fill(0);
  // A longer presented token is cut at the expected length; the length check below refuses it.
  scratch.write(presented, 'utf8');
  const sameBytes = timingSafeEqual(scratch, bytes);
  const sameLength = Buffer.byteLength(presented, 'utf8') === bytes.length;
  return sameBytes && sameLength;
}

/**
 * The credential an agent sent: `Authorization: Bearer …`, `x-api-key`, Gemini's `x-goog-api-key`, or the query
 * parameter `queryToken` of the URL where the client's protocol has one (Gemini's `?key=`; the path resolver never
 * forwards it, and logs show the URL through `withoutQueryKey`). Anywhere else a token in the URL is ignored.
 */
export function presentedToken(headers: IncomingHttpHeaders, url = '', queryToken?: string): string | undefined {
  const auth = headers.authorization;
  // The scheme and the whitespace after it are checked here; `trim` takes that whitespace off the token.
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.slice('bearer'.length).trim();
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
  // No Host header (undefined) equals neither form.
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
