import { fingerprintSecret } from '../secrets';

/**
 * Keys in bulk: a `.env` file or a pasted block with one key per line, turned into the candidates worth
 * testing. Pure text work, so the extension's file and clipboard commands and any other host share it.
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
}

type SkipReason = 'not a key' | 'another provider' | 'KeyBridge token' | 'listed twice' | 'already in the pool';

export interface SkippedEntry {
  line: number;
  name?: string;
  reason: SkipReason;
}

/** What the pool's provider lets us check; `keyPrefixes` empty means any key shape. */
export interface KeyListRules {
  keyPrefixes: readonly string[];
  /**
   * Prefixes of other providers' keys: `sk-ant-` starts with OpenAI's `sk-` but is an Anthropic key, so a value
   * whose longest matching prefix is another provider's is left out.
   */
  foreignPrefixes?: readonly string[];
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

function longestPrefix(value: string, prefixes: readonly string[]): number {
  return Math.max(0, ...prefixes.filter((prefix) => value.startsWith(prefix)).map((prefix) => prefix.length));
}

function skipReason(entry: KeyListEntry, rules: KeyListRules): SkipReason | undefined {
  const { value, name } = entry;
  if (value.length < MIN_KEY_LENGTH || value.length > MAX_KEY_LENGTH || !KEY_CHARS.test(value) || value.includes('://')) return 'not a key';
  if (/^kb(admin)?-/.test(value)) return 'KeyBridge token';
  // A key is letters and digits mixed; a word, a path or a number alone is not one.
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return 'not a key';
  if (rules.keyPrefixes.length) {
    const own = longestPrefix(value, rules.keyPrefixes);
    if (own === 0 || longestPrefix(value, rules.foreignPrefixes ?? []) > own) return 'another provider';
    return undefined;
  }
  if (name !== undefined && !CREDENTIAL_NAME.test(name)) return 'not a key';
  return undefined;
}

/**
 * The entries that look like keys of the pool's provider, each once, minus those the pool holds; every
 * other entry with why it was left out.
 */
export function selectKeyCandidates(entries: readonly KeyListEntry[], rules: KeyListRules): { candidates: KeyCandidate[]; skipped: SkippedEntry[] } {
  const candidates: KeyCandidate[] = [];
  const skipped: SkippedEntry[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    let reason = skipReason(entry, rules);
    if (!reason) {
      const fingerprint = fingerprintSecret(entry.value);
      if (rules.inPool.has(fingerprint)) reason = 'already in the pool';
      else if (seen.has(fingerprint)) reason = 'listed twice';
      seen.add(fingerprint);
    }
    if (reason) skipped.push({ line: entry.line, name: entry.name, reason });
    else candidates.push({ line: entry.line, name: entry.name, secret: entry.value });
  }
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
