// Guards the README's agent guides against drifting from what "Copy Agent Setup" produces (and what the
// real-agent tests run with): every marked block must be the generator's exact text.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { checkReadmeGuide } from '../agents/readmeGuide';

describe('README agent setup guides', () => {
  it('match src/core/agentSetup.ts block for block', () => {
    const checks = checkReadmeGuide(resolve(__dirname, '../../../docs/agents.md'));
    assert.ok(checks.length >= 9);
    assert.deepEqual(
      checks.filter((c) => !c.ok).map((c) => c.text),
      [],
    );
  });
});
