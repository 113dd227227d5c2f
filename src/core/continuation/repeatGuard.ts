/** How much of the delivered text's end is searched for a partial repeat (a restarted sentence or paragraph). */
export const OVERLAP_WINDOW = 1024;

/**
 * The shortest repeat taken for one (in characters, whitespace runs counting as one): shorter
 * coincidences ("the ", a list marker) are how genuine continuations begin too.
 */
export const MIN_REPEAT = 16;

/** The same for a restart of the whole answer: the first words of an answer seldom begin its continuation by chance. */
const MIN_RESTART = 8;

/** Text that starts where the delivered text, or a word of its end, starts; `whole` for the delivered text itself. */
interface Candidate {
  text: string;
  whole: boolean;
  matched: number;
  alive: boolean;
}

/** Whitespace runs count as one space and leading whitespace not at all: a model restarting rarely keeps the line breaks. */
function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trimStart();
}

const SPACE = /\s/;
const isSpace = (c: string): boolean => SPACE.test(c);

/** Whether `matched` characters of the candidate are too many to be a coincidence. */
const isRepeat = (candidate: Candidate, matched: number): boolean => matched >= (candidate.whole ? MIN_RESTART : MIN_REPEAT);

/**
 * Keeps the continuation from repeating what the client already has. A model
 * asked to continue often starts the answer again from the beginning, or
 * restarts the sentence it was cut in. While the continuation's text could
 * still be such a repeat (it matches the delivered text, or the start of a word
 * near its end, so far), it is held back; once it reaches the end of the
 * delivered text, the repeated part is dropped and the rest passes; once it
 * departs from every candidate it is released as it came. A continuation that
 * repeated a long stretch and then went elsewhere (a different answer) cannot be
 * joined honestly: `failure` says so and nothing is released.
 *
 * Text is compared with whitespace runs as one space. The hold is bounded by the
 * delivered text's length: past it no candidate is left.
 */
export class RepeatGuard {
  private readonly candidates: Candidate[] = [];
  /** The candidates still matching that have not reached their end. */
  private open: Candidate[] = [];
  private state: 'holding' | 'passing' | 'failed' = 'holding';
  /** The continuation's raw text while holding. */
  private held = '';
  /** For each character of its normalised form, the raw length that covers it. */
  private readonly rawEnd: number[] = [];
  /** The normalised form so far ends in a (collapsed) whitespace run. */
  private inSpace = false;
  /** The continuation matched a candidate for long enough to be a repeat, and then departed from it. */
  private departed = false;
  /** After a repeat that ended in whitespace, the continuation's whitespace that follows is part of it. */
  private dropSpace = false;
  private reason: string | undefined;

  /**
   * `overlaps`: also look for a restart of the end (a sentence, a paragraph). Off for a
   * true prefill, where the model carries on mid-word and only an echo of the whole
   * prefill (some providers return it) is a repeat.
   */
  constructor(delivered: string, overlaps: boolean) {
    const whole = normalise(delivered);
    if (!whole) {
      this.state = 'passing';
      return;
    }
    this.candidates.push({ text: whole, whole: true, matched: 0, alive: true });
    if (overlaps) {
      for (let start = Math.max(1, whole.length - OVERLAP_WINDOW); start <= whole.length - MIN_REPEAT; start++) {
        if (whole[start - 1] === ' ' && whole[start] !== ' ') this.candidates.push({ text: whole.slice(start), whole: false, matched: 0, alive: true });
      }
    }
    this.open = [...this.candidates];
  }

  /** Why the continuation cannot be joined (it repeated the delivered text and then departed from it), if so. */
  get failure(): string | undefined {
    return this.reason;
  }

  /** The part of a continuation text delta the client needs now ('' while holding, or for a repeat). */
  push(delta: string): string {
    if (this.state === 'failed') return '';
    if (this.state === 'passing') return this.afterRepeat(delta);
    const from = this.held.length;
    this.held += delta;
    // Characters are read from the delta: indexing the growing held string would flatten it again each time.
    for (let i = 0; i < delta.length; i++) {
      this.take(delta[i], from + i);
      if (this.stillHolding()) continue;
      return this.resolve(false);
    }
    return '';
  }

  /** The continuation's text is over: what is still held, judged on what came. */
  end(): string {
    return this.state === 'holding' ? this.resolve(true) : '';
  }

  /** One raw character of the held text into the normalised form, and against the candidates. */
  private take(c: string, rawIndex: number): void {
    if (isSpace(c)) {
      if (this.rawEnd.length === 0) return;
      if (this.inSpace) {
        this.rawEnd[this.rawEnd.length - 1] = rawIndex + 1;
        return;
      }
      c = ' ';
    }
    this.inSpace = c === ' ';
    const k = this.rawEnd.length;
    this.rawEnd.push(rawIndex + 1);
    let departedAny = false;
    for (const candidate of this.open) {
      if (candidate.text[k] === c) {
        candidate.matched++;
      } else {
        candidate.alive = false;
        departedAny = true;
        if (isRepeat(candidate, k)) this.departed = true;
      }
    }
    // Only candidates still matching and not yet at their end are compared again: after a few characters, one or none.
    if (departedAny || this.open.some((candidate) => candidate.matched === candidate.text.length)) {
      this.open = this.open.filter((candidate) => candidate.alive && candidate.matched < candidate.text.length);
    }
  }

  /** Some candidate still matches everything so far without having reached its end. */
  private stillHolding(): boolean {
    return this.open.length > 0;
  }

  private resolve(ended: boolean): string {
    const complete = this.candidates
      .filter((c) => c.alive && c.matched === c.text.length)
      .sort((a, b) => b.text.length - a.text.length)
      .at(0);
    // Held at the end, a long match that never reached the end of the delivered text: the repeat stopped short.
    const stoppedShort = ended && this.candidates.some((c) => c.alive && c.matched < c.text.length && isRepeat(c, c.matched));
    if (complete && !stoppedShort) {
      this.state = 'passing';
      const cut = this.rawEnd[complete.text.length - 1];
      const rest = this.held.slice(cut);
      this.dropSpace = complete.text.endsWith(' ');
      this.held = '';
      return this.afterRepeat(rest);
    }
    if (stoppedShort || this.departed) {
      this.state = 'failed';
      this.reason = 'the continuation repeated text the client already has and then departed from it';
      return '';
    }
    this.state = 'passing';
    const all = this.held;
    this.held = '';
    return all;
  }

  private afterRepeat(text: string): string {
    if (!this.dropSpace) return text;
    const rest = text.trimStart();
    if (rest) this.dropSpace = false;
    return rest;
  }
}
