import * as vscode from 'vscode';
import { AGENT_IDS, agentSetup, type AgentId } from '../core/agentSetup';
import { PROTOCOLS, type Protocol } from '../core/config';
import type { Logger } from '../core/logger';
import { fingerprintSecret } from '../core/secrets';
import type { BridgeStatus, KeyStatus, KeyTestResult, PoolStatus } from '../core/status';
import type { PoolSetting } from './bridgeConfig';
import { COMMAND_IDS, type CommandId } from './commandIds';
import type { BridgeHost } from './bridgeHost';
import type { DisposableLike } from './disposable';
import { effectiveState, keyDescription, sanitizeText } from './keyPresentation';
import { SecretStoreError, type KeyStore } from './keyStore';
import type { KeyTreeNode } from './keyTree';
import { checkKeyShapes, presetById, PROVIDER_PRESETS, splitPastedKeys, type ProviderPreset } from './providerPresets';


/** What the command handlers act on; the extension passes the real objects, tests pass fakes. */
export interface CommandServices {
  host: Pick<BridgeHost, 'testKey' | 'testPool' | 'retireKey' | 'restoreKey' | 'start' | 'stop' | 'restart' | 'status' | 'baseUrls' | 'role' | 'detail'>;
  keyStore: Pick<KeyStore, 'addKeys' | 'removeKey' | 'removePool' | 'snapshot' | 'fingerprints'>;
  pools(): PoolSetting[];
  addPoolSetting(pool: PoolSetting): Promise<void>;
  removePoolSetting(id: string): Promise<boolean>;
  refresh(): Promise<void>;
  showLog(): void;
  logger: Logger;
}

interface KeyRef {
  pool: string;
  key: string;
}

/** Arguments a key command accepts: a tree row, or `{pool, key}` from code. */
function keyRefOf(arg: unknown): KeyRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as KeyTreeNode;
  if (node.kind === 'key') return { pool: node.poolId, key: node.key.id };
  const ref = arg as Partial<KeyRef>;
  if (typeof ref.pool === 'string' && typeof ref.key === 'string') return { pool: ref.pool, key: ref.key };
  return undefined;
}

/** A pool command's argument: a tree row or a pool id. */
function poolIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as KeyTreeNode;
  return node.kind === 'pool' ? node.pool.id : undefined;
}

const POOL_ID = /^[A-Za-z0-9._-]+$/;

/** Handlers of every `keybridge.*` command. */
export class KeyBridgeCommands {
  constructor(private readonly services: CommandServices) {}

  register(): DisposableLike[] {
    const handlers: Record<CommandId, (...args: unknown[]) => Promise<unknown>> = {
      'keybridge.addPool': (arg) => this.addPool(arg as Partial<AddPoolArgs> | undefined),
      'keybridge.removePool': (arg) => this.removePool(arg),
      'keybridge.addKeys': (arg, keys) => this.addKeys(arg, Array.isArray(keys) ? (keys as string[]) : undefined),
      'keybridge.testKey': (arg) => this.testKey(arg),
      'keybridge.testPool': (arg) => this.testPool(arg),
      'keybridge.retireKey': (arg) => this.retireKey(arg),
      'keybridge.restoreKey': (arg) => this.restoreKey(arg),
      'keybridge.removeKey': (arg) => this.removeKey(arg),
      'keybridge.copyBaseUrl': (arg) => this.copyBaseUrl(arg),
      'keybridge.copyAgentSetup': (arg) => this.copyAgentSetup(arg),
      'keybridge.showLog': async () => this.services.showLog(),
      'keybridge.startBridge': () => this.startBridge(),
      'keybridge.stopBridge': () => this.stopBridge(),
      'keybridge.restartBridge': () => this.restartBridge(),
      'keybridge.refresh': () => this.services.refresh(),
    };
    return COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(id, () => handlers[id](...args))));
  }

  /** Every failure reaches the user with something to do; nothing fails silently. */
  private async guard(id: string, run: () => Promise<unknown>): Promise<unknown> {
    try {
      return await run();
    } catch (error) {
      const message = error instanceof SecretStoreError ? error.message : `KeyBridge: ${sanitizeText((error as Error).message ?? String(error))}`;
      this.services.logger.error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => choice && this.services.showLog());
      return undefined;
    }
  }

  // ---- pools -------------------------------------------------------------

  async addPool(args: Partial<AddPoolArgs> = {}): Promise<string | undefined> {
    const existing = this.services.pools();
    const preset = args.preset ? presetById(args.preset) : await this.pickPreset();
    if (!preset) return undefined;
    let baseUrl = args.baseUrl ?? preset.baseUrl;
    let protocol: Protocol = args.protocol ?? preset.protocol;
    if (preset.id === 'custom' && !args.baseUrl) {
      const entered = await vscode.window.showInputBox({
        title: 'KeyBridge: Add Pool — base URL',
        prompt: 'The provider’s base URL as its SDK takes it: OpenAI-compatible with the version (…/v1), Anthropic the server root.',
        placeHolder: 'https://api.example.com/v1',
        ignoreFocusOut: true,
        validateInput: (value) => (/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value.trim()) ? undefined : 'Enter an http(s) URL.'),
      });
      if (!entered) return undefined;
      baseUrl = entered.trim().replace(/\/+$/, '');
      if (!args.protocol) {
        const picked = await vscode.window.showQuickPick(
          [
            { label: 'OpenAI-compatible', description: '/chat/completions, /responses, /embeddings', protocol: 'openai' as Protocol },
            { label: 'Anthropic', description: '/v1/messages', protocol: 'anthropic' as Protocol },
          ],
          { title: 'KeyBridge: Add Pool — protocol', ignoreFocusOut: true },
        );
        if (!picked) return undefined;
        protocol = picked.protocol;
      }
    }
    const taken = new Set(existing.map((p) => p.id));
    const suggested = uniqueId(preset.id === 'custom' ? hostId(baseUrl) : preset.id, taken);
    const id =
      args.id ??
      (await vscode.window.showInputBox({
        title: 'KeyBridge: Add Pool — pool id',
        prompt: 'A short id for this pool (used in routes and logs).',
        value: suggested,
        ignoreFocusOut: true,
        validateInput: (value) => (!POOL_ID.test(value) ? 'Use letters, digits, dot, dash or underscore.' : taken.has(value) ? `A pool "${value}" exists already.` : undefined),
      }));
    if (!id) return undefined;
    if (!POOL_ID.test(id) || taken.has(id)) throw new Error(`pool id "${id}" is not valid or exists already`);
    const label = args.label ?? (preset.id === 'custom' ? id : id === preset.id ? preset.label : `${preset.label} (${id})`);
    await this.services.addPoolSetting({ id, label, provider: preset.id, protocol, baseUrl, strategy: 'fill-first', headers: preset.headers });
    this.services.logger.info(`pool ${id} added (${protocol}, ${baseUrl})`);
    if (args.keys) await this.addKeys(id, args.keys);
    else if (args.addKeys !== false) await this.addKeys(id);
    return id;
  }

  async removePool(arg?: unknown): Promise<boolean> {
    const id = poolIdOf(arg) ?? (await this.pickPool('Remove which pool?'))?.id;
    if (!id) return false;
    const pool = this.services.pools().find((p) => p.id === id);
    const keys = (this.services.keyStore.snapshot?.keys ?? []).filter((k) => k.pool === id).length;
    const answer = await vscode.window.showWarningMessage(
      `Remove pool "${pool?.label ?? id}" and its ${keys} key(s)? The keys are deleted from VS Code's secret storage.`,
      { modal: true },
      'Remove',
    );
    if (answer !== 'Remove') return false;
    await this.services.removePoolSetting(id);
    await this.services.keyStore.removePool(id);
    this.services.logger.info(`pool ${id} removed with ${keys} key(s)`);
    return true;
  }

  // ---- keys --------------------------------------------------------------

  /** Adds one or many keys; `secrets` given from code skips the input box but not the checks. */
  async addKeys(arg?: unknown, secrets?: string[]): Promise<number> {
    const pools = this.services.pools();
    let poolId = poolIdOf(arg);
    if (!poolId) {
      if (pools.length === 0) {
        const choice = await vscode.window.showInformationMessage('KeyBridge: add a pool first (the provider the keys belong to).', 'Add Pool');
        if (choice === 'Add Pool') await this.addPool();
        return 0;
      }
      poolId = (await this.pickPool('Add keys to which pool?'))?.id;
      if (!poolId) return 0;
    }
    const pool = pools.find((p) => p.id === poolId);
    if (!pool) throw new Error(`there is no pool "${poolId}" in the keybridge.pools setting`);
    const preset = presetById(pool.provider) ?? PROVIDER_PRESETS.find((p) => p.baseUrl === pool.baseUrl);
    const stored = this.services.keyStore.fingerprints(pool.id);
    const problems = (keys: string[]): { errors: string[]; warnings: string[] } => {
      const check = checkKeyShapes(keys, preset);
      const seen = new Set<string>();
      keys.forEach((key, i) => {
        const which = keys.length > 1 ? `Key ${i + 1}` : 'The key';
        const fp = fingerprintSecret(key);
        if (stored.has(fp)) check.errors.push(`${which} is already in this pool.`);
        else if (seen.has(fp)) check.errors.push(`${which} is pasted twice.`);
        seen.add(fp);
      });
      return check;
    };
    let keys: string[];
    if (secrets) {
      keys = secrets.flatMap(splitPastedKeys);
      const check = problems(keys);
      if (check.errors.length) throw new Error(check.errors.join(' '));
    } else {
      const text = await vscode.window.showInputBox({
        title: `KeyBridge: Add Keys to ${pool.label ?? pool.id}`,
        prompt: 'Paste one or more API keys, separated by spaces or commas. They go to VS Code’s secret storage, never to settings.',
        placeHolder: preset?.keyPrefixes.length ? `${preset.keyPrefixes[0]}…` : 'API key',
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => {
          const parts = splitPastedKeys(value);
          if (parts.length === 0) return 'Paste at least one key.';
          const check = problems(parts);
          if (check.errors.length) return check.errors.join(' ');
          if (check.warnings.length) return { message: check.warnings.join(' '), severity: vscode.InputBoxValidationSeverity.Warning };
          return undefined;
        },
      });
      if (!text) return 0;
      keys = splitPastedKeys(text);
      const check = problems(keys);
      if (check.errors.length || keys.length === 0) throw new Error(check.errors.join(' ') || 'no key was pasted');
    }
    let label: string | undefined;
    if (keys.length === 1 && !secrets) {
      label = await vscode.window.showInputBox({
        title: 'KeyBridge: key label (optional)',
        prompt: 'A name to tell this key apart in the tree and the log, e.g. "work" or "personal". Leave empty for the masked key.',
        ignoreFocusOut: true,
      });
      if (label === undefined) return 0;
    }
    const result = await this.services.keyStore.addKeys(
      pool.id,
      keys.map((secret) => ({ secret, label })),
    );
    const count = result.added.length;
    const skipped = result.duplicates.length ? ` ${result.duplicates.length} already there (${result.duplicates.join(', ')}).` : '';
    this.services.logger.info(`added ${count} key(s) to pool ${pool.id}: ${result.added.map((k) => k.masked).join(', ')}`);
    if (count > 0) {
      void vscode.window.showInformationMessage(`KeyBridge: added ${count} key(s) to ${pool.label ?? pool.id}.${skipped}`, 'Test Now').then((choice) => {
        if (choice === 'Test Now') void this.guard('keybridge.testPool', () => this.testPool(pool.id));
      });
    } else {
      void vscode.window.showWarningMessage(`KeyBridge: no key added.${skipped}`);
    }
    return count;
  }

  async testKey(arg?: unknown): Promise<KeyTestResult | undefined> {
    const ref = keyRefOf(arg) ?? (await this.pickKey('Test which key?'));
    if (!ref) return undefined;
    const name = this.keyName(ref);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KeyBridge: testing ${name}…` }, () => this.services.host.testKey(ref.pool, ref.key));
    const line = `${name}: ${sanitizeText(result.message)} (${Math.round(result.latencyMs)} ms) — ${result.state}`;
    this.services.logger.info(`test ${ref.pool}/${ref.key}: ${line}`);
    if (result.ok) void vscode.window.showInformationMessage(`KeyBridge: ${line}`);
    else void vscode.window.showWarningMessage(`KeyBridge: ${line}`);
    return result;
  }

  async testPool(arg?: unknown): Promise<KeyTestResult[] | undefined> {
    const id = poolIdOf(arg) ?? (await this.pickPool('Test which pool?'))?.id;
    if (!id) return undefined;
    const label = this.poolStatus(id)?.label ?? id;
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KeyBridge: testing the keys of ${label}…` }, () => this.services.host.testPool(id));
    const ok = results.filter((r) => r.ok);
    const failed = results.filter((r) => !r.ok);
    const details = results.map((r) => `${this.keyName({ pool: id, key: r.key }, false)}: ${sanitizeText(r.message)} (${Math.round(r.latencyMs)} ms)`).join('; ');
    const line = results.length === 0 ? `${label} has no keys to test.` : `${label}: ${ok.length} of ${results.length} key(s) OK. ${details}`;
    this.services.logger.info(`test pool ${id}: ${line}`);
    if (failed.length || results.length === 0) void vscode.window.showWarningMessage(`KeyBridge: ${line}`);
    else void vscode.window.showInformationMessage(`KeyBridge: ${line}`);
    return results;
  }

  async retireKey(arg?: unknown): Promise<boolean> {
    const ref = keyRefOf(arg) ?? (await this.pickKey('Retire which key?', (k) => k.state !== 'retired'));
    if (!ref) return false;
    await this.services.host.retireKey(ref.pool, ref.key);
    return true;
  }

  async restoreKey(arg?: unknown): Promise<boolean> {
    const ref = keyRefOf(arg) ?? (await this.pickKey('Restore which key?', (k) => k.state === 'retired'));
    if (!ref) return false;
    await this.services.host.restoreKey(ref.pool, ref.key);
    return true;
  }

  async removeKey(arg?: unknown): Promise<boolean> {
    const ref = keyRefOf(arg) ?? (await this.pickKey('Remove which key?'));
    if (!ref) return false;
    const answer = await vscode.window.showWarningMessage(
      `Remove key ${this.keyName(ref)}? It is deleted from VS Code's secret storage; agents stop using it at once.`,
      { modal: true },
      'Remove',
    );
    if (answer !== 'Remove') return false;
    const removed = await this.services.keyStore.removeKey(ref.pool, ref.key);
    this.services.logger.info(`key ${ref.pool}/${ref.key} removed`);
    return removed;
  }

  // ---- agents ------------------------------------------------------------

  async copyBaseUrl(arg?: unknown): Promise<string | undefined> {
    const urls = this.services.host.baseUrls;
    let protocol: Protocol | undefined = typeof arg === 'string' && PROTOCOLS.includes(arg as Protocol) ? (arg as Protocol) : undefined;
    const poolId = poolIdOf(arg);
    if (!protocol && poolId) protocol = this.poolStatus(poolId)?.protocol ?? this.services.pools().find((p) => p.id === poolId)?.protocol;
    if (!protocol) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'OpenAI-compatible base URL', description: urls.openai, protocol: 'openai' as Protocol },
          { label: 'Anthropic base URL', description: urls.anthropic, protocol: 'anthropic' as Protocol },
        ],
        { title: 'KeyBridge: Copy Base URL' },
      );
      if (!picked) return undefined;
      protocol = picked.protocol;
    }
    const url = urls[protocol];
    await vscode.env.clipboard.writeText(url);
    void vscode.window.showInformationMessage(`KeyBridge: copied ${url}. Agents send the KeyBridge token as their API key ("Copy Agent Setup" has the exact lines).`);
    return url;
  }

  async copyAgentSetup(arg?: unknown): Promise<string | undefined> {
    const token = this.services.keyStore.snapshot?.tokens?.token;
    if (!token) throw new Error('there is no local token yet: VS Code’s secret storage has not answered. Try again in a moment.');
    const ctx = { baseUrls: this.services.host.baseUrls, token };
    let agent: AgentId | undefined = typeof arg === 'string' && (AGENT_IDS as string[]).includes(arg) ? (arg as AgentId) : undefined;
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
    void vscode.window.showInformationMessage(`KeyBridge: copied the ${setup.title} setup (for ${setup.where}). It holds the local KeyBridge token, which only works on this machine.`);
    return setup.text;
  }

  // ---- bridge ------------------------------------------------------------

  async startBridge(): Promise<void> {
    await this.services.host.start();
    this.tellRole();
  }

  async stopBridge(): Promise<void> {
    await this.services.host.stop();
    void vscode.window.showInformationMessage('KeyBridge: the bridge is stopped in every window; agents get "connection refused" until you start it again.');
  }

  async restartBridge(): Promise<void> {
    await this.services.host.restart();
    this.tellRole();
  }

  private tellRole(): void {
    const { role, detail } = this.services.host;
    if (role === 'owner' || role === 'follower') void vscode.window.setStatusBarMessage(`KeyBridge: ${detail}`, 5_000);
    else void vscode.window.showWarningMessage(`KeyBridge: ${detail}`);
  }

  // ---- pickers -----------------------------------------------------------

  private async pickPreset(): Promise<ProviderPreset | undefined> {
    const picked = await vscode.window.showQuickPick(
      PROVIDER_PRESETS.map((preset) => ({
        label: preset.label,
        description: preset.id === 'custom' ? 'any OpenAI- or Anthropic-compatible endpoint' : preset.baseUrl,
        preset,
      })),
      { title: 'KeyBridge: Add Pool — provider', placeHolder: 'Which provider are the keys for?', ignoreFocusOut: true },
    );
    return picked?.preset;
  }

  private async pickPool(title: string): Promise<PoolSetting | undefined> {
    const pools = this.services.pools();
    if (pools.length === 0) {
      void vscode.window.showInformationMessage('KeyBridge: there are no pools yet. Run "KeyBridge: Add Pool".');
      return undefined;
    }
    if (pools.length === 1) return pools[0];
    const picked = await vscode.window.showQuickPick(
      pools.map((pool) => ({ label: pool.label ?? pool.id, description: `${pool.protocol} · ${pool.baseUrl}`, pool })),
      { title: `KeyBridge: ${title}` },
    );
    return picked?.pool;
  }

  private async pickKey(title: string, filter: (key: KeyStatus) => boolean = () => true): Promise<KeyRef | undefined> {
    const now = Date.now();
    const items = (this.status()?.pools ?? []).flatMap((pool) =>
      pool.keys
        .filter((key) => filter({ ...key, state: effectiveState(key, now) }))
        .map((key) => ({ label: key.label, description: `${pool.label} · ${keyDescription(key, now)}`, ref: { pool: pool.id, key: key.id } })),
    );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('KeyBridge: no key fits. Add keys in the KeyBridge view.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(items, { title: `KeyBridge: ${title}` });
    return picked?.ref;
  }

  private status(): BridgeStatus | undefined {
    return this.services.host.status();
  }

  private poolStatus(id: string): PoolStatus | undefined {
    return this.status()?.pools.find((p) => p.id === id);
  }

  /** `OpenAI / work (sk-…abcd)`: how messages name a key. */
  private keyName(ref: KeyRef, withPool = true): string {
    const pool = this.poolStatus(ref.pool);
    const key = pool?.keys.find((k) => k.id === ref.key);
    const meta = this.services.keyStore.snapshot?.keys.find((k) => k.pool === ref.pool && k.id === ref.key);
    const label = key?.label ?? meta?.label ?? ref.key;
    const masked = key?.masked ?? meta?.masked;
    const keyPart = masked && masked !== label ? `${label} (${masked})` : label;
    return withPool ? `${pool?.label ?? ref.pool} / ${keyPart}` : keyPart;
  }
}

export interface AddPoolArgs {
  preset: string;
  id: string;
  label: string;
  baseUrl: string;
  protocol: Protocol;
  /** Keys to add at once, skipping the input box (for automation). */
  keys: string[];
  /** False: do not go on to the Add Keys input box. */
  addKeys: boolean;
}

function uniqueId(base: string, taken: Set<string>): string {
  const clean = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'pool';
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.has(`${clean}-${i}`)) return `${clean}-${i}`;
}

function hostId(url: string): string {
  try {
    return new URL(url).hostname.replace(/^api\./, '');
  } catch {
    return 'custom';
  }
}
