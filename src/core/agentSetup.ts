/**
 * The exact lines each coding agent needs to use the bridge (each agent's text is in its spec, agents/specs/).
 * Shared by the extension's "Copy Agent Setup" command, its terminal environment, the CLI
 * and docs/agents.md, so the three never disagree.
 */
import { AGENT_SPECS, type AgentId } from './agents/agentList';
import type { AgentSetupContext, AgentSetupText, AgentSpec } from './agents/agentSpec';
import { shellExports, TOKEN_ENV } from './agents/setupText';
import { PROTOCOLS, type Protocol } from './config';
import { bridgeRootOf } from './server/paths';

/** A setup text: one per agent spec that has one, and `shell`, every variable at once. */
export type SetupId = AgentId | 'shell';

export interface AgentSetup extends AgentSetupText {
  id: SetupId;
}

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

/** Every setup text, in the list's order, and last the shell exports of all variables. */
export const AGENT_IDS: readonly SetupId[] = [...AGENT_SPECS.filter((spec) => spec.setup).map((spec) => spec.id), 'shell'];

export function agentSetup(id: SetupId, ctx: AgentSetupContext): AgentSetup {
  if (id === 'shell') {
    return {
      id,
      title: 'Shell exports (all variables)',
      where: 'shell (what KeyBridge puts in new VS Code terminals while both protocols are served)',
      text: shellExports(agentEnvironment(ctx)),
    };
  }
  const spec: AgentSpec | undefined = AGENT_SPECS.find((s) => s.id === id);
  if (!spec?.setup) throw new Error(`${id} has no setup text`);
  return { id, ...spec.setup(ctx) };
}
