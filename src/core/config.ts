/** The bridge's configuration: plain data shared by the VS Code extension and the CLI. */

export type Protocol = 'openai' | 'anthropic';
export const PROTOCOLS: readonly Protocol[] = ['openai', 'anthropic'];

export type SelectionStrategy = 'fill-first' | 'round-robin' | 'weighted';
export const SELECTION_STRATEGIES: readonly SelectionStrategy[] = ['fill-first', 'round-robin', 'weighted'];

/** A key as the host resolved it. `secret` lives only in memory. */
export interface KeySpec {
  id: string;
  label?: string;
  secret: string;
  weight?: number;
}

export interface PoolSpec {
  id: string;
  label?: string;
  protocol: Protocol;
  /**
   * Where the provider's API lives, in the form its own SDK takes as base URL:
   * OpenAI-compatible pools include the version (`https://api.openai.com/v1`),
   * Anthropic pools are the server root (`https://api.anthropic.com`).
   */
  baseUrl: string;
  strategy: SelectionStrategy;
  /** Extra non-secret headers sent upstream (e.g. OpenRouter's `HTTP-Referer`). */
  headers?: Record<string, string>;
  /**
   * Path below `baseUrl` of the cheap authenticated GET that tests a key; the
   * protocol's model list by default. Needed where listing models takes no key (OpenRouter: `/key`).
   */
  testPath?: string;
  /**
   * The keys belong to one account and share its rate limits: a 429 cools the
   * model for every key of the pool, and a short Retry-After is waited for
   * instead of cycling keys. Off: keys of different accounts, and a 429 on one
   * key switches to the next at once.
   */
  sharedLimits?: boolean;
  /** Deadlines for this pool's upstream; override the tuning's. */
  deadlines?: Partial<Deadlines>;
  keys: KeySpec[];
}

export interface RouteTarget {
  pool: string;
  /** Renames the request's model for this target (fallback to another model or provider). */
  model?: string;
}

export interface RouteSpec {
  protocol: Protocol;
  /** Model pattern: exact name, or `*` wildcards (`claude-*`, `*`). */
  match: string;
  targets: RouteTarget[];
  /** Deadlines for this route's attempts; override the pool's and the tuning's. */
  deadlines?: Partial<Deadlines>;
  /**
   * Opt-in: when a text-only stream is cut after it reached the client, ask
   * the next target to continue it and relay that into the same stream.
   */
  continueOnCut?: boolean;
}

/**
 * How long an attempt may take at each stage. A missed deadline moves to the
 * next target when the route has one; on the last target the attempt waits up
 * to `firstByteTimeoutMs` instead, since there is nowhere better to go.
 */
export interface Deadlines {
  /** Streams: time to the response headers, while the route has another target. */
  headersTimeoutMs: number;
  /** Streams: time from the request to the first content event (lifecycle events do not count), while the route has another target. */
  firstEventTimeoutMs: number;
  /** Streams on the last target: the longest wait for headers and first event. Long enough for thinking models. */
  firstByteTimeoutMs: number;
  /** Longest silence between two chunks of an answer (stall detection). */
  idleTimeoutMs: number;
  /** Non-streamed answers: request to complete headers (providers send them when the answer is ready), room for long reasoning. */
  nonStreamTimeoutMs: number;
}

const DEADLINE_KEYS: readonly (keyof Deadlines)[] = ['headersTimeoutMs', 'firstEventTimeoutMs', 'firstByteTimeoutMs', 'idleTimeoutMs', 'nonStreamTimeoutMs'];

/** Knobs of the attempt loop and transport; every value has a safe default. */
export interface Tuning extends Deadlines {
  /** Upstream attempts for one client request, across all targets. */
  maxAttempts: number;
  /** Time after which no new attempt starts for a request (waits and retries included). */
  budgetMs: number;
  /** Longest wait for a cooling key of the current target before moving on. */
  waitThresholdMs: number;
  connectTimeoutMs: number;
  maxBodyBytes: number;
  /** Cooldown when a 429 carries no usable hint; jittered by ±20%. */
  defaultCooldownMs: number;
  /** Retries of a provider-transient failure (5xx, 529, reset) on the same target, each on another key when one is ready. */
  transientRetries: number;
  /** Base of the exponential backoff before each transient retry. */
  transientBackoffMs: number;
  /** How long a key whose own connections keep failing, while its siblings succeed, is passed over. */
  keyBenchMs: number;
  /** The breaker looks at the attempts of this last stretch of time… */
  breakerWindowMs: number;
  /** …opens only once it saw at least this many… */
  breakerMinRequests: number;
  /** …and this share of them failed (0–1). */
  breakerFailureRate: number;
  /** How long an open breaker skips its target before letting probes through. */
  breakerOpenMs: number;
  /** Probes a half-open breaker lets through at once. */
  breakerProbes: number;
  /** Base of the backoff between repeated rate limits inside one request. */
  rateLimitBackoffMs: number;
  /** First automatic re-test of an invalid key; doubles up to `retestMaxMs`. */
  invalidRetestMs: number;
  exhaustedRetestMs: number;
  retestMaxMs: number;
}

export const DEFAULT_TUNING: Tuning = {
  maxAttempts: 8,
  budgetMs: 45_000,
  waitThresholdMs: 3_000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  firstEventTimeoutMs: 45_000,
  firstByteTimeoutMs: 240_000,
  idleTimeoutMs: 120_000,
  nonStreamTimeoutMs: 600_000,
  maxBodyBytes: 32 * 1024 * 1024,
  defaultCooldownMs: 30_000,
  transientRetries: 2,
  transientBackoffMs: 250,
  keyBenchMs: 30_000,
  breakerWindowMs: 30_000,
  breakerMinRequests: 10,
  breakerFailureRate: 0.5,
  breakerOpenMs: 15_000,
  breakerProbes: 3,
  rateLimitBackoffMs: 250,
  invalidRetestMs: 60_000,
  exhaustedRetestMs: 30 * 60_000,
  retestMaxMs: 60 * 60_000,
};

/** What each tuning knob accepts: a knob at 0 attempts, 0 ms of patience or a rate above 1 cannot work. */
const TUNING_RANGES: Record<keyof Tuning, { min: number; max?: number; integer?: boolean }> = {
  maxAttempts: { min: 1, integer: true },
  budgetMs: { min: 1 },
  waitThresholdMs: { min: 0 },
  connectTimeoutMs: { min: 1 },
  headersTimeoutMs: { min: 1 },
  firstEventTimeoutMs: { min: 1 },
  firstByteTimeoutMs: { min: 1 },
  idleTimeoutMs: { min: 1 },
  nonStreamTimeoutMs: { min: 1 },
  maxBodyBytes: { min: 1, integer: true },
  defaultCooldownMs: { min: 0 },
  transientRetries: { min: 0, integer: true },
  transientBackoffMs: { min: 0 },
  keyBenchMs: { min: 0 },
  breakerWindowMs: { min: 10 },
  breakerMinRequests: { min: 1, integer: true },
  breakerFailureRate: { min: 0.01, max: 1 },
  breakerOpenMs: { min: 1 },
  breakerProbes: { min: 1, integer: true },
  rateLimitBackoffMs: { min: 0 },
  invalidRetestMs: { min: 1 },
  exhaustedRetestMs: { min: 1 },
  retestMaxMs: { min: 1 },
};

/** Why a tuning value cannot be used, or undefined when it can; the CLI and the VS Code settings share it. */
export function tuningProblem(name: string, value: unknown): string | undefined {
  const range = TUNING_RANGES[name as keyof Tuning] as (typeof TUNING_RANGES)[keyof Tuning] | undefined;
  if (!range) return `unknown setting; known: ${Object.keys(TUNING_RANGES).join(', ')}`;
  const kind = range.integer ? 'a whole number' : 'a number';
  const bounds = range.max === undefined ? `≥ ${range.min}` : `from ${range.min} to ${range.max}`;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || (range.max !== undefined && value > range.max) || (range.integer && !Number.isInteger(value))) {
    return `must be ${kind} ${bounds}`;
  }
  return undefined;
}

export interface BridgeConfig {
  pools: PoolSpec[];
  routes: RouteSpec[];
  /** The pool each protocol uses when no route matches; the first pool of that protocol otherwise. */
  defaults?: Partial<Record<Protocol, string>>;
  tuning?: Partial<Tuning>;
}

export class ConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Checks the shape and cross-references of a config; throws ConfigError naming the field. */
export function validateBridgeConfig(config: BridgeConfig): BridgeConfig {
  for (const [name, value] of Object.entries(config.tuning ?? {})) {
    const problem = tuningProblem(name, value);
    if (problem) throw new ConfigError(`tuning.${name}`, problem);
  }
  const poolIds = new Set<string>();
  config.pools.forEach((pool, i) => {
    const at = `pools[${i}]`;
    if (!pool.id || !/^[A-Za-z0-9._-]+$/.test(pool.id)) throw new ConfigError(`${at}.id`, 'must be letters, digits, dot, dash or underscore');
    if (poolIds.has(pool.id)) throw new ConfigError(`${at}.id`, `duplicate pool id "${pool.id}"`);
    poolIds.add(pool.id);
    if (!PROTOCOLS.includes(pool.protocol)) throw new ConfigError(`${at}.protocol`, 'must be "openai" or "anthropic"');
    if (!SELECTION_STRATEGIES.includes(pool.strategy)) throw new ConfigError(`${at}.strategy`, `must be one of ${SELECTION_STRATEGIES.join(', ')}`);
    let url: URL;
    try {
      url = new URL(pool.baseUrl);
    } catch {
      throw new ConfigError(`${at}.baseUrl`, 'must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${at}.baseUrl`, 'must be an http or https URL');
    if (pool.testPath !== undefined && !/^\/[^\s]*$/.test(pool.testPath)) throw new ConfigError(`${at}.testPath`, 'must be a path starting with "/"');
    if (pool.sharedLimits !== undefined && typeof pool.sharedLimits !== 'boolean') throw new ConfigError(`${at}.sharedLimits`, 'must be true or false');
    validateDeadlines(pool.deadlines, `${at}.deadlines`);
    const keyIds = new Set<string>();
    pool.keys.forEach((key, k) => {
      if (!key.id) throw new ConfigError(`${at}.keys[${k}].id`, 'is required');
      if (keyIds.has(key.id)) throw new ConfigError(`${at}.keys[${k}].id`, `duplicate key id "${key.id}"`);
      keyIds.add(key.id);
      if (key.weight !== undefined && !(key.weight > 0)) throw new ConfigError(`${at}.keys[${k}].weight`, 'must be a positive number');
    });
  });
  config.routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (!PROTOCOLS.includes(route.protocol)) throw new ConfigError(`${at}.protocol`, 'must be "openai" or "anthropic"');
    if (typeof route.match !== 'string' || !route.match) throw new ConfigError(`${at}.match`, 'must be a model name or pattern');
    if (!Array.isArray(route.targets) || route.targets.length === 0) throw new ConfigError(`${at}.targets`, 'must list at least one target');
    validateDeadlines(route.deadlines, `${at}.deadlines`);
    if (route.continueOnCut !== undefined && typeof route.continueOnCut !== 'boolean') throw new ConfigError(`${at}.continueOnCut`, 'must be true or false');
    route.targets.forEach((target, t) => {
      const pool = config.pools.find((p) => p.id === target.pool);
      if (!pool) throw new ConfigError(`${at}.targets[${t}].pool`, `no pool with id "${target.pool}"`);
      // Requests are relayed byte for byte; translating between wire protocols is out of scope.
      if (pool.protocol !== route.protocol) throw new ConfigError(`${at}.targets[${t}].pool`, `pool "${pool.id}" speaks ${pool.protocol}, the route ${route.protocol}`);
    });
  });
  for (const protocol of PROTOCOLS) {
    const id = config.defaults?.[protocol];
    if (id === undefined) continue;
    const pool = config.pools.find((p) => p.id === id);
    if (!pool) throw new ConfigError(`defaults.${protocol}`, `no pool with id "${id}"`);
    if (pool.protocol !== protocol) throw new ConfigError(`defaults.${protocol}`, `pool "${id}" speaks ${pool.protocol}`);
  }
  return config;
}

function validateDeadlines(deadlines: unknown, at: string): void {
  if (deadlines === undefined) return;
  if (!deadlines || typeof deadlines !== 'object' || Array.isArray(deadlines)) throw new ConfigError(at, 'must be an object of deadlines in ms');
  for (const [name, value] of Object.entries(deadlines)) {
    if (!DEADLINE_KEYS.includes(name as keyof Deadlines)) throw new ConfigError(`${at}.${name}`, `unknown deadline (known: ${DEADLINE_KEYS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) throw new ConfigError(`${at}.${name}`, 'must be a number of milliseconds ≥ 1');
  }
}

/** The deadlines of one attempt: the tuning's, then the pool's, then the route's. */
export function resolveDeadlines(tuning: Deadlines, ...overrides: (Partial<Deadlines> | undefined)[]): Deadlines {
  const result: Deadlines = {
    headersTimeoutMs: tuning.headersTimeoutMs,
    firstEventTimeoutMs: tuning.firstEventTimeoutMs,
    firstByteTimeoutMs: tuning.firstByteTimeoutMs,
    idleTimeoutMs: tuning.idleTimeoutMs,
    nonStreamTimeoutMs: tuning.nonStreamTimeoutMs,
  };
  for (const override of overrides) if (override) for (const name of DEADLINE_KEYS) if (override[name] !== undefined) result[name] = override[name];
  return result;
}

export function resolveTuning(partial?: Partial<Tuning>): Tuning {
  return { ...DEFAULT_TUNING, ...(partial ?? {}) };
}
