import { fingerprintSecret } from '../secrets';
import { ALL_KEY_ISSUERS, issuersNamedBy, issuersShapedLike, type KeyIssuer } from './keyIssuers';

/**
 * Keys in bulk: a `.env` file or a pasted block with one key per line, turned into the candidates to offer the
 * user for one pool. Pure text work, so the extension's file and clipboard commands and any other host share it;
 * nothing here sends anything. Which values fit which pool is read from the declared facts of keyIssuers.ts.
 * Nothing here ever returns a secret in a reason: skipped lines are named by number only.
 */

/** One value found on a line: `NAME=value`, `export NAME="value"`, or a bare value. */
export interface KeyListEntry {
  /** 1-based, as an editor numbers lines. */
  line: number;
  /** The variable name of a `NAME=value` line. */
  name?: string;
  value: string;
}

export interface KeyCandidate {
  line: number;
  name?: string;
  secret: string;
  /**
   * What says it is a key of the pool's provider: its variable's name (`DEEPSEEK_API_KEY`), or a prefix no other
   * issuer uses (`gsk_` for Groq). Without either, it is offered unticked: nothing leaves unless the user ticks it.
   */
  evidence?: 'name' | 'prefix';
  /** A prefix other issuers' keys start with too (`sk-`: OpenAI's and DeepSeek's), to say why it is unticked. */
  sharedPrefix?: { prefix: string; with: string[] };
}

type SkipReason = 'not a key' | 'another provider' | 'another service' | 'wrong prefix' | 'KeyBridge token' | 'listed twice' | 'already in the pool';

export interface SkippedEntry {
  line: number;
  name?: string;
  reason: SkipReason;
}

export interface KeyListRules {
  /** The pool's provider; none for a custom base URL, whose keys nothing tells apart. */
  provider?: KeyIssuer;
  /** Fingerprints of the keys the pool holds already. */
  inPool: ReadonlySet<string>;
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;
const KEY_CHARS = /^[A-Za-z0-9._\-+/=:]+$/;
const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 512;
/** A `.env` holds more than keys; for a provider without a key prefix, only variables named like a credential count. */
const CREDENTIAL_NAME = /KEY|TOKEN|SECRET|PASS|CREDENTIAL|AUTH/i;

/** A quoted value up to its closing quote; an unquoted one up to ` #` (a comment, as dotenv reads it). */
function unquote(raw: string): string {
  const quote = raw[0];
  if (quote === '"' || quote === "'" || quote === '`') {
    const end = raw.indexOf(quote, 1);
    return (end === -1 ? raw.slice(1) : raw.slice(1, end)).trim();
  }
  return raw.replace(/\s+#.*$/, '').trim();
}

/** Every value of the text, line by line: comments, blank lines and CRLF endings ignored. */
export function parseKeyLines(text: string): KeyListEntry[] {
  const entries: KeyListEntry[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith('//')) return;
    const assignment = ASSIGNMENT.exec(line);
    if (assignment) {
      const value = unquote(assignment[2]);
      if (value) entries.push({ line: i + 1, name: assignment[1], value });
      return;
    }
    // A bare line: one key, or several separated by spaces or commas (a list copied from a table or a chat).
    for (const part of unquote(line).split(/[\s,;]+/)) {
      const value = part.replace(/^["'`]+|["'`]+$/g, '');
      if (value) entries.push({ line: i + 1, value });
    }
  });
  return entries;
}

type Verdict = { skip: SkipReason } | Pick<KeyCandidate, 'evidence' | 'sharedPrefix'>;

/** One value for one pool: not a key; anyone else's, by name or prefix (out); or how sure it is the provider's. */
function judge(entry: KeyListEntry, rules: KeyListRules): Verdict {
  const { value, name } = entry;
  if (value.length < MIN_KEY_LENGTH || value.length > MAX_KEY_LENGTH || !KEY_CHARS.test(value) || value.includes('://')) return { skip: 'not a key' };
  if (/^kb(admin)?-/.test(value)) return { skip: 'KeyBridge token' };
  // A key is letters and digits mixed; a word, a path or a number alone is not one.
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return { skip: 'not a key' };
  const own = rules.provider;
  const { issuers: shaped, prefix } = issuersShapedLike(value, ALL_KEY_ISSUERS);
  // Someone else's credential, by its name or by a prefix that is theirs: it never leaves for this pool. A prefix
  // several issuers share (`sk-`) names none of them, so a custom pool (an OpenAI-compatible gateway) may take it.
  const otherByName = issuersNamedBy(name, ALL_KEY_ISSUERS).find((issuer) => issuer !== own);
  const ownShape = own !== undefined && shaped.includes(own);
  const otherByShape = shaped.length > 0 && !ownShape && (own !== undefined || shaped.length === 1) ? shaped[0] : undefined;
  const other = otherByName ?? otherByShape;
  if (other) return { skip: other.llm ? 'another provider' : 'another service' };
  if (own?.keyPrefixes.length && shaped.length === 0) return { skip: 'wrong prefix' };
  if (own && name !== undefined && issuersNamedBy(name, [own]).length) return { evidence: 'name' };
  if (ownShape && shaped.length === 1) return { evidence: 'prefix' };
  // A `.env` holds more than keys: a value with no prefix to go by counts only under a credential's name.
  if (shaped.length === 0 && name !== undefined && !CREDENTIAL_NAME.test(name)) return { skip: 'not a key' };
  const sharedWith = shaped.filter((issuer) => issuer !== own).map((issuer) => issuer.label);
  return sharedWith.length ? { sharedPrefix: { prefix, with: sharedWith } } : {};
}

/**
 * The entries that may be keys of the pool's provider, each once, minus those the pool holds, with what
 * speaks for each; every other entry with why it was left out. A value that is another issuer's credential
 * anywhere in the list (`AWS_SECRET_ACCESS_KEY=…`) is left out wherever it appears again, a bare line included.
 */
export function selectKeyCandidates(entries: readonly KeyListEntry[], rules: KeyListRules): { candidates: KeyCandidate[]; skipped: SkippedEntry[] } {
  const verdicts = entries.map((entry) => judge(entry, rules));
  const foreign = new Map<string, SkipReason>();
  entries.forEach((entry, i) => {
    const verdict = verdicts[i];
    if ('skip' in verdict && (verdict.skip === 'another provider' || verdict.skip === 'another service')) foreign.set(entry.value, verdict.skip);
  });
  const candidates: KeyCandidate[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const verdict = verdicts[i];
    let reason = 'skip' in verdict ? verdict.skip : foreign.get(entry.value);
    if (!reason) {
      const fingerprint = fingerprintSecret(entry.value);
      if (rules.inPool.has(fingerprint)) reason = 'already in the pool';
      else if (seen.has(fingerprint)) reason = 'listed twice';
      seen.add(fingerprint);
    }
    if (reason) skipped.push({ line: entry.line, name: entry.name, reason });
    else candidates.push({ line: entry.line, name: entry.name, secret: entry.value, ...verdict });
  });
  return { candidates, skipped };
}

/** `2 not a key (lines 3, 7); 1 already in the pool (line 9)`: line numbers, never values. */
export function describeSkipped(skipped: readonly SkippedEntry[]): string {
  const byReason = new Map<SkipReason, number[]>();
  for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.line]);
  return [...byReason]
    .map(([reason, lines]) => {
      const unique = [...new Set(lines)];
      const shown = unique.length > 6 ? `${unique.slice(0, 6).join(', ')}, …` : unique.join(', ');
      return `${lines.length} ${reason} (line${unique.length > 1 ? 's' : ''} ${shown})`;
    })
    .join('; ');
}
