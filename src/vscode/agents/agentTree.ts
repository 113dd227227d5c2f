import * as vscode from 'vscode';
import type { ConnectContext } from '../../core/agents/connectTargets';
import { AGENTS, detectAgents, isPresent, type AgentPresence } from '../../core/agents/agentCatalog';
import type { AgentId } from '../../core/agents/agentList';
import type { AgentConnections, TargetStatus } from './agentConnections';
import { AGENT_CONTEXT, AGENTS_CONTEXT, type AgentRowState } from '../shared/treeContext';

/** The Agents section after the routes. */
export interface AgentsNode {
  readonly kind: 'agents';
  readonly id: 'agents';
  readonly agents: readonly AgentNode[];
}

interface AgentNode {
  readonly kind: 'agent';
  readonly id: string;
  readonly agent: AgentId;
  readonly title: string;
  readonly state: AgentRowState;
  /** Where KeyBridge wrote, each with its state. */
  readonly targets: readonly TargetStatus[];
  readonly presence: AgentPresence;
}

export type AgentTreeNode = AgentsNode | AgentNode;

/**
 * The rows of the Agents section, rebuilt on demand (after Connect or Disconnect, on Refresh, when the
 * window gets focus): detection looks at PATH and reads a few small files, too much for every render.
 */
export class AgentRows {
  private presence: AgentPresence[] | undefined;

  constructor(
    private readonly connections: AgentConnections,
    private readonly hasExtension: (id: string) => boolean,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  build(ctx: ConnectContext | undefined, rescanPresence: boolean): AgentsNode {
    if (rescanPresence || !this.presence) this.presence = detectAgents(this.hasExtension, this.env);
    const presence = this.presence;
    const agents = AGENTS.filter((a) => a.targets.length > 0).map((agent): AgentNode => {
      const targets = agent.targets.map((t) => this.connections.status(t, ctx)).filter((s) => s.state !== 'not-connected');
      const state: AgentRowState = targets.some((s) => s.state === 'drifted' || s.state === 'missing')
        ? 'drifted'
        : targets.length > 0
          ? 'connected'
          : 'not-connected';
      return {
        kind: 'agent',
        id: `agent:${agent.id}`,
        agent: agent.id,
        title: agent.title,
        state,
        targets,
        presence: presence.find((p) => p.agent.id === agent.id) ?? { agent, extensions: [], cli: undefined },
      };
    });
    return { kind: 'agents', id: 'agents', agents };
  }
}

const ICONS: Record<AgentRowState, { icon: string; color?: string }> = {
  connected: { icon: 'plug', color: 'testing.iconPassed' },
  drifted: { icon: 'warning', color: 'charts.yellow' },
  'not-connected': { icon: 'debug-disconnect', color: 'disabledForeground' },
};

export function agentTreeItem(node: AgentTreeNode): vscode.TreeItem {
  if (node.kind === 'agents') {
    const item = new vscode.TreeItem('Agents', vscode.TreeItemCollapsibleState.Expanded);
    item.id = node.id;
    const connected = node.agents.filter((a) => a.state !== 'not-connected').length;
    item.description = `${connected} connected`;
    item.tooltip = new vscode.MarkdownString(
      'Agents whose own settings point at KeyBridge. **Connect Agents** shows the exact lines before it writes them; **Disconnect** restores what was there.',
    );
    item.contextValue = AGENTS_CONTEXT;
    item.iconPath = new vscode.ThemeIcon('hubot');
    return item;
  }
  const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.description = agentDescription(node);
  item.tooltip = new vscode.MarkdownString(agentTooltip(node));
  item.contextValue = AGENT_CONTEXT[node.state];
  const icon = ICONS[node.state];
  item.iconPath = new vscode.ThemeIcon(icon.icon, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
  return item;
}

function agentDescription(node: AgentNode): string {
  const where = [...new Set(node.targets.map((t) => t.where))].join(', ');
  if (node.state === 'connected') return `connected · ${where}`;
  if (node.state === 'drifted')
    return `drifted · ${[...new Set(node.targets.filter((t) => t.state === 'drifted' || t.state === 'missing').map((t) => t.where))].join(', ')} changed since Connect`;
  return isPresent(node.presence) ? 'not connected · detected' : 'not connected';
}

function agentTooltip(node: AgentNode): string {
  const lines = [`**${node.title}**`, ''];
  const found = [...node.presence.extensions.map((id) => `extension \`${id}\``), ...(node.presence.cli ? [`\`${node.presence.cli}\``] : [])];
  lines.push(found.length ? `Found: ${found.join(', ')}` : 'Not found on this machine (no extension, nothing on PATH).', '');
  for (const t of node.targets) {
    const state =
      t.state === 'outdated'
        ? 'connected (updating to the current port and token)'
        : t.state === 'drifted'
          ? 'changed since Connect'
          : t.state === 'missing'
            ? 'the file is gone'
            : 'connected';
    lines.push(`- ${t.where}: ${state}`);
  }
  return lines.join('\n');
}
