import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, PROTOCOLS, SELECTION_STRATEGIES, tuningProblem, validateBridgeConfig, type BridgeConfig, type KeySpec, type PoolSpec, type RouteSpec, type Tuning } from '../core/config';
import { tokenProblem } from '../core/server/security';

/** The headless bridge's settings, read from a JSON file; key material comes only from the environment. */
export interface ServeConfig {
  bridge: BridgeConfig;
  port: number;
  token: string | undefined;
  tokenEnv: string;
  adminToken: string | undefined;
  stateFile: string | undefined;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expandHome(path: string): string {
  return path.startsWith('~/') ? resolve(homedir(), path.slice(2)) : path;
}

function optionalString(obj: Json, name: string, at: string): string | undefined {
  const value = obj[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value) throw new ConfigError(`${at}${name}`, 'must be a non-empty string');
  return value;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseKey(raw: unknown, at: string, env: NodeJS.ProcessEnv): KeySpec {
  if (!isObject(raw)) throw new ConfigError(at, 'must be an object like {"id": "work", "env": "OPENAI_KEY_WORK"}');
  for (const inline of ['secret', 'key', 'apiKey', 'value']) {
    if (raw[inline] !== undefined) throw new ConfigError(`${at}.${inline}`, 'keys are never written in the config file; name an environment variable with "env"');
  }
  const variable = raw.env;
  if (typeof variable !== 'string' || !ENV_NAME.test(variable)) throw new ConfigError(`${at}.env`, 'must name an environment variable that holds the key');
  const secret = env[variable];
  if (!secret || !secret.trim()) throw new ConfigError(`${at}.env`, `environment variable ${variable} is not set`);
  const id = optionalString(raw, 'id', `${at}.`) ?? variable;
  const weight = raw.weight;
  if (weight !== undefined && (typeof weight !== 'number' || !(weight > 0))) throw new ConfigError(`${at}.weight`, 'must be a positive number');
  return { id, label: optionalString(raw, 'label', `${at}.`), secret: secret.trim(), weight };
}

function parsePool(raw: unknown, at: string, env: NodeJS.ProcessEnv): PoolSpec {
  if (!isObject(raw)) throw new ConfigError(at, 'must be an object');
  const protocol = raw.protocol;
  if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol as PoolSpec['protocol'])) throw new ConfigError(`${at}.protocol`, 'must be "openai" or "anthropic"');
  const strategy = raw.strategy ?? 'fill-first';
  if (typeof strategy !== 'string' || !SELECTION_STRATEGIES.includes(strategy as PoolSpec['strategy'])) {
    throw new ConfigError(`${at}.strategy`, `must be one of ${SELECTION_STRATEGIES.join(', ')}`);
  }
  const baseUrl = raw.baseUrl;
  if (typeof baseUrl !== 'string') throw new ConfigError(`${at}.baseUrl`, 'is required (e.g. "https://api.openai.com/v1" or "https://api.anthropic.com")');
  const keys = raw.keys ?? [];
  if (!Array.isArray(keys)) throw new ConfigError(`${at}.keys`, 'must be an array');
  const headers = raw.headers;
  if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) {
    throw new ConfigError(`${at}.headers`, 'must map header names to strings');
  }
  return {
    id: typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id) : '',
    label: optionalString(raw, 'label', `${at}.`),
    protocol: protocol as PoolSpec['protocol'],
    baseUrl,
    strategy: strategy as PoolSpec['strategy'],
    headers: headers as Record<string, string> | undefined,
    testPath: optionalString(raw, 'testPath', `${at}.`),
    sharedLimits: raw.sharedLimits as boolean | undefined,
    deadlines: raw.deadlines as PoolSpec['deadlines'],
    keys: keys.map((k, i) => parseKey(k, `${at}.keys[${i}]`, env)),
  };
}

function parseRoute(raw: unknown, at: string): RouteSpec {
  if (!isObject(raw)) throw new ConfigError(at, 'must be an object');
  const targets = raw.targets;
  if (!Array.isArray(targets)) throw new ConfigError(`${at}.targets`, 'must be an array of {"pool": "...", "model"?: "..."}');
  return {
    protocol: raw.protocol as RouteSpec['protocol'],
    match: raw.match as string,
    targets: targets.map((t, i) => {
      if (!isObject(t) || typeof t.pool !== 'string') throw new ConfigError(`${at}.targets[${i}].pool`, 'is required');
      return { pool: t.pool, model: optionalString(t, 'model', `${at}.targets[${i}].`) };
    }),
    deadlines: raw.deadlines as RouteSpec['deadlines'],
    continueOnCut: raw.continueOnCut as boolean | undefined,
  };
}

function parseTuning(raw: unknown): Partial<Tuning> {
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new ConfigError('tuning', 'must be an object');
  const out: Partial<Tuning> = {};
  for (const [name, value] of Object.entries(raw)) {
    const problem = tuningProblem(name, value);
    if (problem) throw new ConfigError(`tuning.${name}`, problem);
    out[name as keyof Tuning] = value as number;
  }
  return out;
}

/** Parses and checks a config object; every error names the field at fault. */
function parseServeConfig(raw: unknown, env: NodeJS.ProcessEnv): ServeConfig {
  if (!isObject(raw)) throw new ConfigError('(root)', 'the config must be a JSON object');
  const known = new Set(['$schema', 'port', 'tokenEnv', 'adminTokenEnv', 'stateFile', 'pools', 'routes', 'defaults', 'tuning']);
  for (const name of Object.keys(raw)) if (!known.has(name)) throw new ConfigError(name, `unknown field; known: ${[...known].join(', ')}`);
  const port = raw.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('port', 'must be an integer from 0 to 65535 (0 = any free port)');
  if (!Array.isArray(raw.pools) || raw.pools.length === 0) throw new ConfigError('pools', 'must list at least one pool');
  const routes = raw.routes ?? [];
  if (!Array.isArray(routes)) throw new ConfigError('routes', 'must be an array');
  const defaults = raw.defaults;
  if (defaults !== undefined && !isObject(defaults)) throw new ConfigError('defaults', 'must be an object like {"openai": "pool-id"}');
  const tokenEnv = optionalString(raw, 'tokenEnv', '') ?? 'KEYBRIDGE_TOKEN';
  const adminTokenEnv = optionalString(raw, 'adminTokenEnv', '') ?? 'KEYBRIDGE_ADMIN_TOKEN';
  const stateFile = optionalString(raw, 'stateFile', '');
  const bridge: BridgeConfig = {
    pools: raw.pools.map((p, i) => parsePool(p, `pools[${i}]`, env)),
    routes: routes.map((r, i) => parseRoute(r, `routes[${i}]`)),
    defaults,
    tuning: parseTuning(raw.tuning),
  };
  validateBridgeConfig(bridge);
  const token = env[tokenEnv] || undefined;
  const adminToken = env[adminTokenEnv] || undefined;
  // A generated local token is always strong; one the user supplies must be too.
  const problem = tokenProblem(token, adminToken);
  if (problem) {
    const hint = 'generate one with: node -e "console.log(\'kb-\'+require(\'crypto\').randomBytes(24).toString(\'base64url\'))"';
    throw new ConfigError(problem.which === 'token' ? tokenEnv : adminTokenEnv, `${problem.message}; ${hint}`);
  }
  return {
    bridge,
    port,
    token,
    tokenEnv,
    adminToken,
    stateFile: stateFile ? expandHome(stateFile) : undefined,
  };
}

export function loadServeConfig(path: string, env: NodeJS.ProcessEnv): ServeConfig {
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
  return parseServeConfig(raw, env);
}
