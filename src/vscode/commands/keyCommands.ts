import * as vscode from 'vscode';
import { fingerprintSecret } from '../../core/secrets';
import type { KeyTestResult } from '../../core/status';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { CommandServices } from './commandServices';
import { keyRefOf, poolIdOf, type CommandTargets } from './commandTargets';
import { sanitizeText } from '../../core/presentation/keyPresentation';
import { passedTrial } from '../../core/presentation/keyTrialPresentation';
import { pickTestedKeys, testKeysForPool } from './keyTrialSteps';
import { checkKeyShapes, presetById, PROVIDER_PRESETS, splitPastedKeys, type ProviderPreset } from '../settings/providerPresets';

type KeyCheck = (keys: string[]) => { errors: string[]; warnings: string[] };

/** What the key commands need from their siblings. */
export interface KeyCommandLinks {
  /** Add Pool, offered when there is no pool to add keys to. */
  addPool(): Promise<unknown>;
  /** Test Pool run from a notification's button, with the guard every command has. */
  testPoolFromButton(pool: string): void;
}

/** Add, test, retire, restore and remove keys. */
export class KeyCommands {
  constructor(
    private readonly services: CommandServices,
    private readonly targets: CommandTargets,
    private readonly links: KeyCommandLinks,
  ) {}

  /**
   * Adds one or many keys; `secrets` given from code skips the input box but not the checks. Pasted keys are
   * tested first: all passed, they are stored; any failed, the results are shown and the keys left checked stored.
   */
  async addKeys(arg?: unknown, secrets?: string[]): Promise<number> {
    const pool = await this.poolToAddTo(arg);
    if (!pool) return 0;
    const preset = presetById(pool.provider) ?? PROVIDER_PRESETS.find((p) => p.baseUrl === pool.baseUrl);
    const check = keyCheck(preset, this.services.keyStore.fingerprints(pool.id));
    let keys: string[];
    if (secrets) {
      keys = secrets.flatMap(splitPastedKeys);
      const problems = check(keys);
      if (problems.errors.length) throw new Error(problems.errors.join(' '));
    } else {
      const pasted = await this.askForKeys(pool, preset, check);
      if (!pasted) return 0;
      // Tested like keys from a list, but with no tick step first: the user pasted these for this pool, so
      // sending them to its provider is what they asked for (a list may hold other providers' keys).
      const candidates = pasted.map((secret, i) => ({ line: i + 1, secret }));
      const results = await testKeysForPool(this.services, pool, candidates);
      if (!results) return 0;
      if (!results.every(passedTrial)) {
        const chosen = await pickTestedKeys(pool, candidates, results, (i) => (pasted.length > 1 ? `pasted key ${i + 1}` : 'the pasted key'));
        return chosen
          ? this.store(
              pool,
              chosen.map((i) => pasted[i]),
              undefined,
            )
          : 0;
      }
      keys = pasted;
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
    return this.store(pool, keys, label);
  }

  async testKey(arg?: unknown): Promise<KeyTestResult | undefined> {
    const ref = keyRefOf(arg) ?? (await this.targets.pickKey('Test which key?'));
    if (!ref) return undefined;
    const name = this.targets.keyName(ref);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KeyBridge: testing ${name}…` }, () =>
      this.services.host.testKey(ref.pool, ref.key),
    );
    const line = `${name}: ${sanitizeText(result.message)} (${Math.round(result.latencyMs)} ms) — ${result.state}`;
    this.services.logger.info(`test ${ref.pool}/${ref.key}: ${line}`);
    if (result.ok) void vscode.window.showInformationMessage(`KeyBridge: ${line}`);
    else void vscode.window.showWarningMessage(`KeyBridge: ${line}`);
    return result;
  }

  async testPool(arg?: unknown): Promise<KeyTestResult[] | undefined> {
    const id = poolIdOf(arg) ?? (await this.targets.pickPool('Test which pool?'))?.id;
    if (!id) return undefined;
    const label = this.targets.poolStatus(id)?.label ?? id;
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KeyBridge: testing the keys of ${label}…` },
      () => this.services.host.testPool(id),
    );
    const details = results
      .map((r) => `${this.targets.keyName({ pool: id, key: r.key }, false)}: ${sanitizeText(r.message)} (${Math.round(r.latencyMs)} ms)`)
      .join('; ');
    const tally = poolTestTally(results);
    const line = results.length === 0 ? `${label} has no keys to test.` : `${label}: ${tally.text}. ${details}`;
    this.services.logger.info(`test pool ${id}: ${line}`);
    if (!tally.allReady || results.length === 0) void vscode.window.showWarningMessage(`KeyBridge: ${line}`);
    else void vscode.window.showInformationMessage(`KeyBridge: ${line}`);
    return results;
  }

  async retireKey(arg?: unknown): Promise<boolean> {
    const ref = keyRefOf(arg) ?? (await this.targets.pickKey('Retire which key?', (k) => k.state !== 'retired'));
    if (!ref) return false;
    await this.services.host.retireKey(ref.pool, ref.key);
    return true;
  }

  async restoreKey(arg?: unknown): Promise<boolean> {
    const ref = keyRefOf(arg) ?? (await this.targets.pickKey('Restore which key?', (k) => k.state === 'retired'));
    if (!ref) return false;
    await this.services.host.restoreKey(ref.pool, ref.key);
    return true;
  }

  async removeKey(arg?: unknown): Promise<boolean> {
    const ref = keyRefOf(arg) ?? (await this.targets.pickKey('Remove which key?'));
    if (!ref) return false;
    const answer = await vscode.window.showWarningMessage(
      `Remove key ${this.targets.keyName(ref)}? It is deleted from VS Code's secret storage; agents stop using it at once.`,
      { modal: true },
      'Remove',
    );
    if (answer !== 'Remove') return false;
    const removed = await this.services.keyStore.removeKey(ref.pool, ref.key);
    this.services.logger.info(`key ${ref.pool}/${ref.key} removed`);
    return removed;
  }

  /** The pool named by the argument, else picked; with no pool at all, Add Pool is offered instead. */
  async poolToAddTo(arg: unknown): Promise<PoolSetting | undefined> {
    const pools = this.services.pools();
    let poolId = poolIdOf(arg);
    if (!poolId) {
      if (pools.length === 0) {
        const choice = await vscode.window.showInformationMessage('KeyBridge: add a pool first (the provider the keys belong to).', 'Add Pool');
        if (choice === 'Add Pool') await this.links.addPool();
        return undefined;
      }
      poolId = (await this.targets.pickPool('Add keys to which pool?'))?.id;
      if (!poolId) return undefined;
    }
    const pool = pools.find((p) => p.id === poolId);
    if (!pool) throw new Error(`there is no pool "${poolId}" in the keybridge.pools setting`);
    return pool;
  }

  /** The password box, checking shapes and duplicates while the user types; undefined when cancelled. */
  private async askForKeys(pool: PoolSetting, preset: ProviderPreset | undefined, check: KeyCheck): Promise<string[] | undefined> {
    const text = await vscode.window.showInputBox({
      title: `KeyBridge: Add Keys to ${pool.label ?? pool.id}`,
      prompt:
        'Paste one or more API keys, separated by spaces or commas (a list with one key per line: Add Keys from Clipboard or from File). They go to VS Code’s secret storage, never to settings.',
      placeHolder: preset?.keys?.keyPrefixes.length ? `${preset.keys.keyPrefixes[0]}…` : 'API key',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parts = splitPastedKeys(value);
        if (parts.length === 0) return 'Paste at least one key.';
        const problems = check(parts);
        if (problems.errors.length) return problems.errors.join(' ');
        if (problems.warnings.length) return { message: problems.warnings.join(' '), severity: vscode.InputBoxValidationSeverity.Warning };
        return undefined;
      },
    });
    if (!text) return undefined;
    const keys = splitPastedKeys(text);
    const problems = check(keys);
    if (problems.errors.length || keys.length === 0) throw new Error(problems.errors.join(' ') || 'no key was pasted');
    return keys;
  }

  private async store(pool: PoolSetting, keys: string[], label: string | undefined): Promise<number> {
    const result = await this.services.keyStore.addKeys(
      pool.id,
      keys.map((secret) => ({ secret, label })),
    );
    const count = result.added.length;
    const skipped = result.duplicates.length ? ` ${result.duplicates.length} already there (${result.duplicates.join(', ')}).` : '';
    this.services.logger.info(`added ${count} key(s) to pool ${pool.id}: ${result.added.map((k) => k.masked).join(', ')}`);
    if (count > 0) {
      void vscode.window.showInformationMessage(`KeyBridge: added ${count} key(s) to ${pool.label ?? pool.id}.${skipped}`, 'Test Now').then((choice) => {
        if (choice === 'Test Now') this.links.testPoolFromButton(pool.id);
      });
    } else {
      void vscode.window.showWarningMessage(`KeyBridge: no key added.${skipped}`);
    }
    return count;
  }
}

/** Shape checks of the preset, plus keys already in the pool (`stored` fingerprints) or pasted twice. */
function keyCheck(preset: ProviderPreset | undefined, stored: Set<string>): KeyCheck {
  return (keys) => {
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
}

/**
 * "1 of 2 key(s) ready, 1 rate-limited": a rate-limited key is a valid one (the test passed) but it serves
 * nothing until its cooldown ends, so it is not counted ready and the message is a warning.
 */
function poolTestTally(results: readonly KeyTestResult[]): { text: string; allReady: boolean } {
  const limited = results.filter((r) => r.ok && (r.status === 429 || r.state === 'cooling')).length;
  const failed = results.filter((r) => !r.ok).length;
  const ready = results.length - limited - failed;
  const parts = [`${ready} of ${results.length} key(s) ready`];
  if (limited) parts.push(`${limited} rate-limited (valid, cooling)`);
  if (failed) parts.push(`${failed} failed`);
  return { text: parts.join(', '), allReady: ready === results.length };
}
