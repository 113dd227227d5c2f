import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import type { BridgeHost } from '../host/bridgeHost';
import { DASHBOARD_RANGES, dashboardData, isDashboardRange, type DashboardRange } from '../../core/usage/dashboardData';
import { Disposable, toDisposable } from '../shared/disposable';

/** What the dashboard reads: the host's usage report (either role) and status. */
export type DashboardSource = Pick<BridgeHost, 'usage' | 'status' | 'role'>;

const VIEW_TYPE = 'keybridge.dashboard';
const REFRESH_MS = 3_000;
/**
 * With no new request since the last report, the page is asked again only this often (its reset countdowns run
 * by themselves): a 90-day report over a long history takes a tenth of a second of the extension host.
 */
const IDLE_REFRESH_MS = 60_000;

/** The page: our own script and styles only, inline styles for the chart's layout, no remote content. */
function dashboardHtml(webview: Pick<vscode.Webview, 'cspSource' | 'asWebviewUri'>, extensionUri: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'dashboard.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css'));
  // uPlot's own stylesheet, which esbuild writes beside the page script.
  const chartStyle = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'dashboard.css'));
  const csp = [
    "default-src 'none'",
    `script-src ${webview.cspSource} 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${String(chartStyle)}">
<link rel="stylesheet" href="${String(style)}">
<title>KeyBridge Usage</title>
</head>
<body>
<main id="dashboard"><p class="muted">Reading usage…</p></main>
<script nonce="${nonce}" src="${String(script)}"></script>
</body>
</html>`;
}

/**
 * The usage dashboard (docs/ARCHITECTURE.md §10): one webview panel, fed by
 * postMessage every few seconds while it is visible, so it follows the bridge
 * live — in a follower window through the owner's admin API.
 */
export class UsageDashboard extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private again = false;
  /** What the last report posted was of (range, role, the bridge's request count), and when. */
  private posted: { of: string; at: number } | undefined;
  /** The window the page asked for; a week until it asks. */
  private range: DashboardRange = '7d';

  constructor(
    private readonly source: DashboardSource,
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this._register(
      toDisposable(() => {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        this.panel?.dispose();
      }),
    );
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'KeyBridge Usage', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    this.panel = panel;
    panel.webview.html = dashboardHtml(panel.webview, this.extensionUri, randomBytes(16).toString('base64'));
    // The script asks once it listens; a message posted before that would be lost.
    panel.webview.onDidReceiveMessage((message: { type?: string; range?: unknown }) => {
      // The page names its window when it starts (it keeps the choice while hidden) and when the user picks one.
      if (isDashboardRange(message.range)) this.range = message.range;
      if (message.type === 'ready' || (message.type === 'range' && isDashboardRange(message.range))) void this.refresh(true);
    });
    panel.onDidChangeViewState(() => {
      this.schedule();
      // Shown again: at once, whatever the last report was (the page may have been kept while hidden).
      if (panel.visible) void this.refresh(true);
    });
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.schedule();
    });
    this.schedule();
  }

  /**
   * Posts a fresh report; a failure (the owner went, no store yet) shows as a line on the page. Unless `force`d
   * (the page asked), a report of the same range with no request since the last one waits for IDLE_REFRESH_MS.
   */
  async refresh(force = false): Promise<void> {
    const panel = this.panel;
    if (!panel) return;
    if (this.refreshing) {
      // A new range picked while a report is on its way: one more report follows it.
      this.again = true;
      return;
    }
    const range = this.range;
    const status = this.source.status();
    const of = `${range} ${this.source.role} ${status?.totals.requests ?? '-'}`;
    if (!force && this.posted?.of === of && this.now() - this.posted.at < IDLE_REFRESH_MS) return;
    this.refreshing = true;
    try {
      const report = await this.source.usage(DASHBOARD_RANGES[range]);
      await panel.webview.postMessage({ type: 'usage', data: dashboardData(report, status, this.source.role, this.now(), range) });
      this.posted = { of, at: this.now() };
    } catch (error) {
      this.posted = undefined;
      this.logger.debug(`dashboard: ${(error as Error).message}`);
      await panel.webview.postMessage({ type: 'error', message: (error as Error).message });
    } finally {
      this.refreshing = false;
    }
    if (this.again) {
      this.again = false;
      await this.refresh(true);
    }
  }

  /** Refreshes on a timer only while the panel is visible. */
  private schedule(): void {
    const live = this.panel?.visible === true;
    if (live && !this.timer) {
      this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
      this.timer.unref();
    } else if (!live && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
