// Guards the README's "Connect agents" section against drifting from what Connect Agents writes: its two
// Codex blocks must be the module's exact output for the README's port and placeholder token.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FILE_TARGETS } from '../../src/core/agents/agentList';
import { planConnect } from '../../src/core/agents/fileConnection';

const ctx = {
  baseUrls: { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic', gemini: 'http://127.0.0.1:17381/gemini' },
  token: 'kb-your-local-token',
  home: '/home/you',
};

describe('README "Connect agents"', () => {
  it('shows the Codex and Continue blocks and the Qwen Code members exactly as Connect Agents writes them', () => {
    const readme = readFileSync(resolve(__dirname, '../../../docs/agents.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Connect agents'), readme.indexOf('### Agent end-to-end tests'));
    const blocks = [...section.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.deepEqual(blocks, [planConnect('codex-provider', ctx, undefined).after, planConnect('codex-default', ctx, '[t]\n').after.replace(/\n\[t\]\n$/, '')]);
    assert.match(section, /"ANTHROPIC_BASE_URL": "http:\/\/127\.0\.0\.1:17381\/anthropic"`, `"ANTHROPIC_AUTH_TOKEN": "kb-your-local-token"`/);
    const yaml = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const header = 'name: Local Config\nversion: 1.0.0\nschema: v1\n';
    assert.deepEqual(yaml, [planConnect('continue-config', ctx, `${header}models: []\n`).after.slice(header.length)]);
    const qwenRow = section.split('\n').find((l) => l.startsWith('| Qwen Code |')) ?? '';
    const qwen = FILE_TARGETS['qwen-settings'];
    assert.ok(qwen.format === 'json-members');
    for (const [name, value] of Object.entries(qwen.values(ctx))) {
      assert.ok(qwenRow.includes(`\`${JSON.stringify(name)}: ${JSON.stringify(value)}\``), `the Qwen Code row shows ${name} as written`);
    }
  });
});
