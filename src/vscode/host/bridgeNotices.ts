import * as vscode from 'vscode';
import type { Protocol } from '../../core/config';
import { NoticePolicy, type Notice, type NoticeLevel } from '../../core/notices/noticePolicy';
import type { BridgeHost } from './bridgeHost';
import { Disposable, toDisposable } from '../shared/disposable';
import { VIEW_ID } from '../shared/treeContext';

const SHOW_KEYS = 'Show Keys';
const SETTINGS = 'Notification Settings';

/**
 * Tells the user, in the window that serves the bridge, of the few events that need them: a key refused or out
 * of quota, and (when asked for) a request that fell back to another protocol's pool. Which and how often is the
 * core's NoticePolicy; this shows them and answers their buttons.
 */
export class BridgeNotices extends Disposable {
  private readonly policy: NoticePolicy;

  constructor(host: BridgeHost, level: () => NoticeLevel, poolProtocol: (pool: string) => Protocol | undefined) {
    super();
    this.policy = new NoticePolicy(level, Date.now);
    const subscriptions = [
      host.onServedKeyChange.on((event) => this.show(this.policy.onKeyChange(event))),
      host.onServedRequest.on((summary) => this.show(this.policy.onRequest(summary, poolProtocol))),
    ];
    this._register(toDisposable(() => subscriptions.forEach((s) => s.dispose())));
  }

  private show(notice: Notice | undefined): void {
    if (!notice) return;
    void vscode.window.showWarningMessage(`KeyBridge: ${notice.message}`, SHOW_KEYS, SETTINGS).then((choice) => {
      if (choice === SHOW_KEYS) void vscode.commands.executeCommand(`${VIEW_ID}.focus`);
      if (choice === SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', 'keybridge.notifications');
    });
  }
}
