/**
 * The exact lines each coding agent needs to use the bridge. Shared by the
 * extension's "Copy Agent Setup" command, its terminal environment, the CLI
 * and docs/agents.md, so the three never disagree.
 */
import { PROTOCOLS, type BaseUrls, type Protocol } from './config';
import { bridgeRootOf } from './server/paths';

export interface AgentSetupContext {
  /** `{ openai: http://127.0.0.1:PORT/openai/v1, anthropic: http://127.0.0.1:PORT/anthropic }` */
  baseUrls: BaseUrls;
  /** The local access token agents send as their API key. */
  token: string;
  /** Model names to put in configs that must name one. */
  openaiModel?: string;
  anthropicModel?: string;
}

export type AgentId = 'claude-code' | 'codex' | 'openai-sdk' | 'anthropic-sdk' | 'opencode' | 'aider' | 'cline-roo' | 'continue' | 'qwen-code' | 'shell';

export interface AgentSetup {
  id: AgentId;
  title: string;
  /** Where the text goes (a shell, a file, a settings page). */
  where: string;
  text: string;
}

const TOKEN_ENV = 'KEYBRIDGE_TOKEN';

const DEFAULT_OPENAI_MODEL = 'gpt-4.1';
const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-5';

/**
 * Environment variables that point the common agents at the bridge. Claude
 * Code and the Anthropic SDK read the ANTHROPIC_* variables (server root, no /v1);
 * the OpenAI SDK, Codex's default provider, Qwen Code and opencode read
 * OPENAI_BASE_URL; Aider (through LiteLLM) reads OPENAI_API_BASE; Gemini CLI reads GOOGLE_GEMINI_BASE_URL and
 * GEMINI_API_KEY (sent as `x-goog-api-key`).
 *
 * The token is both ANTHROPIC_API_KEY (what most Anthropic clients read) and
 * ANTHROPIC_AUTH_TOKEN (sent as a bearer token, which the bridge reads first):
 * interactive Claude Code asks before it uses an API key from its environment,
 * with "No" preselected, and with the bearer token set either answer works.
 */
export function agentEnvironment(ctx: Pick<AgentSetupContext, 'baseUrls' | 'token'>): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: ctx.baseUrls.anthropic,
    ANTHROPIC_API_KEY: ctx.token,
    ANTHROPIC_AUTH_TOKEN: ctx.token,
    OPENAI_BASE_URL: ctx.baseUrls.openai,
    OPENAI_API_BASE: ctx.baseUrls.openai,
    OPENAI_API_KEY: ctx.token,
    GOOGLE_GEMINI_BASE_URL: ctx.baseUrls.gemini,
    GEMINI_API_KEY: ctx.token,
    KEYBRIDGE_URL: bridgeRootOf(ctx.baseUrls),
    [TOKEN_ENV]: ctx.token,
  };
}

/** The variables of `agentEnvironment` that send one protocol's clients to the bridge. */
const PROTOCOL_VARIABLES: Record<Protocol, readonly string[]> = {
  anthropic: ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'],
  openai: ['OPENAI_BASE_URL', 'OPENAI_API_BASE', 'OPENAI_API_KEY'],
  gemini: ['GOOGLE_GEMINI_BASE_URL', 'GEMINI_API_KEY'],
};

/**
 * What new VS Code terminals get: a protocol's variables only while the bridge can serve that protocol, so a
 * terminal keeps the user's own provider key where the bridge would answer "no pool is configured"; KeyBridge's
 * own variables only while it serves anything. Nothing at all before a pool is set up.
 */
export function terminalEnvironment(ctx: Pick<AgentSetupContext, 'baseUrls' | 'token'>, served: ReadonlySet<Protocol>): Record<string, string> {
  if (served.size === 0) return {};
  const withheld = new Set(PROTOCOLS.filter((p) => !served.has(p)).flatMap((p) => PROTOCOL_VARIABLES[p]));
  return Object.fromEntries(Object.entries(agentEnvironment(ctx)).filter(([name]) => !withheld.has(name)));
}

function shellExports(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join('\n');
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

const BUILDERS: Record<AgentId, (ctx: AgentSetupContext) => Omit<AgentSetup, 'id'>> = {
  'claude-code': (ctx) => ({
    title: 'Claude Code',
    where: 'shell, before running claude',
    // ANTHROPIC_AUTH_TOKEN: Claude Code uses it without the question it asks of an ANTHROPIC_API_KEY.
    text: `${shellExports({ ANTHROPIC_BASE_URL: ctx.baseUrls.anthropic, ANTHROPIC_AUTH_TOKEN: ctx.token })}\nclaude`,
  }),
  codex: (ctx) => ({
    title: 'Codex CLI',
    where: '~/.codex/config.toml (or $CODEX_HOME/config.toml), plus the token in your shell',
    text: [
      `# ~/.codex/config.toml`,
      `model_provider = "keybridge"`,
      ``,
      `[model_providers.keybridge]`,
      `name = "KeyBridge"`,
      `base_url = "${ctx.baseUrls.openai}"`,
      `env_key = "${TOKEN_ENV}"`,
      `wire_api = "responses"`,
      ``,
      `# shell`,
      `export ${TOKEN_ENV}=${shellQuote(ctx.token)}`,
      `codex`,
    ].join('\n'),
  }),
  'openai-sdk': (ctx) => ({
    title: 'OpenAI SDK (Python, Node)',
    where: 'your code',
    text: [
      `# Python`,
      `from openai import OpenAI`,
      `client = OpenAI(base_url="${ctx.baseUrls.openai}", api_key="${ctx.token}")`,
      ``,
      `// Node`,
      `import OpenAI from "openai";`,
      `const client = new OpenAI({ baseURL: "${ctx.baseUrls.openai}", apiKey: "${ctx.token}" });`,
    ].join('\n'),
  }),
  'anthropic-sdk': (ctx) => ({
    title: 'Anthropic SDK (Python, Node)',
    where: 'your code',
    text: [
      `# Python`,
      `from anthropic import Anthropic`,
      `client = Anthropic(base_url="${ctx.baseUrls.anthropic}", api_key="${ctx.token}")`,
      ``,
      `// Node`,
      `import Anthropic from "@anthropic-ai/sdk";`,
      `const client = new Anthropic({ baseURL: "${ctx.baseUrls.anthropic}", apiKey: "${ctx.token}" });`,
    ].join('\n'),
  }),
  opencode: (ctx) => {
    const model = ctx.openaiModel ?? DEFAULT_OPENAI_MODEL;
    const config = {
      $schema: 'https://opencode.ai/config.json',
      provider: {
        keybridge: {
          npm: '@ai-sdk/openai-compatible',
          name: 'KeyBridge',
          options: { baseURL: ctx.baseUrls.openai, apiKey: `{env:${TOKEN_ENV}}` },
          models: { [model]: {} },
        },
      },
      model: `keybridge/${model}`,
    };
    return {
      title: 'opencode',
      where: 'opencode.json (project) or ~/.config/opencode/opencode.json, plus the token in your shell',
      text: `${JSON.stringify(config, null, 2)}\n\n# shell\nexport ${TOKEN_ENV}=${shellQuote(ctx.token)}`,
    };
  },
  aider: (ctx) => ({
    title: 'Aider',
    where: 'shell',
    text: `${shellExports({ OPENAI_API_BASE: ctx.baseUrls.openai, OPENAI_API_KEY: ctx.token })}\naider --model openai/${ctx.openaiModel ?? DEFAULT_OPENAI_MODEL}`,
  }),
  'cline-roo': (ctx) => ({
    title: 'Cline / Roo Code',
    where: 'the extension’s settings page (API Provider)',
    text: [
      `API Provider: OpenAI Compatible`,
      `Base URL: ${ctx.baseUrls.openai}`,
      `API Key: ${ctx.token}`,
      `Model ID: ${ctx.openaiModel ?? DEFAULT_OPENAI_MODEL}`,
      ``,
      `or, for Claude models:`,
      `API Provider: Anthropic`,
      `Use custom base URL: ${ctx.baseUrls.anthropic}`,
      `API Key: ${ctx.token}`,
    ].join('\n'),
  }),
  continue: (ctx) => ({
    title: 'Continue',
    where: '~/.continue/config.yaml',
    text: [
      // Continue refuses a config.yaml without these three header lines.
      `name: KeyBridge`,
      `version: 1.0.0`,
      `schema: v1`,
      `models:`,
      `  - name: KeyBridge (OpenAI)`,
      `    provider: openai`,
      `    model: ${ctx.openaiModel ?? DEFAULT_OPENAI_MODEL}`,
      `    apiBase: ${ctx.baseUrls.openai}`,
      `    apiKey: ${ctx.token}`,
      `  - name: KeyBridge (Anthropic)`,
      `    provider: anthropic`,
      `    model: ${ctx.anthropicModel ?? DEFAULT_ANTHROPIC_MODEL}`,
      `    apiBase: ${ctx.baseUrls.anthropic}/v1/`,
      `    apiKey: ${ctx.token}`,
    ].join('\n'),
  }),
  'qwen-code': (ctx) => ({
    title: 'Qwen Code',
    where: 'shell',
    text: `${shellExports({ OPENAI_BASE_URL: ctx.baseUrls.openai, OPENAI_API_KEY: ctx.token, OPENAI_MODEL: ctx.openaiModel ?? DEFAULT_OPENAI_MODEL })}\nqwen`,
  }),
  shell: (ctx) => ({
    title: 'Shell exports (all variables)',
    where: 'shell (what KeyBridge puts in new VS Code terminals while both protocols are served)',
    text: shellExports(agentEnvironment(ctx)),
  }),
};

export const AGENT_IDS = Object.keys(BUILDERS) as AgentId[];

export function agentSetup(agent: AgentId, ctx: AgentSetupContext): AgentSetup {
  return { id: agent, ...BUILDERS[agent](ctx) };
}
