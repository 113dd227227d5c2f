import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, basename, extname, join, resolve } from 'node:path';
import type { PricedPool } from '../core/usage/price';
import { ConfigError, parseWith, validateBridgeConfig, type BridgeConfig, type KeySpec, type PoolSpec } from '../core/config';
import { presetById, withPreset, type ProviderPreset } from '../core/providers/presets';
import { tokenProblem } from '../core/server/security';
import { configFileSchema } from './fileSchema';
import { configNotices } from './configNotices';

/** The headless bridge's settings, read from a JSON file; key material comes only from the environment. */
export interface ServeConfig {
  bridge: BridgeConfig;
  port: number;
  token: string | undefined;
  tokenEnv: string;
  adminToken: string | undefined;
  stateFile: string | undefined;
  /** `usageFile` as the config gives it; `usageFileFor` places the store beside the state file otherwise. */
  usageFile: string | undefined;
  usageRetentionDays: number;
  /** What the file says that the bridge will not do as meant (configNotices.ts), one line each. */
  notices: string[];
}

/** Where `keybridge usage` reads: only the file's locations, so the keys' variables need not be set. */
export interface UsageLocation {
  /** The usage file as `usageFile` (else the state file) places it; unset when the config names neither. */
  usageFile: string | undefined;
  retentionDays: number;
  /** The pools as pricing reads them: the report prices their models (docs/ARCHITECTURE.md §10). */
  pools: PricedPool[];
}

/** The usage file `keybridge serve` writes: `usageFile`, else beside the state file (`STATE.usage.jsonl`). */
export function usageFileFor(usageFile: string | undefined, stateFile: string | undefined): string | undefined {
  if (usageFile) return expandHome(usageFile);
  if (!stateFile) return undefined;
  const state = expandHome(stateFile);
  return join(dirname(state), `${basename(state, extname(state))}.usage.jsonl`);
}

function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path;
}

const INLINE_KEY_FIELDS = ['secret', 'key', 'apiKey', 'value'];

/**
 * A key pasted into the file is refused before anything else is read, with a message that points at the
 * environment instead; the message never repeats the value.
 */
function refuseInlineKeys(raw: unknown): void {
  const pools = (raw as { pools?: unknown } | null)?.pools;
  if (!Array.isArray(pools)) return;
  pools.forEach((pool: unknown, i) => {
    const keys = (pool as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) return;
    keys.forEach((key: unknown, k) => {
      const inline = INLINE_KEY_FIELDS.find((name) => typeof key === 'object' && key !== null && name in key);
      if (inline)
        throw new ConfigError(`pools[${i}].keys[${k}].${inline}`, 'keys are never written in the config file; name an environment variable with "env"');
    });
  });
}

/** A key whose variable holds nothing: where it is named, and whether the variable is set at all. */
interface MissingKey {
  field: string;
  env: string;
  empty: boolean;
}

/** The pool's keys, each read from the environment variable it names; those with nothing there go to `missing`. */
function resolveKeys(
  keys: readonly { id?: string; label?: string; env: string; weight?: number }[],
  i: number,
  env: NodeJS.ProcessEnv,
  missing: MissingKey[],
): KeySpec[] {
  return keys.flatMap((key, k) => {
    const secret = env[key.env]?.trim();
    if (!secret) {
      missing.push({ field: `pools[${i}].keys[${k}].env`, env: key.env, empty: env[key.env] !== undefined });
      return [];
    }
    return [{ id: key.id ?? key.env, label: key.label, secret, weight: key.weight }];
  });
}

/** Every key variable that holds nothing, in one message: a file of five keys needs one run to find them, not five. */
function missingKeysError(missing: readonly MissingKey[]): ConfigError {
  const what = (m: MissingKey): string => `${m.env} ${m.empty ? 'is empty' : 'is not set'}`;
  if (missing.length === 1) return new ConfigError(missing[0].field, `environment variable ${what(missing[0])}`);
  return new ConfigError(missing[0].field, `${missing.length} key variables hold nothing: ${missing.map((m) => `${what(m)} (${m.field})`).join(', ')}`);
}

/** Parses and checks a config object; every error names the field at fault. */
function parseServeConfig(raw: unknown, env: NodeJS.ProcessEnv): ServeConfig {
  refuseInlineKeys(raw);
  const file = parseWith(configFileSchema, raw);
  const missing: MissingKey[] = [];
  const pools: PoolSpec[] = file.pools.map(({ preset, ...own }, i) => {
    const pool = preset === undefined ? own : withPreset(own, presetById(preset) as ProviderPreset);
    const { protocol, baseUrl } = pool;
    if (protocol === undefined) throw new ConfigError(`pools[${i}].protocol`, 'is required unless the pool names a "preset"');
    if (baseUrl === undefined)
      throw new ConfigError(
        `pools[${i}].baseUrl`,
        'is required unless the pool names a "preset" (e.g. "https://api.openai.com/v1" or "https://api.anthropic.com")',
      );
    return { ...pool, protocol, baseUrl, keys: resolveKeys(pool.keys, i, env, missing) };
  });
  if (missing.length) throw missingKeysError(missing);
  const bridge = validateBridgeConfig({ pools, routes: file.routes, defaults: file.defaults, tuning: file.tuning });
  const token = env[file.tokenEnv] || undefined;
  const adminToken = env[file.adminTokenEnv] || undefined;
  // A generated local token is always strong; one the user supplies must be too.
  const problem = tokenProblem(token, adminToken);
  if (problem) {
    const hint = "generate one with: node -e \"console.log('kb-'+require('crypto').randomBytes(24).toString('base64url'))\"";
    throw new ConfigError(problem.which === 'token' ? file.tokenEnv : file.adminTokenEnv, `${problem.message}; ${hint}`);
  }
  return {
    bridge,
    port: file.port,
    token,
    tokenEnv: file.tokenEnv,
    adminToken,
    stateFile: file.stateFile ? expandHome(file.stateFile) : undefined,
    usageFile: file.usageFile ? expandHome(file.usageFile) : undefined,
    usageRetentionDays: file.usageRetentionDays,
    notices: configNotices(raw),
  };
}

export function loadServeConfig(path: string, env: NodeJS.ProcessEnv): ServeConfig {
  return parseServeConfig(readConfigJson(path), env);
}

/** The usage file a config places, and its retention; `stateFile` overrides the file's, as `--state` does for serve. */
export function loadUsageLocation(path: string, stateFile?: string): UsageLocation {
  const file = parseWith(configFileSchema, readConfigJson(path));
  return {
    usageFile: usageFileFor(file.usageFile, stateFile ?? file.stateFile),
    retentionDays: file.usageRetentionDays,
    pools: file.pools.map((pool) => ({ id: pool.id, baseUrl: pool.baseUrl ?? presetById(pool.preset)?.baseUrl ?? '', prices: pool.prices })),
  };
}

function readConfigJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('--config', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('(file)', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  return raw;
}
