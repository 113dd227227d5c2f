/**
 * Where each value of a JSON text sits, so an agent's settings file can be edited in place (one member
 * added, replaced or removed) without re-serialising the user's file. Strict JSON only: the caller has
 * already checked the text with `JSON.parse`, and a file with comments is refused before it gets here.
 */

export interface JsonMember {
  key: string;
  /** Offset of the key's opening quote. */
  keyStart: number;
  /** Offset after the key's closing quote. */
  keyEnd: number;
  value: JsonNode;
}

export type JsonNode =
  | { kind: 'object'; start: number; end: number; members: JsonMember[] }
  | { kind: 'array'; start: number; end: number }
  | { kind: 'scalar'; start: number; end: number };

/** Spans of the whole text's value; `end` offsets are exclusive. */
export function scanJson(text: string): JsonNode {
  const scanner = new Scanner(text);
  scanner.skipSpace();
  return scanner.value();
}

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  value(): JsonNode {
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') {
      this.skipComposite('[', ']');
      return { kind: 'array', start, end: this.pos };
    }
    if (c === '"') {
      this.string();
      return { kind: 'scalar', start, end: this.pos };
    }
    while (this.pos < this.text.length && /[^\s,}\]]/.test(this.text[this.pos])) this.pos++;
    if (this.pos === start) throw new Error(`unexpected character at offset ${start}`);
    return { kind: 'scalar', start, end: this.pos };
  }

  private object(): JsonNode {
    const start = this.pos;
    this.pos++;
    const members: JsonMember[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') break;
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      const keyStart = this.pos;
      const keyEnd = this.string();
      const key = JSON.parse(this.text.slice(keyStart, keyEnd)) as string;
      this.skipSpace();
      this.pos++; // ':'
      this.skipSpace();
      members.push({ key, keyStart, keyEnd, value: this.value() });
    }
    this.pos++;
    return { kind: 'object', start, end: this.pos, members };
  }

  /** Moves past a string; returns the offset after its closing quote. */
  private string(): number {
    this.pos++;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    this.pos++;
    return this.pos;
  }

  private skipComposite(open: string, close: string): void {
    let depth = 0;
    do {
      const c = this.text[this.pos];
      if (c === '"') {
        this.string();
        continue;
      }
      if (c === open || c === '{' || c === '[') depth++;
      else if (c === close || c === '}' || c === ']') depth--;
      this.pos++;
    } while (depth > 0 && this.pos < this.text.length);
  }
}
