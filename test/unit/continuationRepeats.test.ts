// Guards RepeatGuard, which keeps a continuation from repeating what the client already has: a model asked to
// continue often starts the answer again, or restarts the sentence it was cut in. The repeated part is dropped
// (whitespace runs compare as one space), a genuine continuation passes at once, a short coincidence is not taken
// for a repeat, and a continuation that repeated and then went elsewhere is refused, with nothing released.
import assert from 'node:assert/strict';
import { MIN_REPEAT, OVERLAP_WINDOW, RepeatGuard } from '../../src/core/continuation/repeatGuard';

const DELIVERED = 'The quick brown fox jumps over the lazy dog, then rests under the old oak tr';

/** Feeds deltas one by one; returns what each released, and the end's release. */
function feed(guard: RepeatGuard, deltas: string[]): { released: string[]; end: string } {
  const released = deltas.map((delta) => guard.push(delta));
  return { released, end: guard.end() };
}

/** Splits text into deltas of `size` characters, as a stream would deliver it. */
function deltasOf(text: string, size = 5): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

const joined = (r: { released: string[]; end: string }): string => r.released.join('') + r.end;

describe('continuation: RepeatGuard', () => {
  it('passes a genuine continuation at once, delta by delta', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    const r = feed(guard, ['ee until', ' the evening', ' comes.']);
    assert.deepEqual(r.released, ['ee until', ' the evening', ' comes.']);
    assert.equal(r.end, '');
    assert.equal(guard.failure, undefined);
  });

  it('drops a restart from the beginning and releases only what follows the delivered text', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    const r = feed(guard, deltasOf(`${DELIVERED}ee until the evening comes.`));
    assert.equal(joined(r), 'ee until the evening comes.');
    assert.equal(guard.failure, undefined);
  });

  it('takes a restart with other whitespace (line breaks, double spaces, a leading newline) for one', () => {
    const guard = new RepeatGuard('The quick brown fox\njumps over ', true);
    assert.equal(joined(feed(guard, ['\n\nThe quick  brown', ' fox jumps', '\n over the', ' lazy dog.'])), 'the lazy dog.');
  });

  it('after a delivered text ending in whitespace, drops the whitespace that ends the repeat even when it comes later', () => {
    const guard = new RepeatGuard('The quick brown fox ', true);
    assert.equal(joined(feed(guard, ['The quick brown fox', ' ', '\n', 'jumps.'])), 'jumps.');
  });

  it('drops a restart of the last sentence (a partial overlap), keeping the rest of the word that was cut', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    assert.equal(joined(feed(guard, deltasOf('then rests under the old oak tree until the evening comes.', 3))), 'ee until the evening comes.');
  });

  it('prefers the longest overlap', () => {
    const delivered = 'Step one. Repeat the loop. Repeat the loop until done';
    const guard = new RepeatGuard(delivered, true);
    assert.equal(joined(feed(guard, deltasOf('Repeat the loop. Repeat the loop until done, then stop.'))), ', then stop.');
  });

  it('does not take a short coincidence for a repeat', () => {
    const delivered = 'Write it down, then walk to the';
    const guard = new RepeatGuard(delivered, true);
    // "the" and "to the" also start words of the delivered end, but are far below MIN_REPEAT characters.
    assert.ok('to the'.length < MIN_REPEAT);
    assert.equal(joined(feed(guard, [' to the', ' park.'])), ' to the park.');
    assert.equal(guard.failure, undefined);
  });

  it('refuses a restart that departs from the delivered text: nothing is released', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    const r = feed(guard, deltasOf('The quick brown cat sleeps all day in the sun.'));
    assert.equal(joined(r), '');
    assert.match(guard.failure ?? '', /repeated text the client already has/);
    assert.equal(guard.push(' More.'), '', 'nothing after the refusal either');
  });

  it('refuses a restart that ends before reaching the end of the delivered text', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    const r = feed(guard, ['The quick brown fox jumps', ' over the lazy dog.']);
    assert.deepEqual(r.released, ['', ''], 'held while it could still be a repeat');
    assert.equal(r.end, '');
    assert.ok(guard.failure);
  });

  it('refuses a restarted sentence that goes elsewhere', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    feed(guard, deltasOf('then rests under the old maple for a while.'));
    assert.ok(guard.failure);
  });

  it('releases held text at the end when it was too short to be a repeat', () => {
    const guard = new RepeatGuard(DELIVERED, true);
    const r = feed(guard, ['The']);
    assert.deepEqual(r.released, ['']);
    assert.equal(r.end, 'The', 'a continuation this short that begins like the answer is not evidence of a restart');
    assert.equal(guard.failure, undefined);
  });

  it('with a true prefill, looks only for an echo of the whole delivered text, not for a restarted sentence', () => {
    const echo = new RepeatGuard(DELIVERED, false);
    assert.equal(joined(feed(echo, deltasOf(`${DELIVERED}ee.`))), 'ee.');
    const prefilled = new RepeatGuard(DELIVERED, false);
    const text = 'then rests under the old oak tree.';
    assert.equal(joined(feed(prefilled, deltasOf(text))), text, 'after a prefill the model carries on; this is what it wrote');
  });

  it('looks for overlaps only within the window at the end of the delivered text', () => {
    const start = 'An opening sentence that is long enough. ';
    const delivered = start + 'x '.repeat(OVERLAP_WINDOW) + 'end';
    const guard = new RepeatGuard(delivered, true);
    const text = 'An opening sentence that is long enough to matter.';
    // The whole answer's start is still a candidate (a restart), and this one departs from it: refused.
    feed(guard, [text]);
    assert.ok(guard.failure);
    const far = new RepeatGuard(`Intro. ${'word '.repeat(400)}A sentence far back in the text. ${'y '.repeat(OVERLAP_WINDOW)}end`, true);
    assert.equal(joined(feed(far, ['A sentence far back in the text, again.'])), 'A sentence far back in the text, again.');
  });

  it('passes everything when nothing but whitespace was delivered', () => {
    const guard = new RepeatGuard(' \n', true);
    assert.equal(guard.push('The answer.'), 'The answer.');
  });

  it('holds a long restart without quadratic work', () => {
    const delivered = 'lorem ipsum dolor sit amet '.repeat(4000);
    const guard = new RepeatGuard(delivered, true);
    const started = process.hrtime.bigint();
    const r = feed(guard, [...deltasOf(delivered, 4), 'and the end.']);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(joined(r), 'and the end.');
    assert.ok(ms < 2000, `took ${ms} ms`);
  });
});
