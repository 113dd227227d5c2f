import * as vscode from 'vscode';
import { AgentCommands } from './agentCommands';
import { BulkKeyCommands } from './bulkKeyCommands';
import { COMMAND_IDS, type CommandId } from '../shared/commandIds';
import type { CommandServices } from './commandServices';
import type { ConnectCommands } from '../agents/connectCommands';
import { CommandTargets } from './commandTargets';
import type { DisposableLike } from '../shared/disposable';
import { KeyCommands } from './keyCommands';
import { sanitizeText } from '../../core/presentation/keyPresentation';
import { SecretStoreError } from '../keys/keySecrets';
import { PoolCommands, type AddPoolArgs } from './poolCommands';
import { RouteCommands } from './routeCommands';
import type { SimulatedDemo } from '../demo/simulatedDemo';

/** Registers every `keybridge.*` command; the handlers live with their kind (pools, keys, routes, agents, the bridge). */
export class KeyBridgeCommands {
  private readonly pools: PoolCommands;
  private readonly keys: KeyCommands;
  private readonly bulkKeys: BulkKeyCommands;
  private readonly agents: AgentCommands;
  private readonly routes: RouteCommands;

  constructor(
    private readonly services: CommandServices,
    private readonly connect?: ConnectCommands,
    private readonly demo?: SimulatedDemo,
  ) {
    const targets = new CommandTargets(services);
    this.keys = new KeyCommands(services, targets, {
      addPool: () => this.pools.addPool(),
      testPoolFromButton: (pool) => void this.guard('keybridge.testPool', () => this.keys.testPool(pool)),
    });
    this.bulkKeys = new BulkKeyCommands(services, (arg) => this.keys.poolToAddTo(arg));
    this.pools = new PoolCommands(services, targets, (pool, keys) => this.keys.addKeys(pool, keys));
    this.agents = new AgentCommands(services, targets);
    this.routes = new RouteCommands(services);
  }

  register(): DisposableLike[] {
    const handlers: Record<CommandId, (...args: unknown[]) => Promise<unknown>> = {
      'keybridge.addPool': (arg) => this.pools.addPool(arg as Partial<AddPoolArgs> | undefined),
      'keybridge.removePool': (arg) => this.pools.removePool(arg),
      'keybridge.addKeys': (arg, keys) => this.keys.addKeys(arg, Array.isArray(keys) ? (keys as string[]) : undefined),
      'keybridge.addKeysFromFile': (arg, file) => this.bulkKeys.addKeysFromFile(arg, file),
      'keybridge.addKeysFromClipboard': (arg) => this.bulkKeys.addKeysFromClipboard(arg),
      'keybridge.testKey': (arg) => this.keys.testKey(arg),
      'keybridge.testPool': (arg) => this.keys.testPool(arg),
      'keybridge.retireKey': (arg) => this.keys.retireKey(arg),
      'keybridge.restoreKey': (arg) => this.keys.restoreKey(arg),
      'keybridge.removeKey': (arg) => this.keys.removeKey(arg),
      'keybridge.addRouteTarget': (arg) => this.routes.addRouteTarget(arg),
      'keybridge.removeRouteTarget': (arg) => this.routes.removeRouteTarget(arg),
      'keybridge.copyBaseUrl': (arg) => this.agents.copyBaseUrl(arg),
      'keybridge.copyAgentSetup': (arg) => this.agents.copyAgentSetup(arg),
      'keybridge.connectAgents': async (arg) => this.connect?.connectAgents(arg),
      'keybridge.disconnectAgents': async (arg) => this.connect?.disconnectAgents(arg),
      'keybridge.showLog': () => {
        this.services.showLog();
        return Promise.resolve();
      },
      'keybridge.showDashboard': () => {
        this.services.showDashboard();
        return Promise.resolve();
      },
      'keybridge.startBridge': () => this.startBridge(),
      'keybridge.stopBridge': () => this.stopBridge(),
      'keybridge.restartBridge': () => this.restartBridge(),
      'keybridge.refresh': () => this.services.refresh(),
      'keybridge.tryDemo': () => this.tryDemo(),
      'keybridge.removeDemo': () => this.removeDemo(),
    };
    return COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(id, () => handlers[id](...args))));
  }

  /** Every failure reaches the user with something to do; nothing fails silently. */
  private async guard(id: string, run: () => Promise<unknown>): Promise<unknown> {
    try {
      return await run();
    } catch (error) {
      const message = error instanceof SecretStoreError ? error.message : `KeyBridge: ${sanitizeText(error instanceof Error ? error.message : String(error))}`;
      this.services.logger.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => choice && this.services.showLog());
      return undefined;
    }
  }

  private async startBridge(): Promise<void> {
    await this.services.host.start();
    this.tellRole();
  }

  private async stopBridge(): Promise<void> {
    await this.services.host.stop();
    void vscode.window.showInformationMessage('KeyBridge: the bridge is stopped in every window; agents get "connection refused" until you start it again.');
  }

  private async restartBridge(): Promise<void> {
    await this.services.host.restart();
    this.tellRole();
  }

  private async tryDemo(): Promise<void> {
    if (!this.demo) return;
    await this.demo.start();
    const choice = await vscode.window.showInformationMessage(
      'KeyBridge: a simulated provider runs in this window, with the pools "Demo alpha (simulated)" and "Demo beta (simulated)". Its own client sends a request every 2 s for a minute, so a cooldown, a revoked key and a failover show in the tree; nothing leaves this machine and no real key is used.',
      'Remove Simulated Provider',
    );
    if (choice) await this.removeDemo();
  }

  private async removeDemo(): Promise<void> {
    if (!this.demo) return;
    const { pools } = await this.demo.remove();
    void vscode.window.setStatusBarMessage(
      pools.length ? 'KeyBridge: the simulated provider and its pools are removed.' : 'KeyBridge: no simulated provider to remove.',
      5_000,
    );
  }

  /** Start and Restart end in a role: a short note when it serves, a warning naming why when it does not. */
  private tellRole(): void {
    const { role, detail } = this.services.host;
    if (role === 'owner' || role === 'follower') void vscode.window.setStatusBarMessage(`KeyBridge: ${detail}`, 5_000);
    else void vscode.window.showWarningMessage(`KeyBridge: ${detail}`);
  }
}
