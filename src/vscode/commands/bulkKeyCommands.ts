import * as vscode from 'vscode';
import { keyStarts } from '../../core/keys/keyIssuers';
import { describeSkipped, parseKeyLines, selectKeyCandidates, type KeyCandidate } from '../../core/keys/keyListParser';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { CommandServices } from './commandServices';
import { candidateItems, labelsFor } from '../../core/presentation/keyTrialPresentation';
import { pickKeyIndexes, pickTestedKeys, poolName, testKeysForPool } from './keyTrialSteps';
import { presetById, PROVIDER_PRESETS } from '../settings/providerPresets';

/** A key list is a few kilobytes; anything larger was picked by mistake and is not read whole. */
const MAX_LIST_BYTES = 256 * 1024;
/** More keys than this in one go is not a key list either; the provider would see a burst of tests. */
const MAX_CANDIDATES = 100;

/** The pool to add to, picked or named by the command's argument; undefined when the user gave up. */
type PoolChooser = (arg: unknown) => Promise<PoolSetting | undefined>;

/**
 * Keys in bulk, from a `.env`/text file or from the clipboard (a block with one key per line). The text is read
 * here, and nothing leaves the machine until the user has ticked keys in a first quick pick: only the candidates
 * that may be the pool provider's keys are listed (keyListParser.ts decides), ticked only where their name or
 * prefix says so. The ticked keys alone are tested against the pool's provider, the results are shown in a second
 * quick pick, and the keys left checked there are stored. The clipboard stands in for a multi-line input box:
 * VS Code's input box drops line breaks, and an untitled editor to paste into would be backed up to disk by hot
 * exit within a second.
 */
export class BulkKeyCommands {
  constructor(
    private readonly services: Pick<CommandServices, 'keyStore' | 'testCandidateKeys' | 'logger'>,
    private readonly poolToAddTo: PoolChooser,
  ) {}

  /** From a file the user picks, or a file Uri given as the argument (a keybinding, another extension); the file is only read. */
  async addKeysFromFile(arg?: unknown, file?: unknown): Promise<number> {
    const given = asUri(arg);
    const pool = await this.poolToAddTo(given ? undefined : arg);
    if (!pool) return 0;
    const uri = given ?? asUri(file) ?? (await pickKeyFile(pool));
    if (!uri) return 0;
    const { size } = await vscode.workspace.fs.stat(uri);
    if (size > MAX_LIST_BYTES)
      throw new Error(`${baseName(uri)} is ${Math.round(size / 1024)} KB; a key list is a few KB. Pick the .env or text file that holds the keys.`);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return this.addKeyList(pool, text, baseName(uri));
  }

  /** From the clipboard: keys one per line, or `.env` lines, copied from wherever the user keeps them. */
  async addKeysFromClipboard(arg?: unknown): Promise<number> {
    const pool = await this.poolToAddTo(arg);
    if (!pool) return 0;
    const text = await vscode.env.clipboard.readText();
    if (!text.trim()) {
      void vscode.window.showWarningMessage(
        'KeyBridge: the clipboard holds no text. Copy the keys (one per line, or NAME=value lines) and run Add Keys from Clipboard again; in a browser, allow the page to read the clipboard.',
      );
      return 0;
    }
    return this.addKeyList(pool, text, 'the clipboard');
  }

  /** Parse, let the user tick, test the ticked, show, store what is picked. Returns how many keys were stored. */
  private async addKeyList(pool: PoolSetting, text: string, source: string): Promise<number> {
    const preset = presetById(pool.provider) ?? PROVIDER_PRESETS.find((p) => p.baseUrl === pool.baseUrl);
    const { candidates: found, skipped } = selectKeyCandidates(parseKeyLines(text), {
      provider: preset?.keys,
      inPool: this.services.keyStore.fingerprints(pool.id),
    });
    const skippedNote = skipped.length ? ` Left out: ${describeSkipped(skipped)}.` : '';
    this.services.logger.info(`add keys to ${pool.id} from ${source}: ${found.length} candidate(s).${skippedNote}`);
    if (found.length === 0) {
      const expected = preset?.keys?.keyPrefixes.length ? ` ${preset.label} keys start with ${keyStarts(preset.keys).join(' or ')}.` : '';
      void vscode.window.showWarningMessage(`KeyBridge: no new key for ${poolName(pool)} in ${source}.${expected}${skippedNote}`);
      return 0;
    }
    if (found.length > MAX_CANDIDATES) throw new Error(`${source} lists ${found.length} keys; add at most ${MAX_CANDIDATES} at a time.`);

    const candidates = await this.pickToTest(pool, preset?.keys?.label, found, skipped.length);
    if (!candidates) return 0;
    const results = await testKeysForPool(this.services, pool, candidates);
    if (!results) return 0;
    const chosen = await pickTestedKeys(pool, candidates, results);
    if (!chosen) return 0;
    const labels = labelsFor(candidates);
    const stored = await this.services.keyStore.addKeys(
      pool.id,
      chosen.map((i) => ({ secret: candidates[i].secret, label: labels[i] })),
    );
    const count = stored.added.length;
    const already = stored.duplicates.length ? ` ${stored.duplicates.length} already there (${stored.duplicates.join(', ')}).` : '';
    this.services.logger.info(`added ${count} key(s) to pool ${pool.id} from ${source}: ${stored.added.map((k) => k.masked).join(', ')}`);
    void vscode.window.showInformationMessage(`KeyBridge: added ${count} tested key(s) to ${poolName(pool)}.${already}`);
    return count;
  }

  /**
   * The keys the user ticks to be tested, before any is sent: a test hands the key to the pool's host, and a
   * list may hold keys of another provider that share a prefix or a name that says nothing. Undefined when none.
   */
  private async pickToTest(
    pool: PoolSetting,
    provider: string | undefined,
    found: readonly KeyCandidate[],
    leftOut: number,
  ): Promise<KeyCandidate[] | undefined> {
    const host = hostOf(pool.baseUrl);
    const picked = await pickKeyIndexes(candidateItems(found, provider), {
      title: `KeyBridge: Add Keys to ${poolName(pool)} — tick the keys to test at ${host}`,
      placeHolder: `Only the ticked keys are sent, to ${host}, for a test; nothing is sent before Enter.${leftOut ? ` ${leftOut} other line(s) left out (see the log).` : ''}`,
      noneChecked: 'KeyBridge: no key ticked; nothing was tested or saved.',
    });
    return picked?.map((i) => found[i]);
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

async function pickKeyFile(pool: PoolSetting): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: `KeyBridge: Add Keys to ${poolName(pool)} from File`,
    openLabel: 'Test and Add Keys',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'Key lists (.env, .txt)': ['env', 'txt', 'keys'], 'All files': ['*'] },
  });
  return picked?.[0];
}

/** A Uri as VS Code passes it to a command; a pool node or id is not one. */
function asUri(value: unknown): vscode.Uri | undefined {
  return typeof value === 'object' && value !== null && 'scheme' in value && 'path' in value ? (value as vscode.Uri) : undefined;
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1) || uri.path;
}
