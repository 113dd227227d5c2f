import type { BaseUrls } from '../../core/config';
import * as vscode from 'vscode';
import type { ConnectContext } from '../../core/agents/connectTargets';
import { AGENTS, agentOfTarget, detectAgents, isPresent, type AgentPresence } from '../../core/agents/agentCatalog';
import { AGENT_SPECS, type AgentId, type ConnectionTargetId } from '../../core/agents/agentList';
import type { AgentConnections, TargetPlan } from './agentConnections';
import { byPlace, connectPreviewMarkdown, connectSummary } from './connectPreview';

export interface ConnectServices {
  connections: AgentConnections;
  baseUrls(): BaseUrls;
  token(): string | undefined;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  hasExtension(id: string): boolean;
  settingRegistered(): boolean;
  hasWorkspace(): boolean;
  /** Opens the preview document beside the editor. */
  showPreview(markdown: string): Promise<void>;
  /** Closes it again once the user has answered: it was there to read before answering. */
  closePreview(): Promise<void>;
}

/** One row of the Connect quick pick: a place to write, named as the user knows it (each agent's spec says which). */
interface Choice {
  agent: AgentId;
  targets: readonly ConnectionTargetId[];
  label: string;
  detail: string;
}

const CHOICES: readonly Choice[] = AGENT_SPECS.flatMap((spec) => spec.choices.map((choice): Choice => ({ agent: spec.id, ...choice })));

/** Connect Agents and Disconnect Agents: pick, preview the exact lines, confirm, write; and the way back. */
export class ConnectCommands {
  constructor(private readonly services: ConnectServices) {}

  async connectAgents(arg?: unknown): Promise<ConnectionTargetId[] | undefined> {
    const ctx = this.context();
    const presence = detectAgents((id) => this.services.hasExtension(id), this.services.env);
    const wanted = agentArg(arg);
    const available = CHOICES.filter(
      (c) => (!wanted || c.agent === wanted) && this.offered(c) && c.targets.some((t) => this.services.connections.status(t, ctx).state === 'not-connected'),
    );
    if (available.length === 0) {
      void vscode.window.showInformationMessage(
        `KeyBridge: ${wanted ? `${agentTitle(wanted)} is` : 'every agent KeyBridge can write for is'} already connected. ${notesOf(presence)}`.trim(),
      );
      return undefined;
    }
    const chosen = available.length === 1 && wanted ? available : await this.pick(available, presence);
    if (!chosen?.length) return undefined;
    const plans = chosen.flatMap((c) => c.targets).map((t) => this.services.connections.plan(t, ctx));
    await this.services.showPreview(connectPreviewMarkdown(plans, ctx.token, presence.filter(isPresent)));
    try {
      return await this.confirmAndApply(plans, ctx, presence);
    } finally {
      await this.services.closePreview();
    }
  }

  private async confirmAndApply(plans: TargetPlan[], ctx: ConnectContext, presence: readonly AgentPresence[]): Promise<ConnectionTargetId[] | undefined> {
    const writable = await this.heedWarnings(plans.filter((p) => !p.refused));
    if (writable === undefined) return undefined;
    if (writable.length === 0) {
      void vscode.window.showErrorMessage(`KeyBridge: nothing was written.\n${connectSummary(plans)}`);
      return undefined;
    }
    const answer = await vscode.window.showInformationMessage(
      `Connect ${writable.length === 1 ? 'this agent setting' : `these ${writable.length} agent settings`} to KeyBridge?`,
      { modal: true, detail: `${connectSummary(plans)}\n\nThe preview shows the exact lines. Disconnect Agents removes them and restores what was there.` },
      'Connect',
    );
    if (answer !== 'Connect') return undefined;
    if (writable.some((p) => p.id === 'codex-provider')) await this.offerCodexDefault(ctx, writable);
    return this.apply(writable, ctx, presence);
  }

  async disconnectAgents(arg?: unknown): Promise<ConnectionTargetId[] | undefined> {
    const ctx = this.contextIfReady();
    const wanted = agentArg(arg);
    const connected = AGENTS.filter((a) => !wanted || a.id === wanted)
      .flatMap((a) => a.targets)
      .map((t) => this.services.connections.status(t, ctx))
      .filter((s) => s.state !== 'not-connected');
    if (connected.length === 0) {
      void vscode.window.showInformationMessage(`KeyBridge: ${wanted ? agentTitle(wanted) : 'no agent'} is connected.`);
      return undefined;
    }
    // One row per file or setting: what shares a file is taken out together.
    const places = [...byPlace(connected).entries()];
    let chosen = connected;
    if (!wanted && places.length > 1) {
      const picked = await vscode.window.showQuickPick(
        places.map(([where, statuses]) => {
          const drifted = statuses.some((s) => s.state === 'drifted');
          return {
            label: `${agentOfTarget(statuses[0].id).title}: ${where}`,
            description: drifted ? 'changed since Connect' : statuses[0].state,
            picked: true,
            statuses,
          };
        }),
        { title: 'KeyBridge: Disconnect Agents', placeHolder: 'What should KeyBridge take out again?', canPickMany: true },
      );
      if (!picked?.length) return undefined;
      chosen = picked.flatMap((p) => p.statuses);
    }
    const chosenPlaces = [...byPlace(chosen).entries()];
    const agents = new Set(chosen.map((s) => agentOfTarget(s.id).title));
    const answer = await vscode.window.showWarningMessage(
      `Disconnect ${agents.size === 1 && chosenPlaces.length === 1 ? [...agents][0] : `${chosenPlaces.length} agent settings`} from KeyBridge?`,
      {
        modal: true,
        detail: `${chosenPlaces.map(([where, statuses]) => `${where}${statuses.some((s) => s.state === 'drifted') ? ' (changed since Connect: values you changed stay as they are)' : ''}`).join('\n')}\n\nKeyBridge removes its lines and puts back what was there before.`,
      },
      'Disconnect',
    );
    if (answer !== 'Disconnect') return undefined;
    const done: string[] = [];
    const failed: string[] = [];
    // Last connected first: the file that created a shared folder (~/.gemini, ~/.codex) goes last, and takes the folder with it.
    for (const status of [...chosen].reverse()) {
      try {
        done.push(`${status.where} ${await this.services.connections.disconnect(status.id)}`);
      } catch (error) {
        failed.push(`${status.where}: ${(error as Error).message}`);
      }
    }
    if (done.length)
      void vscode.window.showInformationMessage(`KeyBridge disconnected: ${[...new Set(done)].join('; ')}. Restart running agents to drop the bridge.`);
    if (failed.length) void vscode.window.showErrorMessage(`KeyBridge could not disconnect: ${failed.join('; ')}`);
    return chosen.map((s) => s.id);
  }

  /** Asks about each plan that carries a warning before the main question; a plan not confirmed is dropped. */
  private async heedWarnings(plans: TargetPlan[]): Promise<TargetPlan[] | undefined> {
    const kept: TargetPlan[] = [];
    for (const plan of plans) {
      if (!plan.warning) {
        kept.push(plan);
        continue;
      }
      const answer = await vscode.window.showWarningMessage(
        `Put the local token in ${plan.where}?`,
        { modal: true, detail: plan.warning },
        'Write It There',
        'Skip',
      );
      if (answer === undefined) return undefined;
      if (answer === 'Write It There') kept.push(plan);
    }
    return kept;
  }

  private offered(choice: Choice): boolean {
    if (choice.targets.includes('claude-setting-user')) return this.services.settingRegistered();
    if (choice.targets.includes('claude-setting-workspace')) return this.services.settingRegistered() && this.services.hasWorkspace();
    return true;
  }

  private async pick(available: readonly Choice[], presence: readonly AgentPresence[]): Promise<Choice[] | undefined> {
    const found = (agent: AgentId): AgentPresence | undefined => presence.find((p) => p.agent.id === agent && isPresent(p));
    const picked = await vscode.window.showQuickPick(
      available.map((choice) => {
        const here = found(choice.agent);
        const how = here
          ? [...here.extensions.map(() => 'extension installed'), ...(here.cli ? [`${here.agent.cli} on PATH`] : [])].join(', ')
          : 'not detected';
        return {
          label: choice.label,
          description: how,
          detail: choice.detail,
          picked: here !== undefined && !choice.targets.includes('claude-setting-workspace'),
          choice,
        };
      }),
      {
        title: 'KeyBridge: Connect Agents',
        placeHolder: 'Which agents should use KeyBridge? Nothing is written before you confirm.',
        canPickMany: true,
        ignoreFocusOut: true,
      },
    );
    return picked?.map((p) => p.choice);
  }

  /** The second question: Codex's VS Code extension reads no profiles, so it needs keybridge as the default. */
  private async offerCodexDefault(ctx: ConnectContext, writable: TargetPlan[]): Promise<void> {
    const plan = this.services.connections.plan('codex-default', ctx);
    if (plan.refused && /already has a KeyBridge block/.test(plan.refused)) return;
    const answer = await vscode.window.showInformationMessage(
      'Also make KeyBridge the default provider of Codex?',
      {
        modal: true,
        detail: plan.refused
          ? `Not possible: ${plan.refused}`
          : `Adds, before the first table of ${plan.where}, in its own marked lines:\n\n${plan.lines.join('\n')}\n\nNeeded for Codex's VS Code extension, which reads no profiles. Without it, run codex --profile keybridge.`,
      },
      ...(plan.refused ? [] : ['Make Default']),
      'Profile Only',
    );
    if (answer === 'Make Default') writable.push(plan);
  }

  private async apply(plans: readonly TargetPlan[], ctx: ConnectContext, presence: readonly AgentPresence[]): Promise<ConnectionTargetId[]> {
    const done: TargetPlan[] = [];
    const failed: string[] = [];
    const notes: string[] = [];
    for (const plan of plans) {
      try {
        const said = await this.services.connections.connect(plan.id, ctx);
        notes.push(...said.map((note) => `${plan.where}: ${note}`));
        done.push(plan);
      } catch (error) {
        failed.push(`${plan.where}: ${(error as Error).message}`);
      }
    }
    if (done.length) {
      const others = notesOf(presence);
      const files = notes.length ? ` ${notes.join('; ')}.` : '';
      const places = [...new Set(done.map((p) => `${agentOfTarget(p.id).title} (${p.where})`))];
      void vscode.window.showInformationMessage(
        `KeyBridge connected ${places.join(', ')}.${files} Restart running agents to pick it up.${others ? ` ${others}` : ''}`,
      );
    }
    if (failed.length) void vscode.window.showErrorMessage(`KeyBridge could not connect: ${failed.join('; ')}`);
    return done.map((p) => p.id);
  }

  private context(): ConnectContext {
    const ctx = this.contextIfReady();
    if (!ctx) throw new Error('there is no local token yet: VS Code’s secret storage has not answered. Try again in a moment.');
    return ctx;
  }

  private contextIfReady(): ConnectContext | undefined {
    const token = this.services.token();
    return token ? { baseUrls: this.services.baseUrls(), token, home: this.services.home, env: this.services.env } : undefined;
  }
}

/** An agent named by a tree row (`{ agent }`) or by its id. */
function agentArg(arg: unknown): AgentId | undefined {
  const id = typeof arg === 'string' ? arg : typeof arg === 'object' && arg !== null ? (arg as { agent?: unknown }).agent : undefined;
  return AGENTS.find((a) => a.id === id)?.id;
}

function agentTitle(id: AgentId): string {
  return AGENTS.find((a) => a.id === id)?.title ?? id;
}

/** One sentence for the agents found that KeyBridge does not write for. */
function notesOf(presence: readonly AgentPresence[]): string {
  return presence
    .filter((p) => isPresent(p) && p.agent.instead)
    .map((p) => `${p.agent.title} ${p.agent.instead}.`)
    .join(' ');
}
