import * as vscode from 'vscode';
import { AGENT_IDS, agentSetup, type SetupId } from '../../core/agentSetup';
import { PROTOCOLS, type Protocol } from '../../core/config';
import type { CommandServices } from './commandServices';
import { poolIdOf, type CommandTargets } from './commandTargets';

/** Copy Base URL and Copy Agent Setup: what a user pastes into an agent to point it at the bridge. */
export class AgentCommands {
  constructor(
    private readonly services: CommandServices,
    private readonly targets: CommandTargets,
  ) {}

  async copyBaseUrl(arg?: unknown): Promise<string | undefined> {
    const urls = this.services.host.baseUrls;
    let protocol: Protocol | undefined = typeof arg === 'string' && PROTOCOLS.includes(arg as Protocol) ? (arg as Protocol) : undefined;
    const poolId = poolIdOf(arg);
    if (!protocol && poolId) protocol = this.targets.poolStatus(poolId)?.protocol ?? this.services.pools().find((p) => p.id === poolId)?.protocol;
    if (!protocol) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'OpenAI-compatible base URL', description: urls.openai, protocol: 'openai' as const },
          { label: 'Anthropic base URL', description: urls.anthropic, protocol: 'anthropic' as const },
        ],
        { title: 'KeyBridge: Copy Base URL' },
      );
      if (!picked) return undefined;
      protocol = picked.protocol;
    }
    const url = urls[protocol];
    await vscode.env.clipboard.writeText(url);
    void vscode.window.showInformationMessage(
      `KeyBridge: copied ${url}. Agents send the KeyBridge token as their API key ("Copy Agent Setup" has the exact lines).`,
    );
    return url;
  }

  async copyAgentSetup(arg?: unknown): Promise<string | undefined> {
    const token = this.services.keyStore.snapshot?.tokens?.token;
    if (!token) throw new Error('there is no local token yet: VS Code’s secret storage has not answered. Try again in a moment.');
    const ctx = { baseUrls: this.services.host.baseUrls, token };
    let agent: SetupId | undefined = typeof arg === 'string' && (AGENT_IDS as string[]).includes(arg) ? (arg as SetupId) : undefined;
    if (!agent) {
      const picked = await vscode.window.showQuickPick(
        AGENT_IDS.map((id) => {
          const setup = agentSetup(id, ctx);
          return { label: setup.title, detail: setup.where, id };
        }),
        { title: 'KeyBridge: Copy Agent Setup', placeHolder: 'Which agent or SDK?' },
      );
      if (!picked) return undefined;
      agent = picked.id;
    }
    const setup = agentSetup(agent, ctx);
    await vscode.env.clipboard.writeText(setup.text);
    void vscode.window.showInformationMessage(
      `KeyBridge: copied the ${setup.title} setup (for ${setup.where}). It holds the local KeyBridge token, which only works on this machine.`,
    );
    return setup.text;
  }
}
