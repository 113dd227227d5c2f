// Guards the one-spec-per-agent layout (docs/ARCHITECTURE.md §1): every spec file under src/core/agents/specs/ is
// in the list, ids are unique, each place Connect writes belongs to one agent and is offered by one of its rows,
// and the hosts' views (detection, Copy Agent Setup, usage attribution) are read from the list.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AGENTS } from '../../src/core/agents/agentCatalog';
import { AGENT_SPECS, FILE_TARGETS } from '../../src/core/agents/agentList';
import type { AgentSpec } from '../../src/core/agents/agentSpec';
import { AGENT_IDS } from '../../src/core/agentSetup';
import { agentOf } from '../../src/core/usage/usageRecord';

const SPECS_DIR = join(__dirname, '..', '..', 'src', 'core', 'agents', 'specs');

function isSpec(value: unknown): value is AgentSpec {
  return typeof value === 'object' && value !== null && 'id' in value && 'files' in value && 'choices' in value;
}

describe('agent specs', () => {
  it('lists every spec file, each once', () => {
    const listed = new Set<AgentSpec>(AGENT_SPECS);
    const files = readdirSync(SPECS_DIR).filter((name) => name.endsWith('.js'));
    assert.ok(files.length >= AGENT_SPECS.length, files.join(', '));
    for (const file of files) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- each spec file the folder holds, found at run time
      const exported = Object.values(require(join(SPECS_DIR, file)) as Record<string, unknown>).filter(isSpec);
      assert.equal(exported.length, 1, `${file} exports one spec`);
      assert.ok(listed.has(exported[0]), `${file}'s spec is in AGENT_SPECS`);
    }
    const ids = AGENT_SPECS.map((spec) => spec.id);
    assert.equal(new Set(ids).size, ids.length, `ids are unique: ${ids.join(', ')}`);
  });

  it('gives each place Connect writes to one agent, offered by one of its rows', () => {
    const places = AGENT_SPECS.flatMap((spec) => [...spec.files.map((f) => f.id), ...spec.settings]);
    assert.equal(new Set(places).size, places.length, `no place is written for two agents: ${places.join(', ')}`);
    assert.deepEqual(
      Object.keys(FILE_TARGETS),
      AGENT_SPECS.flatMap((spec) => spec.files.map((f) => f.id)),
    );
    for (const spec of AGENT_SPECS) {
      const own = new Set<string>([...spec.files.map((f) => f.id), ...spec.settings]);
      const offered = new Set<string>(spec.choices.flatMap((c) => c.targets));
      for (const target of offered) assert.ok(own.has(target), `${spec.id} offers ${target}, which is not its own`);
      if (own.size > 0) assert.ok(offered.size > 0, `${spec.id} writes files but offers no row to write them`);
      if (own.size === 0 && (spec.extensions.length > 0 || spec.cli))
        assert.ok(spec.instead, `${spec.id} is detected but Connect cannot write for it: it says where to point it instead`);
    }
  });

  it('is what detection, Copy Agent Setup and the usage records read', () => {
    assert.deepEqual(
      AGENTS.map((a) => a.id),
      AGENT_SPECS.map((s) => s.id),
    );
    assert.deepEqual(AGENTS.find((a) => a.id === 'claude-code')?.targets, ['claude-settings', 'claude-setting-user', 'claude-setting-workspace']);
    assert.deepEqual(AGENT_IDS, [...AGENT_SPECS.filter((s) => s.setup).map((s) => s.id), 'shell']);
    assert.equal(agentOf('claude-cli/2.0.14 (external, cli)'), 'claude-code');
    assert.equal(agentOf('QwenCode/0.1.0 (linux; x64)'), 'qwen-code');
    assert.equal(agentOf('continue/1.2'), 'continue');
  });
});
