import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A fresh random token for the local access or admin token. */
export function generateToken(prefix: string): string {
  return `${prefix}-${randomBytes(24).toString('base64url')}`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

// The expected token is the same on every request: hash it once (per token) instead of per request.
let expectedToken: string | undefined;
let expectedDigest: Buffer | undefined;

/** Constant-time comparison that does not leak the token's length either. */
export function tokensEqual(presented: string, expected: string): boolean {
  if (expected !== expectedToken || !expectedDigest) {
    expectedDigest = digest(expected);
    expectedToken = expected;
  }
  return timingSafeEqual(digest(presented), expectedDigest);
}

/** The credential an agent sent: `Authorization: Bearer …` or `x-api-key`. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey.trim();
  return undefined;
}

/**
 * DNS rebinding guard: a web page can point its own host name at 127.0.0.1,
 * but it cannot make the browser send our host name.
 */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
