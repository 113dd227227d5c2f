import { DIALECT_IDS, type DialectId } from '../providers/dialect';

/**
 * Reasoning state a Chat provider needs back on later turns (DeepSeek's `reasoning_content`, Gemini's thought
 * signatures), carried through a client of another protocol in the one place that client returns verbatim: an
 * Anthropic `thinking` block's `signature`, a Responses reasoning item's `encrypted_content`. The carrier names
 * the dialect that produced it, so it goes back only to that provider and is dropped — never sent — anywhere
 * else (docs/ARCHITECTURE.md §9). It holds no secret: what the provider sent, in the client's own history.
 */
export interface CarriedReasoning {
  dialect: DialectId;
  /** Gemini: each tool call's thought signature, by the call's id as the client sees it. */
  thoughtSignatures?: Record<string, string>;
}

const PREFIX = 'kbr1.';

/**
 * Gemini's documented value for a function call whose thought signature is unknown (history from another model):
 * it skips the validation that would refuse the call ("Function call is missing a thought_signature").
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export function encodeCarriedReasoning(carried: CarriedReasoning): string {
  return PREFIX + Buffer.from(JSON.stringify(carried)).toString('base64url');
}

/** The carried state in a signature or encrypted_content; undefined for anything else (a real provider's own). */
export function decodeCarriedReasoning(signature: unknown): CarriedReasoning | undefined {
  if (typeof signature !== 'string' || !signature.startsWith(PREFIX)) return undefined;
  try {
    // JSON that is no object has no dialect, and `null` throws here: neither is a carrier.
    const { dialect, thoughtSignatures } = JSON.parse(Buffer.from(signature.slice(PREFIX.length), 'base64url').toString('utf8')) as Record<string, unknown>;
    // A dialect we do not know is no carrier of ours (a client could write anything here, and it is logged).
    if (!(DIALECT_IDS as readonly unknown[]).includes(dialect)) return undefined;
    const signatures = typeof thoughtSignatures === 'object' && thoughtSignatures !== null ? (thoughtSignatures as Record<string, unknown>) : {};
    const kept = Object.fromEntries(Object.entries(signatures).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    return { dialect: dialect as DialectId, ...(Object.keys(kept).length > 0 ? { thoughtSignatures: kept } : {}) };
  } catch {
    return undefined;
  }
}

/** Whether a signature is one of ours rather than the provider's: Anthropic must never see it. */
export function isCarriedReasoning(signature: unknown): boolean {
  return typeof signature === 'string' && signature.startsWith(PREFIX);
}

/**
 * A tool-call id as Anthropic takes it (`^[a-zA-Z0-9_-]+$`): other providers' ids (Kimi's `functions.Bash:0`)
 * would have the session refused once it reaches an Anthropic target. The same id always maps to the same
 * result, so a call and its result still pair up on every later turn.
 */
export function anthropicToolId(id: string): string {
  const cleaned = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  return cleaned === '' ? 'toolu_keybridge' : cleaned;
}
