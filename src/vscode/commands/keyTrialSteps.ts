import * as vscode from 'vscode';
import type { CandidateResult } from '../../core/engine/candidateKeyTests';
import type { KeyCandidate } from '../../core/keys/keyListParser';
import { maskSecret } from '../../core/secrets';
import type { PoolSetting } from '../settings/bridgeConfig';
import type { CommandServices } from './commandServices';
import { keyTrialItems, passedTrial, trialSummary, type KeyTrialItem } from '../../core/presentation/keyTrialPresentation';
import { presetById } from '../settings/providerPresets';

/**
 * The steps every way of adding keys shares once it knows which keys go to which pool: test them against the
 * pool's provider under a cancellable notification, then show what the provider said in a quick pick where the
 * keys that passed start checked. Keys pasted into the box and keys read from a list go through the same two.
 */

export function poolName(pool: PoolSetting): string {
  return pool.label ?? pool.id;
}

/** Every key tested, a few at a time, under a cancellable notification; undefined when cancelled. */
export async function testKeysForPool(
  services: Pick<CommandServices, 'testCandidateKeys' | 'logger'>,
  pool: PoolSetting,
  candidates: readonly KeyCandidate[],
): Promise<CandidateResult[] | undefined> {
  const abort = new AbortController();
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `KeyBridge: testing ${candidates.length} key(s) for ${poolName(pool)}…`, cancellable: true },
    async (_progress, token) => {
      const cancelled = token.onCancellationRequested(() => abort.abort());
      const candidatePool = {
        id: pool.id,
        protocol: pool.protocol,
        baseUrl: pool.baseUrl,
        headers: pool.headers,
        testPath: presetById(pool.provider)?.testPath,
      };
      try {
        return await services.testCandidateKeys(
          candidatePool,
          candidates.map((c) => c.secret),
          { signal: abort.signal },
        );
      } finally {
        cancelled.dispose();
      }
    },
  );
  if (abort.signal.aborted) return undefined;
  services.logger.info(`tested for ${pool.id}: ${candidates.map((c, i) => `${maskSecret(c.secret)} ${trialSummary(results[i])}`).join('; ')}`);
  return results;
}

/**
 * The results, one row per key (those that passed checked); the indexes of the keys left checked, undefined
 * on Escape or when none is. `detail` replaces the row's second line (a pasted key has no line in a file).
 */
export async function pickTestedKeys(
  pool: PoolSetting,
  candidates: readonly KeyCandidate[],
  results: readonly CandidateResult[],
  detail?: (index: number) => string,
): Promise<number[] | undefined> {
  const passed = results.filter(passedTrial).length;
  const items = keyTrialItems(candidates, results).map((item) => (detail ? { ...item, detail: detail(item.index) } : item));
  return pickKeyIndexes(items, {
    title: `KeyBridge: Add Keys to ${poolName(pool)} — ${passed} of ${candidates.length} passed the test`,
    placeHolder: 'Enter saves the checked keys to secret storage; Escape saves none',
    noneChecked: 'KeyBridge: no key checked; nothing was saved.',
  });
}

/**
 * A multi-select pick over keys (masked), the rows pointing back at their candidate by index: the indexes of
 * the rows left checked, in list order; undefined on Escape, or when none is checked (saying so).
 */
export async function pickKeyIndexes(
  items: readonly KeyTrialItem[],
  text: { title: string; placeHolder: string; noneChecked: string },
): Promise<number[] | undefined> {
  const picked = await vscode.window.showQuickPick(items, {
    title: text.title,
    placeHolder: text.placeHolder,
    canPickMany: true,
    ignoreFocusOut: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.length === 0) {
    void vscode.window.showInformationMessage(text.noneChecked);
    return undefined;
  }
  return picked.map((item) => item.index).sort((a, b) => a - b);
}
