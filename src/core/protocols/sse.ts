import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** The `event:` field; empty for unnamed events (OpenAI chat). */
  name: string;
  /** The `data:` lines joined by newlines; undefined for comment-only blocks. */
  data: string | undefined;
}

const BOUNDARY = /\r\n\r\n|\n\n|\r\r/g;
const LINE_END = /\r\n|\n|\r/;

/**
 * Splits an SSE byte stream into events as far as the proxy needs to look
 * at them. It never produces bytes for the client: those are relayed as
 * they came, so a malformed event reaches the client unchanged.
 */
export class SseScanner {
  private decoder = new StringDecoder('utf8');
  private pending = '';
  /** Refuses to buffer an event larger than this; such a stream is not SSE we can reason about. */
  constructor(private readonly maxEventChars = 4 * 1024 * 1024) {}

  push(chunk: Buffer): SseEvent[] {
    this.pending += this.decoder.write(chunk);
    return this.drain();
  }

  /** Drops what is buffered of an unfinished event, for a caller that keeps those bytes and pushes them again. */
  forget(): void {
    this.decoder = new StringDecoder('utf8');
    this.pending = '';
  }

  /** Parses what is left when the stream ended without a final blank line. */
  end(): SseEvent[] {
    this.pending += this.decoder.end();
    const events = this.drain();
    if (this.pending.trim()) events.push(parseBlock(this.pending));
    this.pending = '';
    return events;
  }

  private drain(): SseEvent[] {
    const events: SseEvent[] = [];
    const pending = this.pending;
    let start = 0;
    if (pending.indexOf('\r') === -1) {
      // Providers frame with LF alone: with no CR anywhere, the blank lines the pattern would find are exactly the
      // "\n\n" a native search finds, left to right without overlap, at a fraction of the cost per chunk.
      for (let at = pending.indexOf('\n\n'); at !== -1; at = pending.indexOf('\n\n', start)) {
        if (at > start) events.push(parseBlock(pending.slice(start, at)));
        start = at + 2;
      }
    } else {
      BOUNDARY.lastIndex = 0;
      for (let m = BOUNDARY.exec(pending); m; m = BOUNDARY.exec(pending)) {
        const block = pending.slice(start, m.index);
        start = m.index + m[0].length;
        if (block) events.push(parseBlock(block));
      }
    }
    this.pending = start ? pending.slice(start) : pending;
    if (this.pending.length > this.maxEventChars) this.pending = '';
    return events;
  }
}

function parseBlock(block: string): SseEvent {
  if (block.indexOf('\r') !== -1) return parseLines(block.split(LINE_END));
  // LF framing (every provider): the lines are read in place, with no array of them and no copy of a field name;
  // this runs for every event of every relayed stream (ARCHITECTURE §2).
  const event: SseEvent = { name: '', data: undefined };
  for (let start = 0; start < block.length;) {
    let end = block.indexOf('\n', start);
    if (end === -1) end = block.length;
    readLine(event, block, start, end);
    start = end + 1;
  }
  return event;
}

/** One line `field: value` of an event block, `block[start, end)`: an empty line and a comment (`:…`) say nothing. */
function readLine(event: SseEvent, block: string, start: number, end: number): void {
  if (end === start || block.charCodeAt(start) === COLON) return;
  const colon = block.indexOf(':', start);
  const fieldEnd = colon === -1 || colon > end ? end : colon;
  let valueStart = fieldEnd === end ? end : fieldEnd + 1;
  if (valueStart < end && block.charCodeAt(valueStart) === SPACE) valueStart++;
  const fieldLength = fieldEnd - start;
  if (fieldLength === 5 && block.startsWith('event', start)) event.name = block.slice(valueStart, end);
  else if (fieldLength === 4 && block.startsWith('data', start)) {
    const value = block.slice(valueStart, end);
    event.data = event.data === undefined ? value : `${event.data}\n${value}`;
  }
}

/** An event block's lines read one by one: blocks framed with CR, which no provider sends but the format allows. */
function parseLines(lines: string[]): SseEvent {
  const event: SseEvent = { name: '', data: undefined };
  for (const line of lines) readLine(event, line, 0, line.length);
  return event;
}

const COLON = 0x3a;
const SPACE = 0x20;

/** An event as SSE bytes: what a translated stream sends (relayed streams are never re-encoded). */
export function encodeSseEvent(event: SseEvent): string {
  const data = (event.data ?? '')
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n');
  return event.name ? `event: ${event.name}\n${data}\n\n` : `${data}\n\n`;
}
