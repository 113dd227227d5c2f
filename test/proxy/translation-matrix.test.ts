// Guards issue 20, item 2: every client format (Anthropic Messages, Chat, Responses) × every provider dialect it
// is translated to × streamed or not, each a session of two tool round trips and a final text, through the real
// bridge with the real SDKs, the fake provider playing that provider strictly: refusing in its own words what it
// refuses (test/fakeProvider/strictRules.ts) and answering in its own shapes (dialectAnswers.ts). Before the
// reader → model → writer translation, 14 of these 32 cases failed (DeepSeek's and Gemini's second tool turn,
// Kimi's ids and reasoning, OpenAI's reasoning models' token limit).
import { MATRIX, runMatrixCase, startMatrixHarness } from '../helpers/translationMatrix';
import type { Harness } from '../helpers/harness';

describe('translation matrix: two tool round trips against strict providers', function () {
  this.timeout(30_000);
  let h: Harness;
  before(async () => (h = await startMatrixHarness()));
  after(async () => h.close());

  for (const c of MATRIX) it(c.name, () => runMatrixCase(h, c));
});
