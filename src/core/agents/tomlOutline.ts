/**
 * The outline of a TOML file, enough to add a marked block without breaking it: where the first table
 * starts (root keys must come before it), which root keys and tables exist, and whether each line has a
 * shape TOML allows. This is a structural check, not a TOML parser (no TOML library is available here):
 * it follows strings, multi-line strings, comments, and arrays or inline tables that span lines.
 */
export interface TomlOutline {
  /** Offset of the first `[table]` or `[[array]]` header line; undefined when there is none. */
  firstTable: number | undefined;
  /** Dotted names of the keys before the first table. */
  rootKeys: string[];
  /** Dotted names of every table header. */
  tables: string[];
}

export class TomlShapeError extends Error {}

const KEY = String.raw`(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')`;
const DOTTED = String.raw`${KEY}(?:\s*\.\s*${KEY})*`;
const HEADER = new RegExp(String.raw`^\[(\[)?\s*(${DOTTED})\s*\](\])?\s*(#.*)?$`);
const KEY_VALUE = new RegExp(String.raw`^(${DOTTED})\s*=\s*(.*)$`);

/** The outline, or a TomlShapeError naming the first line that is not TOML. */
export function outlineToml(text: string): TomlOutline {
  const outline: TomlOutline = { firstTable: undefined, rootKeys: [], tables: [] };
  const value = new ValueScanner();
  let offset = 0;
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const lineStart = offset;
    offset += raw.length + 1;
    const line = raw.replace(/\r$/, '');
    const fail = (why: string): never => failAt(lineNo, why);
    if (value.open) {
      value.scan(line, fail);
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('[')) {
      const header = HEADER.exec(trimmed);
      if (!header || Boolean(header[1]) !== Boolean(header[3])) failAt(lineNo, `"${trimmed}" is not a table header`);
      outline.tables.push(dottedName(header[2]));
      outline.firstTable ??= lineStart;
      continue;
    }
    const pair = KEY_VALUE.exec(trimmed);
    if (!pair) failAt(lineNo, `"${trimmed}" is neither a key = value line nor a table header`);
    const [, key, rest] = pair;
    if (rest.trim() === '' || rest.trim().startsWith('#')) failAt(lineNo, `the key "${key}" has no value`);
    if (outline.firstTable === undefined) outline.rootKeys.push(dottedName(key));
    value.scan(rest, fail);
  }
  if (value.open) throw new TomlShapeError(`the file ends inside ${value.open}`);
  return outline;
}

function failAt(lineNo: number, why: string): never {
  throw new TomlShapeError(`line ${lineNo}: ${why}`);
}

/** `a . "b.c"` → `a.b.c`, the name as TOML means it (quotes dropped). */
function dottedName(dotted: string): string {
  const parts = dotted.match(new RegExp(KEY, 'g')) ?? [];
  return parts.map((p) => (p.startsWith('"') ? (JSON.parse(p) as string) : p.startsWith("'") ? p.slice(1, -1) : p)).join('.');
}

/** Follows a value across lines: strings, multi-line strings, brackets, comments. */
class ValueScanner {
  private multiline: '"""' | "'''" | undefined;
  private depth = 0;

  /** What the scanner is inside of at a line end, for the error message; undefined when the value ended. */
  get open(): string | undefined {
    if (this.multiline) return `a ${this.multiline} string`;
    return this.depth > 0 ? 'an array or inline table' : undefined;
  }

  scan(line: string, fail: (why: string) => never): void {
    let i = 0;
    while (i < line.length) {
      if (this.multiline) {
        const close = line.indexOf(this.multiline, i);
        if (close < 0) return;
        i = close + 3;
        this.multiline = undefined;
        continue;
      }
      const c = line[i];
      if (c === '#') return;
      if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
        this.multiline = line.slice(i, i + 3) as '"""' | "'''";
        i += 3;
        continue;
      }
      if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
        if (i >= line.length) fail('a string is not closed on its line');
        i++;
        continue;
      }
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) fail('a string is not closed on its line');
        i = close + 1;
        continue;
      }
      if (c === '[' || c === '{') this.depth++;
      if (c === ']' || c === '}') {
        this.depth--;
        if (this.depth < 0) fail(`an unmatched "${c}"`);
      }
      i++;
    }
  }
}
