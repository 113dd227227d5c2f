import * as vscode from 'vscode';
import type { Protocol } from '../../core/config';
import type { CommandServices } from './commandServices';
import { poolIdOf, type CommandTargets } from './commandTargets';
import { presetById, PROVIDER_PRESETS, type ProviderPreset } from '../settings/providerPresets';

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

const POOL_ID = /^[A-Za-z0-9._-]+$/;

/** Add Pool and Remove Pool: the `keybridge.pools` setting, and the keys that go with a pool. */
export class PoolCommands {
  constructor(
    private readonly services: CommandServices,
    private readonly targets: CommandTargets,
    /** Add Keys for a new pool; `keys` given from code skip its input box. */
    private readonly addKeys: (pool: string, keys?: string[]) => Promise<number>,
  ) {}

  async addPool(args: Partial<AddPoolArgs> = {}): Promise<string | undefined> {
    const existing = this.services.pools();
    const preset = args.preset ? presetById(args.preset) : await this.pickPreset();
    if (!preset) return undefined;
    const endpoint = await this.askEndpoint(preset, args);
    if (!endpoint) return undefined;
    const { baseUrl, protocol } = endpoint;
    const taken = new Set(existing.map((p) => p.id));
    const suggested = uniqueId(preset.id === 'custom' ? hostId(baseUrl) : preset.id, taken);
    const id =
      args.id ??
      (await vscode.window.showInputBox({
        title: 'KeyBridge: Add Pool — pool id',
        prompt: 'A short id for this pool (used in routes and logs).',
        value: suggested,
        ignoreFocusOut: true,
        validateInput: (value) =>
          !POOL_ID.test(value) ? 'Use letters, digits, dot, dash or underscore.' : taken.has(value) ? `A pool "${value}" exists already.` : undefined,
      }));
    if (!id) return undefined;
    if (!POOL_ID.test(id) || taken.has(id)) throw new Error(`pool id "${id}" is not valid or exists already`);
    const label = args.label ?? (preset.id === 'custom' ? id : id === preset.id ? preset.label : `${preset.label} (${id})`);
    await this.services.addPoolSetting({
      id,
      label,
      provider: preset.id,
      protocol,
      baseUrl,
      strategy: 'fill-first',
      headers: preset.headers,
      responses: preset.responses,
    });
    this.services.logger.info(`pool ${id} added (${protocol}, ${baseUrl})`);
    if (args.keys) await this.addKeys(id, args.keys);
    else if (args.addKeys !== false) await this.addKeys(id);
    return id;
  }

  async removePool(arg?: unknown): Promise<boolean> {
    const id = poolIdOf(arg) ?? (await this.targets.pickPool('Remove which pool?'))?.id;
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

  /** The preset's base URL and protocol, or for a custom endpoint what the user enters; undefined when cancelled. */
  private async askEndpoint(preset: ProviderPreset, args: Partial<AddPoolArgs>): Promise<{ baseUrl: string; protocol: Protocol } | undefined> {
    const protocol: Protocol = args.protocol ?? preset.protocol;
    if (preset.id !== 'custom' || args.baseUrl) return { baseUrl: args.baseUrl ?? preset.baseUrl, protocol };
    const entered = await vscode.window.showInputBox({
      title: 'KeyBridge: Add Pool — base URL',
      prompt: 'The provider’s base URL as its SDK takes it: OpenAI-compatible with the version (…/v1), Anthropic the server root.',
      placeHolder: 'https://api.example.com/v1',
      ignoreFocusOut: true,
      validateInput: (value) => (/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value.trim()) ? undefined : 'Enter an http(s) URL.'),
    });
    if (!entered) return undefined;
    const baseUrl = entered.trim().replace(/\/+$/, '');
    if (args.protocol) return { baseUrl, protocol };
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'OpenAI-compatible', description: '/chat/completions, /responses, /embeddings', protocol: 'openai' as const },
        { label: 'Anthropic', description: '/v1/messages', protocol: 'anthropic' as const },
      ],
      { title: 'KeyBridge: Add Pool — protocol', ignoreFocusOut: true },
    );
    return picked ? { baseUrl, protocol: picked.protocol } : undefined;
  }
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
