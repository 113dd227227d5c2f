import * as vscode from 'vscode';
import { parseSettings, type KeyBridgeSettings, type PoolSetting } from './bridgeConfig';

const SECTION = 'keybridge';

/** The `keybridge.*` settings, parsed; broken entries are skipped and listed in `problems`. */
export function readSettings(): { settings: KeyBridgeSettings; problems: string[] } {
  const config = vscode.workspace.getConfiguration(SECTION);
  return parseSettings((name) => config.get(name));
}

/** Whether a settings change event touches what the bridge needs. */
export function affectsKeyBridge(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SECTION);
}

function rawList(name: 'pools' | 'routes'): unknown[] {
  // The user-level value only: pools and routes are machine settings, never per workspace.
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown[]>(name);
  return Array.isArray(inspected?.globalValue) ? [...inspected.globalValue] : [];
}

/** Appends a pool to the user's `keybridge.pools`, keeping entries it does not understand as they are. */
export async function addPoolSetting(pool: PoolSetting): Promise<void> {
  const pools = rawList('pools');
  const fields: Record<string, unknown> = {
    id: pool.id,
    label: pool.label,
    provider: pool.provider,
    protocol: pool.protocol,
    baseUrl: pool.baseUrl,
    strategy: pool.strategy ?? 'fill-first',
  };
  if (pool.headers && Object.keys(pool.headers).length) fields.headers = pool.headers;
  // Only the exception is written: a provider without the Responses API (true is the default).
  if (pool.responses === false) fields.responses = false;
  // settings.json gets no "label": null for what the user left out.
  const entry = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  pools.push(entry);
  await vscode.workspace.getConfiguration(SECTION).update('pools', pools, vscode.ConfigurationTarget.Global);
}

export async function removePoolSetting(id: string): Promise<boolean> {
  const pools = rawList('pools');
  const kept = pools.filter((p) => !(typeof p === 'object' && p !== null && (p as { id?: unknown }).id === id));
  if (kept.length === pools.length) return false;
  await vscode.workspace.getConfiguration(SECTION).update('pools', kept, vscode.ConfigurationTarget.Global);
  return true;
}

/** The user's `keybridge.routes` as written, entries this version does not understand included. */
export function routesSetting(): unknown[] {
  return rawList('routes');
}

export async function writeRoutesSetting(routes: unknown[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('routes', routes, vscode.ConfigurationTarget.Global);
}

/** The user's `keybridge.pools` as written, entries this version does not understand included. */
export function poolsSetting(): unknown[] {
  return rawList('pools');
}

/** Replaces `keybridge.pools` or `keybridge.routes`; an empty list removes the setting, as it was before any entry. */
export async function writeListSetting(name: 'pools' | 'routes', list: unknown[]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(name, list.length ? list : undefined, vscode.ConfigurationTarget.Global);
}
