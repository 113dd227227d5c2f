import { ConfigError, tuningProblem, type Deadlines, PROTOCOLS, SELECTION_STRATEGIES, validateBridgeConfig, type BridgeConfig, type PoolSpec, type Protocol, type RouteSpec, type SelectionStrategy, type Tuning } from '../core/config';
import type { StoredKey } from './keyStore';
import { presetById } from './providerPresets';

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
  deadlines?: Partial<Deadlines>;
}

export const DEFAULT_PORT = 17381;

/** The `keybridge.*` settings as plain values. */
export interface KeyBridgeSettings {
  port: number;
  pools: PoolSetting[];
  routes: RouteSpec[];
  defaults: Partial<Record<Protocol, string>>;
  tuning: Partial<Tuning>;
  terminalEnv: boolean;
}

/** Reads one setting by name, as `WorkspaceConfiguration.get` does. */
export type SettingReader = (name: string) => unknown;

const POOL_ID = /^[A-Za-z0-9._-]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the settings leniently: a broken entry is skipped and named in
 * `problems`, so one typo in settings.json does not take every pool down.
 */
export function parseSettings(read: SettingReader): { settings: KeyBridgeSettings; problems: string[] } {
  const problems: string[] = [];
  const rawPort = read('port');
  let port = DEFAULT_PORT;
  if (rawPort !== undefined) {
    if (typeof rawPort === 'number' && Number.isInteger(rawPort) && rawPort >= 1 && rawPort <= 65535) port = rawPort;
    else problems.push(`keybridge.port must be an integer from 1 to 65535; using ${DEFAULT_PORT}`);
  }

  const pools: PoolSetting[] = [];
  const rawPools = read('pools');
  if (rawPools !== undefined && !Array.isArray(rawPools)) problems.push('keybridge.pools must be an array');
  (Array.isArray(rawPools) ? rawPools : []).forEach((raw, i) => {
    const at = `keybridge.pools[${i}]`;
    if (!isObject(raw)) return void problems.push(`${at} must be an object`);
    const id = raw.id;
    if (typeof id !== 'string' || !POOL_ID.test(id)) return void problems.push(`${at}.id must be letters, digits, dot, dash or underscore`);
    if (pools.some((p) => p.id === id)) return void problems.push(`${at}.id "${id}" is used twice; the second is ignored`);
    const protocol = raw.protocol;
    if (!PROTOCOLS.includes(protocol as Protocol)) return void problems.push(`${at}.protocol must be "openai" or "anthropic"`);
    const baseUrl = raw.baseUrl;
    if (typeof baseUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(baseUrl)) return void problems.push(`${at}.baseUrl must be an http(s) URL`);
    const strategy = raw.strategy ?? 'fill-first';
    if (!SELECTION_STRATEGIES.includes(strategy as SelectionStrategy)) return void problems.push(`${at}.strategy must be one of ${SELECTION_STRATEGIES.join(', ')}`);
    const headers = raw.headers;
    if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) {
      return void problems.push(`${at}.headers must map header names to strings`);
    }
    pools.push({
      id,
      label: typeof raw.label === 'string' && raw.label ? raw.label : undefined,
      provider: typeof raw.provider === 'string' ? raw.provider : undefined,
      protocol: protocol as Protocol,
      baseUrl: baseUrl.replace(/\/+$/, ''),
      strategy: strategy as SelectionStrategy,
      headers: headers as Record<string, string> | undefined,
      sharedLimits: raw.sharedLimits === true || undefined,
      deadlines: isObject(raw.deadlines) ? raw.deadlines : undefined,
    });
  });

  const routes: RouteSpec[] = [];
  const rawRoutes = read('routes');
  (Array.isArray(rawRoutes) ? rawRoutes : []).forEach((raw, i) => {
    const at = `keybridge.routes[${i}]`;
    if (!isObject(raw) || !PROTOCOLS.includes(raw.protocol as Protocol) || typeof raw.match !== 'string' || !Array.isArray(raw.targets)) {
      return void problems.push(`${at} must be {"protocol", "match", "targets": [{"pool", "model"?}]}`);
    }
    const targets = raw.targets.filter((t): t is { pool: string; model?: string } => isObject(t) && typeof t.pool === 'string');
    if (targets.length !== raw.targets.length || targets.length === 0) return void problems.push(`${at}.targets must be a non-empty list of {"pool", "model"?}`);
    routes.push({
      protocol: raw.protocol as Protocol,
      match: raw.match,
      targets: targets.map((t) => (typeof t.model === 'string' ? { pool: t.pool, model: t.model } : { pool: t.pool })),
      deadlines: isObject(raw.deadlines) ? raw.deadlines : undefined,
      continueOnCut: raw.continueOnCut === true || undefined,
    });
  });

  const defaults: Partial<Record<Protocol, string>> = {};
  const rawDefaults = read('defaults');
  if (isObject(rawDefaults)) {
    for (const protocol of PROTOCOLS) {
      const value = rawDefaults[protocol];
      if (typeof value === 'string' && value) defaults[protocol] = value;
    }
  }

  const tuning: Partial<Tuning> = {};
  const rawTuning = read('tuning');
  if (isObject(rawTuning)) {
    for (const [name, value] of Object.entries(rawTuning)) {
      const problem = tuningProblem(name, value);
      // A knob out of range is left at its default, and said, rather than taking the bridge down.
      if (problem) problems.push(problem.startsWith('unknown') ? `keybridge.tuning.${name} is not a known setting` : `keybridge.tuning.${name} ${problem}; using the default`);
      else tuning[name as keyof Tuning] = value as number;
    }
  }

  const terminalEnv = read('terminalEnv') !== false;
  return { settings: { port, pools, routes, defaults, tuning, terminalEnv }, problems };
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
    deadlines: p.deadlines,
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
