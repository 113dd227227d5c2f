/** The text without its trailing whitespace, and that whitespace. */
export function splitTrailingWhitespace(text: string): { head: string; tail: string } {
  const head = text.trimEnd();
  return { head, tail: text.slice(head.length) };
}

/**
 * Joins a continuation onto text that ended in whitespace the client already has.
 * Anthropic refuses a prefill that ends in whitespace, so the continuation is asked
 * for from the trimmed text and usually starts by producing that whitespace again;
 * a model asked to continue without prefill often starts with a space as well.
 * Whatever part of the continuation's leading whitespace repeats the delivered tail
 * is dropped, so the joined text has it once.
 */
export class WhitespaceJoin {
  private pending: string;

  constructor(deliveredTail: string) {
    this.pending = deliveredTail;
  }

  /** The part of a continuation delta the client still needs ('' when it only repeated the tail). */
  next(delta: string): string {
    if (!this.pending) return delta;
    let i = 0;
    while (i < delta.length && i < this.pending.length && delta[i] === this.pending[i]) i++;
    if (i === delta.length && i < this.pending.length) {
      this.pending = this.pending.slice(i);
      return '';
    }
    this.pending = '';
    return delta.slice(i);
  }
}
