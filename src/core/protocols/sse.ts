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
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Refuses to buffer an event larger than this; such a stream is not SSE we can reason about. */
  constructor(private readonly maxEventChars = 4 * 1024 * 1024) {}

  push(chunk: Buffer): SseEvent[] {
    this.pending += this.decoder.write(chunk);
    return this.drain();
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
  let name = '';
  let data: string | undefined;
  for (const line of block.indexOf('\r') === -1 ? block.split('\n') : block.split(LINE_END)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  return { name, data };
}

/** An event as SSE bytes: what a translated stream sends (relayed streams are never re-encoded). */
export function encodeSseEvent(event: SseEvent): string {
  const data = (event.data ?? '')
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n');
  return event.name ? `event: ${event.name}\n${data}\n\n` : `${data}\n\n`;
}
