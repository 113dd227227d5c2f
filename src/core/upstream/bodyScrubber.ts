import { longestQuote, mayQuote, redactSecrets } from '../secrets';

const EMPTY = Buffer.alloc(0);

/**
 * Removes quotes of the attempt's key from a relayed answer body as it
 * passes, without buffering it: each chunk goes out at once except its last
 * few hundred bytes (the longest form a quote can take), held back until the
 * next chunk shows whether a quote continues there. Redaction keeps the
 * body's length, so its Content-Length stays true. Nearly every chunk costs a
 * few native searches (`mayQuote` says which quotes a body is searched for)
 * and no copy beyond the held-back tail.
 */
export class BodyScrubber {
  private carry: Buffer = EMPTY;
  private readonly keep: number;
  private received = 0;

  /** `declaredLength` is the answer's Content-Length, when it has one: its last chunk needs no holding back. */
  constructor(
    private readonly secret: string,
    private readonly declaredLength = NaN,
  ) {
    this.keep = longestQuote(secret);
  }

  /** The bytes that may go out now; `last` says no chunk follows this one, so nothing need be held back. */
  push(chunk: Buffer, last = false): Buffer {
    this.received += chunk.length;
    const window = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    if (last || this.received >= this.declaredLength) {
      // The whole body is here (most answers come in one chunk): one write, no tail held back.
      this.carry = EMPTY;
      return mayQuote(window, this.secret) ? Buffer.from(redactSecrets(window.toString('latin1'), [this.secret], 'body'), 'latin1') : window;
    }
    if (window.length <= this.keep) {
      this.carry = window === chunk ? Buffer.from(chunk) : window;
      return EMPTY;
    }
    const sendable = window.length - this.keep;
    // A quote that starts before `sendable` is at most `keep` long, so it lies whole inside the window.
    const out = mayQuote(window, this.secret) ? Buffer.from(redactSecrets(window.toString('latin1'), [this.secret], 'body', sendable), 'latin1') : window;
    this.carry = Buffer.from(out.subarray(sendable));
    return out.subarray(0, sendable);
  }

  /** The held-back tail, redacted, once the body has ended. */
  flush(): Buffer {
    const rest = this.carry;
    this.carry = EMPTY;
    return rest.length && mayQuote(rest, this.secret) ? Buffer.from(redactSecrets(rest.toString('latin1'), [this.secret], 'body'), 'latin1') : rest;
  }
}
