import { findOnPath } from './cliOnPath';
import type { FileTargetId } from './connectTargets';

/** A place Connect Agents writes: one of the agent files, or Claude Code's VS Code setting at one scope. */
export type ConnectionTargetId = FileTargetId | 'claude-setting-user' | 'claude-setting-workspace';

export type AgentId = 'claude-code' | 'codex' | 'opencode' | 'cline' | 'roo' | 'continue' | 'qwen-code' | 'aider';

export interface AgentInfo {
  id: AgentId;
  title: string;
  /** Marketplace ids of its VS Code extension(s). */
  extensions: string[];
  /** Its command-line program. */
  cli?: string;
  /** What Connect writes for it; none for agents that keep their settings where KeyBridge cannot write. */
  targets: ConnectionTargetId[];
  /** For agents without targets: where the user points them instead. */
  instead?: string;
}

export const AGENTS: readonly AgentInfo[] = [
  { id: 'claude-code', title: 'Claude Code', extensions: ['anthropic.claude-code'], cli: 'claude', targets: ['claude-settings', 'claude-setting-user', 'claude-setting-workspace'] },
  { id: 'codex', title: 'Codex', extensions: ['openai.chatgpt'], cli: 'codex', targets: ['codex-provider', 'codex-profile', 'codex-default'] },
  { id: 'opencode', title: 'opencode', extensions: [], cli: 'opencode', targets: ['opencode'] },
  {
    id: 'cline',
    title: 'Cline',
    extensions: ['saoudrizwan.claude-dev'],
    targets: [],
    instead: 'keeps its settings in its own storage: choose its "VS Code LM API" provider and a KeyBridge model (KeyBridge offers its routes in VS Code\'s model picker), or use Copy Agent Setup for its OpenAI Compatible page',
  },
  {
    id: 'roo',
    title: 'Roo Code',
    extensions: ['rooveterinaryinc.roo-cline'],
    targets: [],
    instead: 'keeps its settings in its own storage: choose its "VS Code LM API" provider and a KeyBridge model (KeyBridge offers its routes in VS Code\'s model picker), or use Copy Agent Setup for its OpenAI Compatible page',
  },
  { id: 'continue', title: 'Continue', extensions: ['continue.continue'], cli: 'cn', targets: ['continue-config'] },
  { id: 'qwen-code', title: 'Qwen Code', extensions: [], cli: 'qwen', targets: ['qwen-settings'] },
  { id: 'aider', title: 'Aider', extensions: [], cli: 'aider', targets: [], instead: 'reads OPENAI_API_BASE and OPENAI_API_KEY, which new VS Code terminals already carry' },
];

export interface AgentPresence {
  agent: AgentInfo;
  /** Installed extensions of the agent. */
  extensions: string[];
  /** Path of its program on PATH. */
  cli: string | undefined;
}

/** Which agents are here: their VS Code extension installed, or their program on PATH. */
export function detectAgents(hasExtension: (id: string) => boolean, env: Readonly<Record<string, string | undefined>> = process.env): AgentPresence[] {
  return AGENTS.map((agent) => ({
    agent,
    extensions: agent.extensions.filter(hasExtension),
    cli: agent.cli ? findOnPath(agent.cli, env) : undefined,
  }));
}

export function isPresent(presence: AgentPresence): boolean {
  return presence.extensions.length > 0 || presence.cli !== undefined;
}

export function agentOfTarget(target: ConnectionTargetId): AgentInfo {
  const agent = AGENTS.find((a) => a.targets.includes(target));
  if (!agent) throw new Error(`no agent writes ${target}`);
  return agent;
}
