import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The agent versions the end-to-end run is pinned to. They are installed into a
 * cache folder outside the repository, never as project dependencies: each
 * package carries a native binary of a few hundred MB.
 */
const PINNED_AGENTS = {
  '@anthropic-ai/claude-code': '2.1.329',
  '@openai/codex': '0.169.0',
  // Node programs reached only through their config files (test/agents/fileAgents.ts).
  '@qwen-code/qwen-code': '0.24.4',
  '@continuedev/cli': '1.5.47',
  // A Node program speaking Gemini's own API, run headless (test/agents/geminiCli.ts).
  '@google/gemini-cli': '0.61.0',
} as const;

/** Gemini CLI's entry script (its package's `bin`), run with this Node. */
const GEMINI_SCRIPT = ['@google', 'gemini-cli', 'bundle', 'gemini.js'];

export interface InstalledAgents {
  dir: string;
  /** The install's node_modules, where the Node agents' scripts are. */
  modules: string;
  claude: string;
  codex: string;
  gemini: string;
  /** True when this call ran npm; false when the cache already held these versions. */
  installed: boolean;
  ms: number;
}

function agentsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYBRIDGE_AGENTS_CACHE || join(homedir(), '.cache', 'keybridge-agents');
}

function versionTag(): string {
  return Object.entries(PINNED_AGENTS)
    .map(([name, version]) => `${name.replace(/^@[^/]+\//, '')}-${version}`)
    .join('_');
}

/** `linux-x64`, `darwin-arm64`…: the suffix both packages use for their platform packages. */
function platformTag(): string {
  return `${process.platform}-${process.arch}`;
}

// Both wrappers are thin launchers (Claude Code's even needs a postinstall step that
// npm may skip); the test runs the native binaries from the platform packages directly.
function findClaudeBinary(modules: string): string | undefined {
  const exe = process.platform === 'win32' ? 'claude.exe' : 'claude';
  for (const suffix of ['', '-musl']) {
    const candidate = join(modules, '@anthropic-ai', `claude-code-${platformTag()}${suffix}`, exe);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function findCodexBinary(modules: string): string | undefined {
  const exe = process.platform === 'win32' ? 'codex.exe' : 'codex';
  const vendor = join(modules, '@openai', `codex-${platformTag()}`, 'vendor');
  if (!existsSync(vendor)) return undefined;
  for (const triple of readdirSync(vendor)) {
    const candidate = join(vendor, triple, 'bin', exe);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function resolveIn(dir: string): { claude: string; codex: string; gemini: string; modules: string } | undefined {
  const modules = join(dir, 'node_modules');
  const claude = findClaudeBinary(modules);
  const codex = findCodexBinary(modules);
  const nodeAgents = Object.keys(PINNED_AGENTS).filter((name) => !name.startsWith('@anthropic-ai/') && !name.startsWith('@openai/'));
  if (!nodeAgents.every((name) => existsSync(join(modules, name, 'package.json')))) return undefined;
  const gemini = join(modules, ...GEMINI_SCRIPT);
  return claude && codex && existsSync(gemini) ? { claude, codex, gemini, modules } : undefined;
}

/**
 * Installs the pinned agents once per version pair (idempotent: a finished
 * install is recognised by its stamp file and reused). The install runs in a
 * scratch folder that is renamed into place only when complete, so an
 * interrupted install never looks finished.
 */
export function ensureAgents(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): InstalledAgents {
  const started = Date.now();
  const cache = agentsCacheDir(env);
  const dir = join(cache, versionTag());
  const stamp = join(dir, 'installed.json');
  if (existsSync(stamp)) {
    const found = resolveIn(dir);
    if (found) return { dir, ...found, installed: false, ms: Date.now() - started };
  }
  mkdirSync(cache, { recursive: true });
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, 'package.json'), `${JSON.stringify({ name: 'keybridge-agents-cache', private: true, dependencies: PINNED_AGENTS }, null, 2)}\n`);
  log(
    `installing ${Object.entries(PINNED_AGENTS)
      .map(([n, v]) => `${n}@${v}`)
      .join(' ')} into ${dir}`,
  );
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // --ignore-scripts: Claude Code's postinstall only copies the platform binary we run directly; Gemini CLI's
  // node-pty build is for its interactive shell, which a headless run does not use.
  // engine-strict off: the Claude Code wrapper asks for Node 22, which its native binary does not need.
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--engine-strict=false', '--loglevel=error'], {
    cwd: scratch,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, npm_config_update_notifier: 'false' },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`npm install of the pinned agents failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
  const found = resolveIn(scratch);
  if (!found) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`the pinned agents ship no native binary for ${platformTag()}`);
  }
  writeFileSync(join(scratch, 'installed.json'), `${JSON.stringify({ agents: PINNED_AGENTS, at: new Date().toISOString() }, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  const final = resolveIn(dir);
  if (!final) throw new Error(`agents vanished from ${dir} after install`);
  return { dir, ...final, installed: true, ms: Date.now() - started };
}

export function installedVersions(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(PINNED_AGENTS)) {
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    out[name] = manifest.version;
  }
  return out;
}
