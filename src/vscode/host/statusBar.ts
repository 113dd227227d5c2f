import * as vscode from 'vscode';
import { loopbackBaseUrls } from '../../core/server/paths';
import type { BridgeStatus } from '../../core/status';
import type { CommandId } from '../shared/commandIds';
import type { HostRole } from '../../core/ownership/hostState';
import { Disposable, IntervalTimer } from '../shared/disposable';
import { anyCooling, countKeys, escapeMarkdown, modelAvailabilityLine, shortModel, strandedModels } from '../../core/presentation/keyPresentation';
import { VIEW_ID } from '../shared/treeContext';

const DASHBOARD_COMMAND: CommandId = 'keybridge.showDashboard';

export interface StatusBarView {
  role: HostRole;
  detail: string;
  port: number;
  status: BridgeStatus | undefined;
  /** Blocked because another program holds the port. */
  portTaken?: boolean;
}

export interface StatusBarLook {
  text: string;
  tooltip: string;
  background: 'warning' | 'error' | undefined;
}

/** What the item says for a given state; separate from the item so it can be tested. */
export function statusBarLook(view: StatusBarView, now: number): StatusBarLook {
  const port = `:${view.port}`;
  const counts = countKeys(view.status?.pools ?? [], now);
  const keys = `${counts.usable}/${counts.total}`;
  const lines = [`**KeyBridge** — ${view.detail}`];
  switch (view.role) {
    case 'idle':
      return { text: '$(sync~spin) KeyBridge', tooltip: lines.join('  \n'), background: undefined };
    case 'stopped':
      return { text: '$(debug-stop) KeyBridge stopped', tooltip: lines.join('  \n'), background: undefined };
    case 'blocked':
      return { text: `$(error) KeyBridge ${port}${view.portTaken ? ' taken' : ''}`, tooltip: lines.join('  \n'), background: 'error' };
    case 'owner':
    case 'follower': {
      const pools = view.status?.pools ?? [];
      // Keys ready key-wide may all be cooling for the model the agent asks for: that model is what the bar names.
      const stranded = pools.flatMap((pool) => strandedModels(pool, now).map((m) => ({ pool, m })));
      for (const { pool, m } of stranded) lines.push(`**${modelAvailabilityLine(m, now)}** (pool ${escapeMarkdown(pool.label)})`);
      lines.push(
        `Keys ready: ${counts.usable} of ${counts.total}${counts.cooling ? ` (${counts.cooling} cooling)` : ''}${stranded.length ? ', for other models' : ''}`,
      );
      const urls = loopbackBaseUrls(view.port);
      lines.push(`OpenAI base URL: \`${urls.openai}\``);
      lines.push(`Anthropic base URL: \`${urls.anthropic}\``);
      if (view.status) lines.push(`Requests: ${view.status.totals.requests} (${view.status.totals.failed} failed)`);
      if (view.role === 'follower') lines.push('Served by another VS Code window; this window follows it.');
      lines.push(`[$(graph-line) Usage dashboard](command:${DASHBOARD_COMMAND})`);
      const unusable = counts.usable === 0;
      if (unusable) lines.push(counts.total === 0 ? 'No keys yet: add keys in the KeyBridge view.' : 'No key can take a request right now.');
      if (unusable || stranded.length === 0)
        return {
          text: `${unusable ? '$(warning)' : '$(key)'} KeyBridge ${port} ${keys}`,
          tooltip: lines.join('  \n'),
          background: unusable ? 'warning' : undefined,
        };
      const [first] = stranded;
      const more = stranded.length > 1 ? ` +${stranded.length - 1}` : '';
      return {
        text: `$(warning) KeyBridge ${port} ${shortModel(first.m.model)} 0/${first.m.total}${more}`,
        tooltip: lines.join('  \n'),
        background: 'warning',
      };
    }
  }
}

/** Bridge state, port and ready keys at a glance; a click opens the KeyBridge view. */
export class BridgeStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private view: StatusBarView | undefined;
  /** While a key cools, the look is redrawn each second: the warning ends when the first key is back, with no event. */
  private readonly ticker = this._register(new IntervalTimer(1_000, () => this.render()));

  constructor(private readonly now: () => number = Date.now) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('keybridge.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'KeyBridge';
    this.item.command = `${VIEW_ID}.focus`;
    this.item.show();
  }

  update(view: StatusBarView): void {
    this.view = view;
    this.render();
  }

  private render(): void {
    if (!this.view || this.isDisposed) return;
    const now = this.now();
    const look = statusBarLook(this.view, now);
    this.item.text = look.text;
    const tooltip = new vscode.MarkdownString(look.tooltip, true);
    // The dashboard link is the one command the tooltip may run.
    tooltip.isTrusted = { enabledCommands: [DASHBOARD_COMMAND] };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    if (anyCooling(this.view.status, now)) this.ticker.start();
    else this.ticker.stop();
  }
}
