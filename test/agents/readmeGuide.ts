import { readFileSync } from 'node:fs';
import { agentSetup, AGENT_IDS } from '../../src/core/agentSetup';
import type { Check } from './agentCases';
import { must } from '../helpers/must';

/** The context the README's guide is written for: the default port and a placeholder token. */
const README_CONTEXT = {
  baseUrls: { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic', gemini: 'http://127.0.0.1:17381/gemini' },
  token: 'kb-your-local-token',
};

const MARKED_BLOCK = /<!-- agent-setup:([a-z-]+) -->\n```[a-z]*\n([\s\S]*?)\n```/g;

/**
 * The README's "Agent setup" blocks must be the exact text of "Copy Agent Setup"
 * (src/core/agentSetup.ts), the settings the agent runs below use.
 */
export function checkReadmeGuide(readmePath: string): Check[] {
  const readme = readFileSync(readmePath, 'utf8');
  const blocks = new Map<string, string>();
  for (const m of readme.matchAll(MARKED_BLOCK)) blocks.set(must(m[1]), must(m[2]));
  const checks: Check[] = [];
  for (const id of AGENT_IDS) {
    const expected = agentSetup(id, README_CONTEXT).text;
    const found = blocks.get(id);
    if (found === undefined) checks.push({ ok: false, text: `README.md has no "agent-setup:${id}" block` });
    else checks.push({ ok: found === expected, text: `README's ${id} block ${found === expected ? 'is' : 'is NOT'} the text Copy Agent Setup produces` });
  }
  for (const id of blocks.keys()) {
    if (!(AGENT_IDS as string[]).includes(id)) checks.push({ ok: false, text: `README block "agent-setup:${id}" names no agent of agentSetup.ts` });
  }
  return checks;
}
