import { createHash } from 'node:crypto';

/**
 * The only forms of a key that may leave memory: a masked form for people
 * (`sk-…abcd`) and a short fingerprint for persisted state and logs.
 */
export function maskSecret(secret: string): string {
  const tail = secret.length >= 8 ? secret.slice(-4) : '';
  const dash = secret.indexOf('-');
  // Keep a recognisable prefix such as `sk-` only when it is short and clearly not key material.
  const prefix = dash > 0 && dash <= 3 ? secret.slice(0, dash + 1) : '';
  return `${prefix}…${tail}`;
}

export function fingerprintSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

/** Removes every occurrence of the given secrets from a text that is about to be logged or shown. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6 && out.includes(secret)) out = out.split(secret).join(maskSecret(secret));
  }
  return out;
}
