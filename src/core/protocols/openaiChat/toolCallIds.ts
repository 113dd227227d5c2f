import { createHash } from 'node:crypto';
import type { DialectTraits } from '../../providers/dialect';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * A tool-call id of another provider as the Chat target takes it in a history: OpenAI refuses one longer than 40
 * characters, Mistral any but nine letters and digits ("Tool call id was toolu_… but must be a-z, A-Z, 0-9, with a
 * length of 9"). An id the target takes stays as it is; any other is replaced by one derived from it, so a call and
 * its result still pair up, on this turn and every later one.
 */
export function chatToolId(id: string, dialect: DialectTraits): string {
  if (dialect.toolCallIds === 'nine-alphanumeric') return /^[a-zA-Z0-9]{9}$/.test(id) ? id : derived(id, 9);
  return id.length <= 40 ? id : `call_${derived(id, 30)}`;
}

function derived(id: string, length: number): string {
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[digest[i] % ALPHANUMERIC.length];
  return out;
}
