import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The one admin endpoint that needs no token. A VS Code window asks whoever
 * holds the port to prove it is our bridge, on each connection, before it
 * sends the admin token, the local token or a key on that connection: it
 * sends a fresh nonce, the bridge answers an HMAC of it keyed by the admin
 * token. A squatter learns nothing it could use: the answer is bound to the
 * port the bridge listens on, so relaying the nonce to a bridge on another
 * port yields a proof that does not match; and a proof vouches only for the
 * connection it came on, so a program that takes the port later meets a new
 * challenge (docs/ARCHITECTURE.md §6).
 */
export const OWNER_PROOF_PATH = '/_keybridge/owner-proof';

/** What the answer carries besides the proof, so a client can tell our shape from a stranger's. */
export const OWNER_PROOF_SCHEME = 'keybridge-owner-proof/v1';

/** base64url of 16 to 96 random bytes; anything else is refused before any HMAC is computed. */
const NONCE = /^[A-Za-z0-9_-]{22,128}$/;

export function newOwnerNonce(): string {
  return randomBytes(32).toString('base64url');
}

export function isOwnerNonce(value: string | null | undefined): value is string {
  return typeof value === 'string' && NONCE.test(value);
}

/** HMAC-SHA256(adminToken, scheme, port, nonce) as hex. */
export function ownerProof(adminToken: string, port: number, nonce: string): string {
  return createHmac('sha256', adminToken).update(`${OWNER_PROOF_SCHEME}\n${port}\n${nonce}`).digest('hex');
}

/** Constant-time check of an answer the client received. */
export function ownerProofMatches(adminToken: string, port: number, nonce: string, proof: unknown): boolean {
  if (typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) return false;
  return timingSafeEqual(Buffer.from(ownerProof(adminToken, port, nonce), 'hex'), Buffer.from(proof, 'hex'));
}

/** The bridge's answer to `GET OWNER_PROOF_PATH?nonce=…`. */
export function answerOwnerChallenge(method: string | undefined, url: string, adminToken: string, port: number | undefined): { status: number; body: unknown } {
  if (method !== 'GET') return { status: 405, body: { error: { type: 'invalid_request_error', message: `use GET ${OWNER_PROOF_PATH}?nonce=…` } } };
  const nonce = new URLSearchParams(url.split('?')[1] ?? '').get('nonce');
  if (!isOwnerNonce(nonce)) return { status: 400, body: { error: { type: 'invalid_request_error', message: 'nonce must be 22 to 128 base64url characters' } } };
  if (!port) return { status: 503, body: { error: { type: 'api_error', message: 'the bridge is not listening' } } };
  return { status: 200, body: { scheme: OWNER_PROOF_SCHEME, port, proof: ownerProof(adminToken, port, nonce) } };
}
