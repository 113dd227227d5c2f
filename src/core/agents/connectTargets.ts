import type { BaseUrls } from '../config';
import { join } from 'node:path';
import { hashMarkers, type BlockMarkers } from './markedBlock';
import type { TomlOutline } from './tomlOutline';

/**
 * Every file Connect Agents may write, and exactly what it writes there. The local token goes into the
 * files themselves: agents started by an editor extension (Claude Code's, Codex's) or from a desktop
 * launcher never see the variables KeyBridge puts in VS Code's terminals.
 */
export interface ConnectContext {
  baseUrls: BaseUrls;
  /** The local access token agents send as their API key (not a provider key, but still kept out of logs). */
  token: string;
  /** The user's home folder: `os.homedir()` in the hosts, a temporary folder in tests. */
  home: string;
  /** CODEX_HOME, CLAUDE_CONFIG_DIR, XDG_CONFIG_HOME, CONTINUE_GLOBAL_DIR and QWEN_HOME move the agents' folders when set. */
  env?: Readonly<Record<string, string | undefined>>;
}

export type FileTargetId = 'claude-settings' | 'codex-provider' | 'codex-profile' | 'codex-default' | 'opencode' | 'continue-config' | 'qwen-settings';

interface TargetBase {
  id: FileTargetId;
  /** What the user reads in the preview and the tree. */
  title: string;
  path(ctx: ConnectContext): string;
  /** The environment variable that moves the agent's folder (Connect refuses a relative one). */
  homeVariable: string;
  /** A new file starts as this text (so Disconnect can tell that nothing but ours was ever in it). */
  seed: string;
  /** A file the agent reads instead while this one does not exist: creating this one would hide it. */
  olderFile?(ctx: ConnectContext): string;
}

/** A marked block of TOML lines. */
export interface TomlBlockTarget extends TargetBase {
  format: 'toml-block';
  markers: BlockMarkers;
  /** `end` for tables; `root` for root keys, which TOML wants before the first table. */
  placement: 'end' | 'root';
  lines(ctx: ConnectContext): string[];
  /** Why the user's file cannot take our block (something of theirs would clash), if it cannot. */
  clash(outline: TomlOutline): string | undefined;
}

/** Members of one JSON object, each set in place; the rest of the file is left as it is. */
export interface JsonMembersTarget extends TargetBase {
  format: 'json-members';
  objectPath: string[];
  values(ctx: ConnectContext): Record<string, unknown>;
}

/** Marked items at the head of a top-level YAML list (Continue's `models:`), the list created when missing. */
export interface YamlListTarget extends TargetBase {
  format: 'yaml-list';
  markers: BlockMarkers;
  key: string;
  /** Each item's lines without indentation, the first starting with `- `. */
  items(ctx: ConnectContext): string[][];
  /** The `name` of each item, to refuse a list that already has entries called that. */
  names: string[];
}

export type FileTarget = TomlBlockTarget | JsonMembersTarget | YamlListTarget;

/** The Codex provider id Connect adds, and the name of its profile (`codex --profile keybridge`). */
const CODEX_PROVIDER = 'keybridge';

const DEFAULT_OPENAI_MODEL = 'gpt-4.1';
const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-5';

/** The agent's folder: where `variable` moves it when set, else `fallback` in the home folder. */
function agentHome(ctx: ConnectContext, variable: string, fallback: string): string {
  return ctx.env?.[variable] || join(ctx.home, fallback);
}

function codexHome(ctx: ConnectContext): string {
  return agentHome(ctx, 'CODEX_HOME', '.codex');
}

function tomlString(value: string): string {
  return JSON.stringify(value);
}

/**
 * The token goes in ANTHROPIC_AUTH_TOKEN (sent as `Authorization: Bearer`, which the bridge takes), not
 * ANTHROPIC_API_KEY: interactive Claude Code asks before it uses an API key found in its environment, with
 * "No (recommended)" preselected, and a user who presses Enter is sent to the login screen.
 */
export function claudeEnvValues(ctx: Pick<ConnectContext, 'baseUrls' | 'token'>): Record<string, string> {
  return { ANTHROPIC_BASE_URL: ctx.baseUrls.anthropic, ANTHROPIC_AUTH_TOKEN: ctx.token };
}

const claudeSettings: JsonMembersTarget = {
  id: 'claude-settings',
  title: 'Claude Code (CLI and extension): ~/.claude/settings.json',
  format: 'json-members',
  path: (ctx) => join(agentHome(ctx, 'CLAUDE_CONFIG_DIR', '.claude'), 'settings.json'),
  homeVariable: 'CLAUDE_CONFIG_DIR',
  seed: '{}\n',
  objectPath: ['env'],
  values: (ctx) => claudeEnvValues(ctx),
};

const codexProvider: TomlBlockTarget = {
  id: 'codex-provider',
  title: 'Codex: the keybridge provider in config.toml',
  format: 'toml-block',
  path: (ctx) => join(codexHome(ctx), 'config.toml'),
  homeVariable: 'CODEX_HOME',
  seed: '',
  markers: hashMarkers('keybridge'),
  placement: 'end',
  // experimental_bearer_token rather than env_key: Codex's VS Code extension starts codex without the
  // terminal variables, and an env_key whose variable is unset fails every request.
  lines: (ctx) => [
    `[model_providers.${CODEX_PROVIDER}]`,
    `name = "KeyBridge"`,
    `base_url = ${tomlString(ctx.baseUrls.openai)}`,
    `wire_api = "responses"`,
    `experimental_bearer_token = ${tomlString(ctx.token)}`,
  ],
  clash: (outline) =>
    outline.tables.includes(`model_providers.${CODEX_PROVIDER}`) ? `it already has a [model_providers.${CODEX_PROVIDER}] table of its own` : undefined,
};

// Codex 0.134 and later read a profile from its own file and refuse `[profiles.x]` tables and the root
// `profile = "x"` selector in config.toml ("legacy profile … is no longer supported").
const codexProfile: TomlBlockTarget = {
  id: 'codex-profile',
  title: 'Codex: the keybridge profile (codex --profile keybridge)',
  format: 'toml-block',
  path: (ctx) => join(codexHome(ctx), `${CODEX_PROVIDER}.config.toml`),
  homeVariable: 'CODEX_HOME',
  seed: '',
  markers: hashMarkers('keybridge'),
  placement: 'root',
  lines: () => [`model_provider = ${tomlString(CODEX_PROVIDER)}`],
  clash: (outline) => (outline.rootKeys.includes('model_provider') ? 'it already sets model_provider' : undefined),
};

/** Only on a second confirmation: makes the keybridge provider Codex's default (the VS Code extension reads no profiles). */
const codexDefault: TomlBlockTarget = {
  id: 'codex-default',
  title: 'Codex: keybridge as the default provider in config.toml',
  format: 'toml-block',
  path: (ctx) => join(codexHome(ctx), 'config.toml'),
  homeVariable: 'CODEX_HOME',
  seed: '',
  markers: hashMarkers('keybridge default provider'),
  placement: 'root',
  lines: () => [`model_provider = ${tomlString(CODEX_PROVIDER)}`],
  clash: (outline) => {
    if (outline.rootKeys.includes('model_provider')) return 'it already sets model_provider at the top: change that line yourself, or use `codex --profile keybridge`';
    if (outline.rootKeys.includes('profile')) return 'it sets the legacy `profile` selector, which this Codex refuses';
    return undefined;
  },
};

const opencode: JsonMembersTarget = {
  id: 'opencode',
  title: 'opencode: the keybridge provider in opencode.json',
  format: 'json-members',
  path: (ctx) => join(agentHome(ctx, 'XDG_CONFIG_HOME', '.config'), 'opencode', 'opencode.json'),
  homeVariable: 'XDG_CONFIG_HOME',
  seed: '{}\n',
  objectPath: ['provider'],
  values: (ctx) => ({
    [CODEX_PROVIDER]: {
      npm: '@ai-sdk/openai-compatible',
      name: 'KeyBridge',
      options: { baseURL: ctx.baseUrls.openai, apiKey: ctx.token },
      models: { [DEFAULT_OPENAI_MODEL]: {} },
    },
  }),
};

const CONTINUE_MODELS = { openai: 'KeyBridge (OpenAI)', anthropic: 'KeyBridge (Anthropic)' };

function continueHome(ctx: ConnectContext): string {
  return agentHome(ctx, 'CONTINUE_GLOBAL_DIR', '.continue');
}

// The VS Code extension and the `cn` CLI read the same file. Strings are written as JSON strings, which
// YAML reads as double-quoted scalars: no value can change the list's shape.
const continueConfig: YamlListTarget = {
  id: 'continue-config',
  title: 'Continue: two KeyBridge models in config.yaml',
  format: 'yaml-list',
  path: (ctx) => join(continueHome(ctx), 'config.yaml'),
  homeVariable: 'CONTINUE_GLOBAL_DIR',
  // Continue refuses a config.yaml without these three lines.
  seed: 'name: Local Config\nversion: 1.0.0\nschema: v1\n',
  olderFile: (ctx) => join(continueHome(ctx), 'config.json'),
  markers: hashMarkers('keybridge'),
  key: 'models',
  names: [CONTINUE_MODELS.openai, CONTINUE_MODELS.anthropic],
  items: (ctx) => [
    [
      `- name: ${JSON.stringify(CONTINUE_MODELS.openai)}`,
      `  provider: openai`,
      `  model: ${JSON.stringify(DEFAULT_OPENAI_MODEL)}`,
      `  apiBase: ${JSON.stringify(ctx.baseUrls.openai)}`,
      `  apiKey: ${JSON.stringify(ctx.token)}`,
    ],
    [
      `- name: ${JSON.stringify(CONTINUE_MODELS.anthropic)}`,
      `  provider: anthropic`,
      `  model: ${JSON.stringify(DEFAULT_ANTHROPIC_MODEL)}`,
      // Continue's Anthropic provider appends `messages` to its apiBase.
      `  apiBase: ${JSON.stringify(`${ctx.baseUrls.anthropic}/v1/`)}`,
      `  apiKey: ${JSON.stringify(ctx.token)}`,
    ],
  ],
};

// Qwen Code takes the `env` object of its settings as the lowest-priority source of variables; with these
// three it picks its OpenAI-compatible sign-in by itself (no /auth step).
const qwenSettings: JsonMembersTarget = {
  id: 'qwen-settings',
  title: 'Qwen Code: ~/.qwen/settings.json',
  format: 'json-members',
  path: (ctx) => join(agentHome(ctx, 'QWEN_HOME', '.qwen'), 'settings.json'),
  homeVariable: 'QWEN_HOME',
  seed: '{}\n',
  objectPath: ['env'],
  values: (ctx) => ({ OPENAI_BASE_URL: ctx.baseUrls.openai, OPENAI_API_KEY: ctx.token, OPENAI_MODEL: DEFAULT_OPENAI_MODEL }),
};

export const FILE_TARGETS: Record<FileTargetId, FileTarget> = {
  'claude-settings': claudeSettings,
  'codex-provider': codexProvider,
  'codex-profile': codexProfile,
  'codex-default': codexDefault,
  opencode,
  'continue-config': continueConfig,
  'qwen-settings': qwenSettings,
};
