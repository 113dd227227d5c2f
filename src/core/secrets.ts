import { createHash } from 'node:crypto';

/**
 * The only forms of a key that may leave memory: a masked form for people
 * (`sk-…abcd`) and a short fingerprint for persisted state and logs.
 */
export function maskSecret(secret: string, ellipsis = '…'): string {
  const tail = secret.length >= 8 ? secret.slice(-4) : '';
  const dash = secret.indexOf('-');
  // Keep a recognisable prefix such as `sk-` only when it is short and clearly not key material.
  const prefix = dash > 0 && dash <= 3 ? secret.slice(0, dash + 1) : '';
  return `${prefix}${ellipsis}${tail}`;
}

export function fingerprintSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

/**
 * Where the redacted text goes, which decides what replaces a secret:
 * `text` (logs, state, events) the masked form; `header` an ASCII mask, since
 * `…` is not a legal header character; `body` as many `*` as the quoted form
 * had bytes, so a relayed body keeps its Content-Length.
 */
export type RedactionStyle = 'text' | 'header' | 'body';

/** A quoted run of at least this many of a key's characters counts as the key: a provider may quote it cut short. */
const MIN_QUOTED_RUN = 12;
/** Shorter secrets are too likely to occur by chance (test keys such as `oa-key-1` are the shortest we see). */
const MIN_SECRET = 6;
const ANCHOR = MIN_QUOTED_RUN / 2;

interface SecretForms {
  masked: string;
  maskedAscii: string;
  /** Blocks of the key at multiples of ANCHOR: every run of MIN_QUOTED_RUN characters holds one whole. */
  anchors: { text: string; at: number }[];
  /** Forms matched whole: the key itself when it is too short for runs, its base64 in each alignment. */
  whole: string[];
  /** The longest form a relayed body is searched for (the key, or its longest base64 form). */
  longest: number;
  /** What a relayed body is searched for: the middle of the key and of each base64 form (see `mayQuote`). */
  needles: Buffer[];
  /** For each ASCII code, 1 when the key holds that character: a JSON escape of one may spell part of the key. */
  characters: Uint8Array;
}

const formsCache = new Map<string, SecretForms>();

/**
 * The base64 characters that depend on the key alone, for each of the three
 * alignments it can have inside a longer base64 text (`Bearer <key>` in a
 * Basic or proxy header, a JSON blob): whatever precedes or follows it, these
 * characters appear as they are.
 */
function base64Cores(secret: string): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(secret, 'latin1')]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + secret.length)) / 6));
    if (core.length >= MIN_QUOTED_RUN) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(cores)];
}

/** Long enough for the native search to skip ahead quickly; every quote of most of the key holds it. */
const BODY_NEEDLE = 24;
/**
 * Node's search finds a needle's first character with memchr and compares
 * from there: a needle that starts with a character rare in JSON and prose
 * costs about a tenth of one that starts with a common letter.
 */
const RARE_FIRST = 'QZXJKVWYUGBFHPMNLDRCOESAITqzxjkvwyubgfhpmnldrcoesait';

/**
 * A BODY_NEEDLE-character window in the middle half that starts with a rare
 * character and holds no `+ / _ -`, so both base64 alphabets share it.
 */
function middle(text: string): string {
  if (text.length <= BODY_NEEDLE) return text;
  const centre = (text.length - BODY_NEEDLE) >> 1;
  let best: { start: number; score: number } | undefined;
  const reach = (text.length - BODY_NEEDLE) >> 2;
  for (let start = centre - reach; start <= centre + reach; start++) {
    if (/[+/_-]/.test(text.slice(start, start + BODY_NEEDLE))) continue;
    const rank = RARE_FIRST.indexOf(text[start]);
    const score = (rank === -1 ? RARE_FIRST.length : rank) * text.length + Math.abs(start - centre);
    if (!best || score < best.score) best = { start, score };
  }
  const start = best?.start ?? centre;
  return text.slice(start, start + BODY_NEEDLE);
}

function formsOf(secret: string): SecretForms {
  let forms = formsCache.get(secret);
  if (forms) return forms;
  const anchors: SecretForms['anchors'] = [];
  const whole = base64Cores(secret);
  if (secret.length >= MIN_QUOTED_RUN) {
    for (let at = 0; at + ANCHOR <= secret.length; at += ANCHOR) anchors.push({ text: secret.slice(at, at + ANCHOR), at });
  } else {
    whole.push(secret);
  }
  const needles = [...new Set([secret, ...base64Cores(secret)].map(middle))].map((text) => Buffer.from(text, 'latin1'));
  const characters = new Uint8Array(128);
  for (let i = 0; i < secret.length; i++) if (secret.charCodeAt(i) < 128) characters[secret.charCodeAt(i)] = 1;
  forms = {
    masked: maskSecret(secret),
    maskedAscii: maskSecret(secret, '...'),
    anchors,
    whole,
    longest: Math.max(secret.length, ...whole.map((form) => form.length)),
    needles,
    characters,
  };
  // Bounded: the keys of a session number in the tens; a host that cycles through more only recomputes.
  if (formsCache.size >= 256) formsCache.clear();
  formsCache.set(secret, forms);
  return forms;
}

type Range = [start: number, end: number, secret: string];

/** Every range of `text` holding a run of at least MIN_QUOTED_RUN of the key's characters, or one of its whole forms. */
function findQuotes(text: string, secret: string, forms: SecretForms, out: Range[]): void {
  for (const { text: anchor, at } of forms.anchors) {
    for (let i = text.indexOf(anchor); i !== -1; i = text.indexOf(anchor, i + 1)) {
      let start = i;
      let keyAt = at;
      while (start > 0 && keyAt > 0 && text[start - 1] === secret[keyAt - 1]) {
        start--;
        keyAt--;
      }
      let end = i + ANCHOR;
      let keyEnd = at + ANCHOR;
      while (end < text.length && keyEnd < secret.length && text[end] === secret[keyEnd]) {
        end++;
        keyEnd++;
      }
      if (end - start >= MIN_QUOTED_RUN) out.push([start, end, secret]);
    }
  }
  for (const form of forms.whole) {
    for (let i = text.indexOf(form); i !== -1; i = text.indexOf(form, i + 1)) out.push([i, i + form.length, secret]);
  }
}

const JSON_ESCAPE = /\\u00([0-7][0-9a-fA-F])/g;

/**
 * The text with JSON `\u00XX` escapes of ASCII characters decoded (how a
 * provider's JSON may spell a key), and for each character of it the range of
 * the original text it came from.
 */
function decodeJsonEscapes(text: string): { decoded: string; from: number[]; to: number[] } | undefined {
  if (!text.includes('\\u00')) return undefined;
  let decoded = '';
  const from: number[] = [];
  const to: number[] = [];
  let last = 0;
  const plain = (until: number): void => {
    for (let i = last; i < until; i++) {
      from.push(i);
      to.push(i + 1);
    }
    decoded += text.slice(last, until);
  };
  for (const match of text.matchAll(JSON_ESCAPE)) {
    plain(match.index);
    decoded += String.fromCharCode(parseInt(match[1], 16));
    from.push(match.index);
    to.push(match.index + 6);
    last = match.index + 6;
  }
  plain(text.length);
  return { decoded, from, to };
}

/** Ranges of `text` that quote any of the secrets, sorted and merged. */
function quotedRanges(text: string, secrets: Iterable<string>): Range[] {
  const ranges: Range[] = [];
  let escaped: ReturnType<typeof decodeJsonEscapes> | null = null;
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET) continue;
    const forms = formsOf(secret);
    findQuotes(text, secret, forms, ranges);
    if (escaped === null) escaped = decodeJsonEscapes(text);
    if (escaped) {
      const found: Range[] = [];
      findQuotes(escaped.decoded, secret, forms, found);
      for (const [start, end] of found) ranges.push([escaped.from[start], escaped.to[end - 1], secret]);
    }
  }
  if (ranges.length < 2) return ranges;
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Range[] = [ranges[0]];
  for (const range of ranges.slice(1)) {
    const last = merged[merged.length - 1];
    if (range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push(range);
  }
  return merged;
}

function replacement(range: Range, style: RedactionStyle): string {
  if (style === 'body') return '*'.repeat(range[1] - range[0]);
  const forms = formsOf(range[2]);
  return style === 'header' ? forms.maskedAscii : forms.masked;
}

/**
 * The one redactor: removes from a text about to be logged, shown, persisted
 * or relayed every quote of the given secrets — the key, any run of at least
 * MIN_QUOTED_RUN of its characters, its JSON `\u00XX` spelling and its base64
 * (as in `Bearer <key>` encoded) — and replaces each as `style` says.
 * With `startingBefore`, only quotes that start before that index are replaced.
 */
export function redactSecrets(text: string, secrets: Iterable<string>, style: RedactionStyle = 'text', startingBefore = Infinity): string {
  const ranges = quotedRanges(text, secrets);
  if (ranges.length === 0) return text;
  let out = '';
  let last = 0;
  for (const range of ranges) {
    // A relay redacts up to where it sends; a quote that starts later may not have arrived whole yet.
    if (range[0] >= startingBefore) break;
    out += text.slice(last, range[0]) + replacement(range, style);
    last = range[1];
  }
  return out + text.slice(last);
}

/** The longest spelling of a quote `mayQuote` looks for: every character of it a six-byte JSON escape. */
export function longestQuote(secret: string): number {
  return 6 * formsOf(secret).longest;
}

const JSON_ESCAPE_START = Buffer.from('\\u00', 'latin1');

/**
 * Whether the bytes hold a JSON `\u00XX` escape of one of the key's characters. JSON text rarely escapes
 * letters or digits (Go's encoder escapes `<`, `>` and `&`, which no key holds), so an answer that does is
 * searched in full: its client's JSON parse would give back the key, whatever mixture of escaped and plain
 * characters spelt it.
 */
function escapesKeyCharacter(bytes: Buffer, characters: Uint8Array): boolean {
  for (let at = bytes.indexOf(JSON_ESCAPE_START); at !== -1; at = bytes.indexOf(JSON_ESCAPE_START, at + 4)) {
    // An escape cut at the end of the bytes may be one: searched in full rather than guessed.
    if (at + 6 > bytes.length) return true;
    const code = parseInt(bytes.toString('latin1', at + 4, at + 6), 16);
    if (code < 128 && characters[code] === 1) return true;
  }
  return false;
}

/**
 * Whether relayed bytes may quote the secret, in a handful of native
 * searches: whether they hold a BODY_NEEDLE-character window near the middle
 * of the key or of one of its base64 forms, or a JSON escape of one of the key's characters.
 * Searching a body for every run would cost each answer
 * about as much as the rest of the relay, so a body is scrubbed of quotes that
 * cover the middle of the key, not of shorter plain fragments (escaped ones are searched in full);
 * texts the bridge writes itself get the full search.
 */
export function mayQuote(bytes: Buffer, secret: string): boolean {
  if (secret.length < MIN_SECRET) return false;
  const forms = formsOf(secret);
  for (const needle of forms.needles) if (bytes.indexOf(needle) !== -1) return true;
  return escapesKeyCharacter(bytes, forms.characters);
}
