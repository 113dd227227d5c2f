// Guards issue 20, items 2 and 3: a session that moves between Anthropic and another provider mid-way (Claude Code
// or Codex after a pool's keys are rate-limited, and back), and Chat requests carrying what Anthropic refuses, are
// taken at once by each strict provider. Before the reader → model → writer translation, 12 of these failed.
import { SESSION_CASES } from '../helpers/strictSessions';
import { startMatrixHarness } from '../helpers/translationMatrix';
import type { Harness } from '../helpers/harness';

describe('sessions across strict providers', function () {
  this.timeout(30_000);
  let h: Harness;
  // A bridge per case: which keys are cooling is part of each session.
  beforeEach(async () => (h = await startMatrixHarness()));
  afterEach(async () => h.close());
  for (const c of SESSION_CASES) it(c.name, () => c.run(h));
});
