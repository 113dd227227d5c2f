import { AGENT_SPECS, type AgentId, type ConnectionTargetId } from './agentList';
import { findOnPath } from './cliOnPath';

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

/** The agents of the list as detection and Connect see them: what it writes for each, files and settings alike. */
export const AGENTS: readonly AgentInfo[] = AGENT_SPECS.map((spec): AgentInfo => ({
  id: spec.id,
  title: spec.title,
  extensions: [...spec.extensions],
  ...(spec.cli === undefined ? {} : { cli: spec.cli }),
  targets: [...spec.files.map((file) => file.id), ...spec.settings],
  ...(spec.instead === undefined ? {} : { instead: spec.instead }),
}));

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
