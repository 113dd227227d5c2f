import type { CandidateResult } from '../engine/candidateKeyTests';
import type { ProbeOutcome } from '../engine/keyProbe';
import type { KeyCandidate } from '../keys/keyListParser';
import { maskSecret } from '../secrets';
import { sanitizeText } from './keyPresentation';

/**
 * How keys found in a list read in the two quick picks — which to test, then which to save — and in the log.
 * No `vscode` import: tested on Node. A row names a key only masked (`sk-…abcd`); the provider's message is
 * sanitised as everywhere else.
 */

/** A quick pick row; `index` points back to the candidate, so the secret never has to ride on the item. */
export interface KeyTrialItem {
  label: string;
  description: string;
  detail: string;
  picked: boolean;
  index: number;
}

const OUTCOMES: Record<ProbeOutcome, { icon: string; word: string; valid: boolean }> = {
  ok: { icon: '$(pass)', word: 'ok', valid: true },
  // The provider accepted the key and only asked it to wait: a valid key.
  rate_limited: { icon: '$(watch)', word: 'rate-limited (key accepted)', valid: true },
  invalid: { icon: '$(error)', word: 'invalid', valid: false },
  exhausted: { icon: '$(warning)', word: 'out of quota', valid: false },
  unavailable: { icon: '$(warning)', word: 'provider error', valid: false },
  unreachable: { icon: '$(debug-disconnect)', word: 'unreachable', valid: false },
};

/**
 * The rows to tick before anything is sent: a key starts ticked only when its variable's name or a prefix no one
 * else uses says it is the provider's; the others say why they are not. `provider` is undefined for a custom URL.
 */
export function candidateItems(candidates: readonly KeyCandidate[], provider: string | undefined): KeyTrialItem[] {
  return candidates.map((candidate, index) => ({
    label: maskSecret(candidate.secret),
    description: candidateEvidence(candidate, provider),
    detail: lineOf(candidate),
    picked: candidate.evidence !== undefined,
    index,
  }));
}

function candidateEvidence(candidate: KeyCandidate, provider: string | undefined): string {
  if (candidate.evidence === 'name') return `named for ${provider ?? 'this provider'}`;
  if (candidate.evidence === 'prefix') return `shaped as ${provider ?? 'this provider'}'s keys are`;
  const whose = provider ? `${provider}'s` : 'issued for this base URL';
  const doubt = candidate.sharedPrefix
    ? `${candidate.sharedPrefix.prefix} keys are also ${candidate.sharedPrefix.with.join(' and ')}'s`
    : candidate.name
      ? `${candidate.name} names no provider`
      : 'nothing names its provider';
  return `unticked: ${doubt}; tick only if it is ${whose}`;
}

function lineOf(candidate: KeyCandidate): string {
  return candidate.name ? `line ${candidate.line} · ${candidate.name}` : `line ${candidate.line}`;
}

/** Whether a result counts as a working key: these rows start checked. */
export function passedTrial(result: CandidateResult): boolean {
  return OUTCOMES[result.outcome].valid;
}

/** `ok · 120 ms`, `invalid · HTTP 401 invalid_api_key · 45 ms`: what the provider said, briefly. */
export function trialSummary(result: CandidateResult): string {
  const { word } = OUTCOMES[result.outcome];
  const ms = `${Math.round(result.latencyMs)} ms`;
  if (result.outcome === 'ok' || result.outcome === 'rate_limited') return `${word} · ${ms}`;
  const detail = sanitizeText(result.message);
  return `${word} · ${detail.length > 60 ? `${detail.slice(0, 59)}…` : detail} · ${ms}`;
}

export function keyTrialItems(candidates: readonly KeyCandidate[], results: readonly CandidateResult[]): KeyTrialItem[] {
  return candidates.map((candidate, index) => {
    const result = results[index];
    return {
      label: `${OUTCOMES[result.outcome].icon} ${maskSecret(candidate.secret)}`,
      description: trialSummary(result),
      detail: lineOf(candidate),
      picked: passedTrial(result),
      index,
    };
  });
}

/** The label a stored key gets: its variable name when that tells it apart from the others, else none (the masked key). */
export function labelsFor(candidates: readonly KeyCandidate[]): (string | undefined)[] {
  const counts = new Map<string, number>();
  for (const c of candidates) if (c.name) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  return candidates.map((c) => (c.name && counts.get(c.name) === 1 ? c.name : undefined));
}
