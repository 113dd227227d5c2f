// Guards issue 20, item 2: every client format (Anthropic Messages, Chat, Responses) × every provider dialect it
// is translated to × streamed or not, each a session of two tool round trips and a final text, through the real
// bridge with the real SDKs, the fake provider playing that provider strictly: refusing in its own words what it
// refuses (test/fakeProvider/strictRules.ts) and answering in its own shapes (dialectAnswers.ts). The cases that
// fail on p20-base run in test/pending/ until the translators are fixed (test/helpers/translationPending.ts).
import assert from 'node:assert/strict';
import { SESSION_CASES } from '../helpers/strictSessions';
import { MATRIX, runMatrixCase, startMatrixHarness } from '../helpers/translationMatrix';
import type { Harness } from '../helpers/harness';
import { PENDING } from '../helpers/translationPending';

describe('translation matrix: two tool round trips against strict providers', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => (h = await startMatrixHarness()));
  after(async () => h.close());

  it('names only existing cases as pending', () => {
    const names = new Set([...MATRIX, ...SESSION_CASES].map((c) => c.name));
    assert.deepEqual(Object.keys(PENDING).filter((name) => !names.has(name)), []);
  });

  for (const c of MATRIX.filter((m) => !(m.name in PENDING))) it(c.name, () => runMatrixCase(h, c));
});
