import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connectFile, disconnectFile } from '../../src/core/agents/agentFiles';
import type { FileTargetId } from '../../src/core/agents/agentList';
import { bridgeUrls, check, maskToken, modelRequests, quote, withFreshBridge, type CaseContext, type CaseReport } from './agentCases';
import type { RunDirs } from './agentDrivers';
import { runAgent } from './processes';

/**
 * Agents KeyBridge reaches only through their own config files (Qwen Code's settings.json, Continue's
 * config.yaml): each is started with nothing of KeyBridge in its environment, beside a file of the user's
 * own, and must answer through the bridge with what Connect Agents wrote. Unlike Claude Code and Codex,
 * they are Node programs, run with this Node; both take a prompt with `-p` and speak OpenAI Chat to the bridge.
 */
export interface FileAgent {
  id: 'qwen-code' | 'continue';
  name: string;
  /** Its npm package and the script its bin entry names. */
  pkg: string;
  script: string;
  target: FileTargetId;
  /** The user's own file before Connect: Disconnect must give it back byte for byte. */
  userFile: { path: string[]; text: string };
}

export const FILE_AGENTS: readonly FileAgent[] = [
  {
    id: 'qwen-code',
    name: 'Qwen Code',
    pkg: '@qwen-code/qwen-code',
    script: 'cli-entry.js',
    target: 'qwen-settings',
    // `$version` 4 is what Qwen Code 0.24 migrates a settings file to (it rewrites an older one).
    userFile: { path: ['.qwen', 'settings.json'], text: '{\n  "$version": 4,\n  "ui": {\n    "theme": "Default"\n  }\n}\n' },
  },
  {
    id: 'continue',
    name: 'Continue (cn, the CLI of the VS Code extension)',
    pkg: '@continuedev/cli',
    script: 'dist/cn.js',
    target: 'continue-config',
    // Continue's first config, with its empty models list: KeyBridge's block takes that line's place.
    userFile: { path: ['.continue', 'config.yaml'], text: 'name: Local Config\nversion: 1.0.0\nschema: v1\nmodels: []\ncontext:\n  - provider: code\n' },
  },
];

export type FileAgentContext = Omit<CaseContext, 'agent' | 'binary'> & { agent: FileAgent; modules: string };

/** The environment of one run: HOME and PATH, nothing of KeyBridge's or the agent's own variables, no proxy. */
function cleanEnv(dirs: RunDirs): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dirs.home,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
}

export function runConnectedFileAgent(ctx: FileAgentContext): Promise<CaseReport> {
  const { agent } = ctx;
  return withFreshBridge(ctx, 'connected', [], async ({ dirs, bridge, saw, checks }) => {
    const userPath = join(dirs.home, ...agent.userFile.path);
    mkdirSync(dirname(userPath), { recursive: true });
    writeFileSync(userPath, agent.userFile.text);
    const connected = connectFile(agent.target, { baseUrls: bridgeUrls(bridge), token: ctx.token, home: dirs.home });
    saw.push(`Connect Agents wrote ${agent.userFile.path.join('/')}: ${quote(connected.lines.join(' | ').split(ctx.token).join('<token>'), 400)}`);

    const k1 = ctx.secrets.openai.k1;
    ctx.fake.reset();
    const answer = `pong KB-CONNECTED-${randomBytes(4).toString('hex')}`;
    ctx.fake.setResponder(() => ({ text: answer }));
    const env = cleanEnv(dirs);
    const result = await runAgent({
      command: process.execPath,
      args: [join(ctx.modules, agent.pkg, agent.script), '-p', 'Reply with the single word pong.'],
      cwd: dirs.work,
      env,
      timeoutMs: ctx.agentTimeoutMs,
    });
    const printed = result.stdout.trim();
    const entries = modelRequests(ctx.fake);
    const how = result.timedOut ? 'KILLED at the time limit' : `exit ${result.code ?? result.signal}`;
    saw.push(`agent ${how} after ${(result.ms / 1000).toFixed(1)} s; printed ${quote(maskToken(printed, ctx.token))}`);
    if (result.code !== 0) saw.push(`stderr ${quote(maskToken(result.stderr, ctx.token), 400)}`);
    for (const e of entries)
      saw.push(`provider got ${e.endpoint} model ${e.model ?? '?'} with ${e.key === k1 ? 'pool key k1' : 'another credential'} → ${e.status}`);

    check(checks, !result.timedOut && result.code === 0, 'the agent finished on its own with exit 0');
    check(checks, printed.includes(answer), `the agent printed the provider's answer ${quote(answer)}`);
    check(
      checks,
      entries.length >= 1 && entries.every((e) => e.key === k1 && e.status === 200),
      'every model request went through the bridge to pool key k1 and got 200',
    );
    check(
      checks,
      !entries.some((e) => JSON.stringify(e.headers).includes(ctx.token)),
      'the local token never reached the provider (the bridge swapped in the pool key)',
    );

    saw.push(`Disconnect: ${agent.userFile.path.join('/')} ${disconnectFile(connected.record, connected.previous)}`);
    const after = readFileSync(userPath, 'utf8');
    check(
      checks,
      after === agent.userFile.text,
      `Disconnect gave ${agent.userFile.path.join('/')} back byte for byte${after === agent.userFile.text ? '' : ` (now ${quote(after, 300)})`}`,
    );
  });
}
