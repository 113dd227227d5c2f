import { createHash } from 'node:crypto';
import type { FileState, PreviousValues } from './fileConnection';

/**
 * Claude Code's VS Code extension reads `claudeCode.environmentVariables`, an array of `{ name, value }`
 * it passes to the claude process it starts. Connect sets our two names in that array (in place when the
 * user already has them) and leaves every other entry, and every other property of an entry, alone.
 */
export const CLAUDE_ENV_SETTING = 'claudeCode.environmentVariables';

/**
 * The extension may show its login screen even when its environment names a gateway; this setting, true, is
 * its documented way to skip that screen for users authenticated some other way. Connect sets it at the same
 * scope as the variables, and Disconnect puts back what was there.
 */
export const CLAUDE_LOGIN_PROMPT_SETTING = 'claudeCode.disableLoginPrompt';

/** What `claudeCode.disableLoginPrompt` held before Connect set it to true (a setting, never a credential). */
export interface LoginPromptRecord {
  wasUnset: boolean;
  before?: unknown;
}

export interface EnvSettingRecord {
  /** The setting had no value at this scope: Disconnect removes it again when nothing but ours is left. */
  wasUnset: boolean;
  /** sha256 of each value we wrote. */
  digests: Record<string, string>;
  /** Absent in records from versions that did not set it: Disconnect then leaves it alone. */
  loginPrompt?: LoginPromptRecord;
}

interface EnvEntry {
  name: unknown;
  value: unknown;
  [other: string]: unknown;
}

function digest(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('hex');
}

function entriesOf(current: unknown): EnvEntry[] {
  if (current === undefined || current === null) return [];
  if (!Array.isArray(current)) throw new Error(`${CLAUDE_ENV_SETTING} is not a list of { "name", "value" } entries; it was left untouched`);
  return current.map((entry: unknown) => ({ ...(entry as EnvEntry) }));
}

export function mergeEnvSetting(current: unknown, ours: Record<string, string>): { value: EnvEntry[]; record: EnvSettingRecord; previous: PreviousValues } {
  const value = entriesOf(current);
  const previous: PreviousValues = {};
  for (const [name, text] of Object.entries(ours)) {
    const existing = value.find((e) => e.name === name);
    previous[name] = existing ? JSON.stringify(existing.value) : null;
    if (existing) existing.value = text;
    else value.push({ name, value: text });
  }
  const digests = Object.fromEntries(Object.entries(ours).map(([name, text]) => [name, digest(text)]));
  return { value, record: { wasUnset: current === undefined, digests }, previous };
}

/** The setting's value without ours (undefined: remove it); entries the user changed since stay as they are. */
export function restoreEnvSetting(current: unknown, record: EnvSettingRecord, previous: PreviousValues): unknown {
  let value = entriesOf(current);
  for (const [name, written] of Object.entries(record.digests)) {
    const entry = value.find((e) => e.name === name);
    if (!entry || digest(entry.value) !== written) continue;
    const before = name in previous ? previous[name] : null;
    if (before === null) value = value.filter((e) => e !== entry);
    else entry.value = JSON.parse(before);
  }
  return value.length === 0 && record.wasUnset ? undefined : value;
}

export function envSettingState(current: unknown, record: EnvSettingRecord, ours: Record<string, string>): FileState {
  let value: EnvEntry[];
  try {
    value = entriesOf(current);
  } catch {
    return 'drifted';
  }
  const names = Object.keys(record.digests);
  const now = names.map((name) => value.find((e) => e.name === name));
  if (now.some((entry, i) => !entry || digest(entry.value) !== record.digests[names[i]])) return 'drifted';
  // Written by a version that set other variables: refreshing in place would leave the old ones (and the
  // token) behind, so it is left for the user to reconnect, as with the files.
  if (names.length !== Object.keys(ours).length || !names.every((name) => name in ours)) return 'drifted';
  return names.every((name) => name in ours && digest(ours[name]) === record.digests[name]) ? 'connected' : 'outdated';
}

/** The setting after a port or token change: our values replaced where they are. */
export function refreshEnvSetting(current: unknown, ours: Record<string, string>): { value: EnvEntry[]; record: Pick<EnvSettingRecord, 'digests'> } {
  const merged = mergeEnvSetting(current, ours);
  return { value: merged.value, record: { digests: merged.record.digests } };
}

export function loginPromptRecord(current: unknown): LoginPromptRecord {
  return current === undefined ? { wasUnset: true } : { wasUnset: false, before: current };
}

/**
 * What Disconnect writes to `claudeCode.disableLoginPrompt`: the value from before Connect (undefined: remove
 * it), or 'changed' when the user set it to something else since, which then stays as it is.
 */
export function restoreLoginPrompt(current: unknown, record: LoginPromptRecord): { value: unknown } | 'changed' {
  if (current !== true) return 'changed';
  return { value: record.wasUnset ? undefined : record.before };
}
