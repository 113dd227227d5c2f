/**
 * `npm run test:agents`: the real Claude Code and Codex CLI, pinned and cached
 * outside the repo, run non-interactively and offline through the headless
 * bridge (`dist/cli.js serve`, a child process) in front of the in-repo fake
 * provider. Nine cases per agent (the fifth a translated fallback, the sixth only what Connect Agents wrote, the
 * seventh to ninth fallbacks to strict Groq, DeepSeek-thinking and Gemini 3 pools, strictAgentCases.ts),
 * then Qwen Code and Continue's CLI with only what Connect Agents wrote, then Gemini CLI on Gemini's own API
 * (geminiCli.ts: straight at the fake, then a plain turn, a tool round trip, a revoked key, every key
 * rate-limited and a translated fallback through the bridge; geminiConnected.ts: only what Connect Agents
 * wrote, through a fallback to another protocol's pool), after checking that the README's agent guide is
 * the text of src/core/agentSetup.ts; prints what each saw and ends with `N passed, N failed`.
 *
 * Environment: KEYBRIDGE_AGENTS_CACHE (install folder), KEYBRIDGE_AGENTS
 * (comma list of agent ids to run), KEYBRIDGE_AGENT_CASES (comma list of case ids),
 * KEYBRIDGE_AGENT_TIMEOUT_MS (hard limit per agent run, default 120000).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startFakeProvider } from '../fakeProvider/fakeProvider';
import { AGENT_CASES, makeSecrets, type CaseContext, type CaseReport } from './agentCases';
import { AGENT_DRIVERS } from './agentDrivers';
import { ensureAgents, installedVersions } from './agentInstall';
import { FILE_AGENTS, runConnectedFileAgent } from './fileAgents';
import { GEMINI_CASES, makeGeminiSecrets } from './geminiCli';
import { GEMINI_CONNECT_CASES } from './geminiConnected';
import { checkReadmeGuide } from './readmeGuide';
import { STRICT_AGENT_CASES } from './strictAgentCases';

function selected<T extends { id: string }>(all: readonly T[], list: string | undefined): T[] {
  if (!list) return [...all];
  const ids = list.split(',').map((s) => s.trim());
  return all.filter((item) => ids.includes(item.id));
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<number> {
  const jobStarted = Date.now();
  const cli = resolve(__dirname, '../../../dist/cli.js');
  if (!existsSync(cli)) {
    print(`missing ${cli}: run "npm run build" first`);
    print('0 passed, 1 failed');
    return 1;
  }

  let passed = 0;
  let failed = 0;
  const readmeChecks = checkReadmeGuide(resolve(__dirname, '../../../docs/agents.md'));
  const readmeOk = readmeChecks.every((c) => c.ok);
  print(`── docs/agents.md "Agent setup" against src/core/agentSetup.ts`);
  for (const c of readmeChecks) if (!c.ok) print(`   ✗ ${c.text}`);
  print(`${readmeOk ? 'PASS' : 'FAIL'} docs/agents.md guide: ${readmeChecks.filter((c) => c.ok).length}/${readmeChecks.length} blocks match`);
  if (readmeOk) passed++;
  else failed++;
  print('');

  const agents = ensureAgents(print);
  const versions = installedVersions(agents.dir);
  print(
    `agents ${agents.installed ? 'installed' : 'cached'} in ${(agents.ms / 1000).toFixed(1)} s: ${Object.entries(versions)
      .map(([n, v]) => `${n}@${v}`)
      .join(', ')} (${agents.dir})`,
  );

  const fake = await startFakeProvider({ streamEvents: 3 });
  const binaries = { 'claude-code': agents.claude, codex: agents.codex };
  const agentTimeoutMs = Number(process.env.KEYBRIDGE_AGENT_TIMEOUT_MS) || 120_000;
  try {
    /** Runs one case and prints what it saw and its checks; a crash is a failed check. */
    const runCase = async (title: string, run: () => Promise<CaseReport>): Promise<void> => {
      print('');
      print(`── ${title}`);
      const started = Date.now();
      let report: CaseReport;
      try {
        report = await run();
      } catch (error) {
        report = { saw: [], checks: [{ ok: false, text: `the case crashed: ${(error as Error).stack ?? String(error)}` }] };
      }
      for (const line of report.saw) print(`   ${line}`);
      for (const c of report.checks) print(`   ${c.ok ? '✓' : '✗'} ${c.text}`);
      const ok = report.checks.length > 0 && report.checks.every((c) => c.ok);
      print(`${ok ? 'PASS' : 'FAIL'} ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (ok) passed++;
      else failed++;
    };
    const tokens = () => ({
      secrets: makeSecrets(),
      token: `kb-agents-${randomBytes(12).toString('hex')}`,
      adminToken: `kb-agents-admin-${randomBytes(12).toString('hex')}`,
    });
    const cases = selected([...AGENT_CASES, ...STRICT_AGENT_CASES], process.env.KEYBRIDGE_AGENT_CASES);
    for (const agent of selected(AGENT_DRIVERS, process.env.KEYBRIDGE_AGENTS)) {
      for (const testCase of cases) {
        const ctx: CaseContext = { agent, binary: binaries[agent.id], fake, cli, ...tokens(), agentTimeoutMs };
        await runCase(`${agent.name}: ${testCase.title}`, () => testCase.run(ctx));
      }
    }
    // Agents reached through their config files only take the 'connected' case.
    if (cases.some((c) => c.id === 'connected')) {
      for (const agent of selected(FILE_AGENTS, process.env.KEYBRIDGE_AGENTS)) {
        await runCase(`${agent.name}: started with only what Connect Agents wrote`, () =>
          runConnectedFileAgent({ agent, modules: agents.modules, fake, cli, ...tokens(), agentTimeoutMs }),
        );
      }
    }
    if (selected([{ id: 'gemini-cli' }], process.env.KEYBRIDGE_AGENTS).length > 0) {
      for (const testCase of selected([...GEMINI_CASES, ...GEMINI_CONNECT_CASES], process.env.KEYBRIDGE_AGENT_CASES)) {
        const ctx = { script: agents.gemini, fake, cli, ...tokens(), geminiSecrets: makeGeminiSecrets(), agentTimeoutMs };
        await runCase(`Gemini CLI: ${testCase.title}`, () => testCase.run(ctx));
      }
    }
  } finally {
    await fake.close();
  }
  print('');
  print(`agent job took ${((Date.now() - jobStarted) / 1000).toFixed(1)} s (install/cache check ${(agents.ms / 1000).toFixed(1)} s)`);
  print(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    print(`agent tests could not run: ${(error as Error).stack ?? String(error)}`);
    print('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
