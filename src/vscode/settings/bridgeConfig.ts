import * as v from 'valibot';
import {
  ConfigError,
  checkWith,
  validateBridgeConfig,
  type BridgeConfig,
  type Deadlines,
  type PoolSpec,
  type Protocol,
  type RouteSpec,
  type SelectionStrategy,
  type TokenPrices,
  type Tuning,
  type UsageCap,
} from '../../core/config';
import type { StoredKey } from '../keys/storedKey';
import { NOTICE_LEVELS, type NoticeLevel } from '../../core/notices/noticePolicy';
import { routeSchema, type PrefillStyle } from '../../core/configSchema';
import type { DialectId } from '../../core/providers/dialect';
import { presetById } from './providerPresets';
import { DEFAULT_PORT, poolSetting, SETTINGS } from './settingsSchema';

/** One entry of the `keybridge.pools` setting: everything about a pool except its keys. */
export interface PoolSetting {
  id: string;
  label?: string;
  /** The preset it was created from (informational; decides the key-shape hint). */
  provider?: string;
  protocol: Protocol;
  baseUrl: string;
  strategy?: SelectionStrategy;
  headers?: Record<string, string>;
  sharedLimits?: boolean;
  responses?: boolean;
  deadlines?: Partial<Deadlines>;
  /** Overrides the preset's (and the protocol's) prefill style. */
  prefill?: PrefillStyle;
  /** Overrides the preset's (and the base URL's) dialect. */
  dialect?: DialectId;
  /** A pool of the simulated provider (Try with a Simulated Provider), removed with it. */
  demo?: boolean;
  /** This pool's prices over the bundled ones (docs/ARCHITECTURE.md §10). */
  prices?: Record<string, TokenPrices>;
  caps?: UsageCap[];
}

/** The `keybridge.*` settings as plain values. */
export interface KeyBridgeSettings {
  port: number;
  pools: PoolSetting[];
  routes: RouteSpec[];
  defaults: Partial<Record<Protocol, string>>;
  tuning: Partial<Tuning>;
  terminalEnv: boolean;
  /** Which bridge events interrupt the user (the core's NoticePolicy). */
  notifications: NoticeLevel;
}

/** Reads one setting by name, as `WorkspaceConfiguration.get` does. */
export type SettingReader = (name: string) => unknown;

/** `keybridge.pools[1].id`: the setting, then the field inside it. */
const named = (at: string, field: string): string => (!field ? at : field.startsWith('[') ? `${at}${field}` : `${at}.${field}`);

/** Optional fields that only describe or switch an entry: a bad value is ignored instead of dropping the entry. */
const SOFT_FIELDS = new Set(['label', 'provider', 'demo', 'sharedLimits', 'responses', 'prefill', 'dialect', 'continueOnCut']);

/**
 * The entries of a list setting that pass `schema`; a broken entry is skipped and its first problem named,
 * so one typo in settings.json does not take every pool down.
 */
function parseEntries<S extends v.GenericSchema>(raw: unknown, name: string, schema: S, problems: string[]): { index: number; value: v.InferOutput<S> }[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return (void problems.push(`keybridge.${name} must be an array`), []);
  const entries: { index: number; value: v.InferOutput<S> }[] = [];
  raw.forEach((entry: unknown, index) => {
    const at = `keybridge.${name}[${index}]`;
    const checked = checkWith(schema, entry);
    if (checked.ok) return void entries.push({ index, value: checked.value });
    // A bad label or flag never took a pool or a route down before the schema: it is ignored, and named.
    const soft = checked.problems.filter((problem) => SOFT_FIELDS.has(problem.field));
    if (soft.length === checked.problems.length && typeof entry === 'object' && entry !== null) {
      const kept = Object.fromEntries(Object.entries(entry).filter(([field]) => !SOFT_FIELDS.has(field) || !soft.some((problem) => problem.field === field)));
      const retried = checkWith(schema, kept);
      if (retried.ok) {
        for (const problem of soft) problems.push(`${named(at, problem.field)} ${problem.message}; ignored`);
        return void entries.push({ index, value: retried.value });
      }
    }
    problems.push(`${named(at, checked.problems[0].field)} ${checked.problems[0].message}`);
  });
  return entries;
}

/** Parses the settings leniently: what is broken is skipped (or left at its default) and named in `problems`. */
export function parseSettings(read: SettingReader): { settings: KeyBridgeSettings; problems: string[] } {
  const problems: string[] = [];
  const rawPort = read('port');
  let port = DEFAULT_PORT;
  if (rawPort !== undefined) {
    const checked = checkWith(SETTINGS.port, rawPort);
    if (checked.ok) port = checked.value;
    else problems.push(`keybridge.port ${checked.problems[0].message}; using ${DEFAULT_PORT}`);
  }

  const pools: PoolSetting[] = [];
  for (const { index, value } of parseEntries(read('pools'), 'pools', poolSetting, problems)) {
    if (pools.some((p) => p.id === value.id)) {
      problems.push(`keybridge.pools[${index}].id "${value.id}" is used twice; the second is ignored`);
      continue;
    }
    // The core joins paths to the base URL; a trailing slash would double one.
    pools.push({ ...value, baseUrl: value.baseUrl.replace(/\/+$/, ''), sharedLimits: value.sharedLimits === true || undefined });
  }

  const routes: RouteSpec[] = parseEntries(read('routes'), 'routes', routeSchema, problems).map(({ value }) => ({
    ...value,
    continueOnCut: value.continueOnCut === true || undefined,
  }));

  let defaults: Partial<Record<Protocol, string>> = {};
  const rawDefaults = read('defaults');
  if (rawDefaults !== undefined) {
    const checked = checkWith(SETTINGS.defaults, rawDefaults);
    if (checked.ok) defaults = checked.value;
    else problems.push(`${named('keybridge.defaults', checked.problems[0].field)} ${checked.problems[0].message}; using the first pool of each protocol`);
  }

  const tuning: Partial<Tuning> = {};
  const rawTuning = read('tuning');
  if (rawTuning !== undefined) {
    const checked = checkWith(SETTINGS.tuning, rawTuning);
    const bad = new Map(checked.ok ? [] : checked.problems.map((p) => [p.field, p.message]));
    // A knob out of range is left at its default, and said, rather than taking the bridge down.
    for (const [field, message] of bad) {
      if (!field) problems.push(`keybridge.tuning ${message}`);
      else
        problems.push(
          message.startsWith('unknown') ? `keybridge.tuning.${field} is not a known setting` : `keybridge.tuning.${field} ${message}; using the default`,
        );
    }
    if (!bad.has('')) for (const [name, value] of Object.entries(rawTuning as Record<string, number>)) if (!bad.has(name)) tuning[name as keyof Tuning] = value;
  }

  const terminalEnv = read('terminalEnv') !== false;
  const rawNotifications = read('notifications');
  const notifications = NOTICE_LEVELS.find((level) => level === rawNotifications) ?? 'keys';
  if (rawNotifications !== undefined && rawNotifications !== notifications)
    problems.push(`keybridge.notifications must be one of ${NOTICE_LEVELS.map((l) => `"${l}"`).join(', ')}; using "keys"`);
  return { settings: { port, pools, routes, defaults, tuning, terminalEnv, notifications }, problems };
}

/**
 * Joins pool settings and stored keys into the core's config. Keys of pools
 * that no longer exist are left out. Routes or defaults that do not fit the
 * pools are dropped with a problem rather than stopping the bridge.
 */
export function buildBridgeConfig(settings: KeyBridgeSettings, keys: readonly StoredKey[]): { config: BridgeConfig; problems: string[] } {
  const problems: string[] = [];
  const pools: PoolSpec[] = settings.pools.map((p) => ({
    id: p.id,
    label: p.label,
    protocol: p.protocol,
    baseUrl: p.baseUrl,
    strategy: p.strategy ?? 'fill-first',
    headers: p.headers,
    testPath: presetById(p.provider)?.testPath,
    sharedLimits: p.sharedLimits,
    responses: p.responses,
    deadlines: p.deadlines,
    // The provider's own way of continuing an answer, declared by its preset unless the setting says otherwise.
    prefill: p.prefill ?? presetById(p.provider)?.prefill,
    // Likewise its dialect: how translation speaks to it (docs/ARCHITECTURE.md §7).
    dialect: p.dialect ?? presetById(p.provider)?.dialect,
    prices: p.prices,
    caps: p.caps,
    keys: keys.filter((k) => k.pool === p.id).map((k) => ({ id: k.id, label: k.label, secret: k.secret })),
  }));
  const full: BridgeConfig = { pools, routes: settings.routes, defaults: settings.defaults, tuning: settings.tuning };
  try {
    return { config: validateBridgeConfig(full), problems };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(`keybridge.${error.message}; routes and defaults are ignored until it is fixed`);
  }
  return { config: validateBridgeConfig({ pools, routes: [], tuning: settings.tuning }), problems };
}
