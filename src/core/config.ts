/**
 * The bridge's configuration: plain data shared by the VS Code extension and the CLI. What each field
 * accepts is defined once, in configSchema.ts; the types here are the shapes the core works with.
 */
import * as v from 'valibot';
import type { DialectId } from './providers/dialect';
import {
  DEADLINE_KNOBS,
  defaultsSchema,
  poolEntries,
  PROTOCOLS,
  routeSchema,
  SELECTION_STRATEGIES,
  TUNING_KNOBS,
  TUNING_KNOB_NAMES,
  testPathSchema,
  tuningSchema,
  type PrefillStyle,
  type TuningKnob,
} from './configSchema';

export { PROTOCOLS };
export type Protocol = (typeof PROTOCOLS)[number];
/** The bridge's base URL for each protocol's clients, as agents are given them. */
export type BaseUrls = Record<Protocol, string>;
export type SelectionStrategy = (typeof SELECTION_STRATEGIES)[number];

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
  /**
   * OpenAI-compatible pools: false when the provider has no Responses API, so
   * Responses requests sent here are translated to Chat Completions.
   */
  responses?: boolean;
  /** Deadlines for this pool's upstream; override the tuning's. */
  deadlines?: Partial<Deadlines>;
  /**
   * How the provider continues a started answer (continueOnCut): a final assistant
   * message, one marked `"prefix": true`, or none (an instruction to continue).
   * A property of the provider, declared here or by its preset, never guessed from the URL.
   */
  prefill?: PrefillStyle;
  /**
   * How the provider's OpenAI-compatible API differs from OpenAI's (providers/dialect.ts), declared here or by its
   * preset; undefined: the one its base URL's host is known for, else `generic` (resolved once, by the key pool).
   */
  dialect?: DialectId;
  /** Prices of this pool's models (model or `*` pattern → USD per million tokens), over the bundled ones. */
  prices?: Record<string, TokenPrices>;
  /** Opt-in usage caps (docs/ARCHITECTURE.md §10). */
  caps?: UsageCap[];
  keys: KeySpec[];
}

/** What a model costs, in USD per million tokens of each kind (docs/ARCHITECTURE.md §10). */
export interface TokenPrices {
  input: number;
  output: number;
  /** Unset: cached input costs what input costs. */
  cacheRead?: number;
  /** Unset: writing the cache costs what input costs. */
  cacheWrite?: number;
}

/** A cap on a key's or the pool's use per UTC day or month; at least one of the limits is set. */
export interface UsageCap {
  per: 'key' | 'pool';
  period: 'day' | 'month';
  requests?: number;
  tokens?: number;
  costUsd?: number;
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
export type Deadlines = Pick<Tuning, (typeof DEADLINE_KNOBS)[number]>;

/** Knobs of the attempt loop and transport; what each means, accepts and defaults to is in TUNING_KNOBS. */
export type Tuning = Record<TuningKnob, number>;

export const DEFAULT_TUNING: Tuning = Object.fromEntries(TUNING_KNOB_NAMES.map((name) => [name, TUNING_KNOBS[name].default])) as Tuning;

export interface BridgeConfig {
  pools: PoolSpec[];
  routes: RouteSpec[];
  /** The pool each protocol uses when no route matches; the first pool of that protocol otherwise. */
  defaults?: Partial<Record<Protocol, string>>;
  tuning?: Partial<Tuning>;
}

export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The field an issue is about, as the user writes it: `pools[0].keys[1].weight`. */
function fieldOf(issue: v.BaseIssue<unknown>): string {
  let field = '';
  for (const item of issue.path ?? []) {
    const key = item.key as string | number;
    field += typeof key === 'number' ? `[${key}]` : field ? `.${key}` : key;
  }
  return field;
}

type Checked<S extends v.GenericSchema> = { ok: true; value: v.InferOutput<S> } | { ok: false; problems: { field: string; message: string }[] };

/** The value as the schema reads it (defaults filled in), or every problem, each naming its field relative to `value`. */
export function checkWith<S extends v.GenericSchema>(schema: S, value: unknown): Checked<S> {
  const result = v.safeParse(schema, value);
  return result.success
    ? { ok: true, value: result.output }
    : { ok: false, problems: result.issues.map((issue) => ({ field: fieldOf(issue), message: issue.message })) };
}

/**
 * The value as the schema reads it (defaults filled in, unknown fields of pools and routes dropped), or a
 * ConfigError naming the first field at fault.
 */
export function parseWith<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  const checked = checkWith(schema, value);
  if (checked.ok) return checked.value;
  const [first] = checked.problems;
  throw new ConfigError(first.field || '(root)', first.message);
}

// The config the core is given: the hosts' pools with their keys resolved. Its secrets are never read here.
const bridgeConfigSchema = v.object({
  pools: v.array(
    v.object({
      ...poolEntries,
      testPath: v.optional(testPathSchema),
      keys: v.array(
        v.object({
          id: v.pipe(v.string('is required'), v.nonEmpty('is required')),
          weight: v.optional(v.pipe(v.number('must be a positive number'), v.finite('must be a positive number'), v.gtValue(0, 'must be a positive number'))),
        }),
      ),
    }),
  ),
  routes: v.array(routeSchema),
  defaults: v.optional(defaultsSchema),
  tuning: v.optional(tuningSchema),
});

// The route type and the route schema must not drift apart: this line stops compiling when they do.
true satisfies Same<RouteSpec, v.InferOutput<typeof routeSchema>>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Checks the shape and cross-references of a config; throws ConfigError naming the field. */
export function validateBridgeConfig(config: BridgeConfig): BridgeConfig {
  parseWith(bridgeConfigSchema, config);
  const poolIds = new Set<string>();
  config.pools.forEach((pool, i) => {
    const at = `pools[${i}]`;
    if (poolIds.has(pool.id)) throw new ConfigError(`${at}.id`, `duplicate pool id "${pool.id}"`);
    poolIds.add(pool.id);
    const keyIds = new Set<string>();
    pool.keys.forEach((key, k) => {
      if (keyIds.has(key.id)) throw new ConfigError(`${at}.keys[${k}].id`, `duplicate key id "${key.id}"`);
      keyIds.add(key.id);
    });
    pool.caps?.forEach((cap, c) => {
      if (cap.requests === undefined && cap.tokens === undefined && cap.costUsd === undefined)
        throw new ConfigError(`${at}.caps[${c}]`, 'must set requests, tokens or costUsd');
    });
  });
  config.routes.forEach((route, i) => {
    route.targets.forEach((target, t) => {
      const at = `routes[${i}].targets[${t}].pool`;
      const pool = config.pools.find((p) => p.id === target.pool);
      if (!pool) throw new ConfigError(at, `no pool with id "${target.pool}"`);
      // A pool of the other protocol is a translated target (docs/ARCHITECTURE.md §9); any pool may serve.
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

/** The deadlines of one attempt: the tuning's, then the pool's, then the route's. */
export function resolveDeadlines(tuning: Deadlines, ...overrides: (Partial<Deadlines> | undefined)[]): Deadlines {
  const result: Deadlines = {
    headersTimeoutMs: tuning.headersTimeoutMs,
    firstEventTimeoutMs: tuning.firstEventTimeoutMs,
    firstByteTimeoutMs: tuning.firstByteTimeoutMs,
    idleTimeoutMs: tuning.idleTimeoutMs,
    nonStreamTimeoutMs: tuning.nonStreamTimeoutMs,
  };
  for (const override of overrides) if (override) for (const name of DEADLINE_KNOBS) if (override[name] !== undefined) result[name] = override[name];
  return result;
}

export function resolveTuning(partial?: Partial<Tuning>): Tuning {
  return { ...DEFAULT_TUNING, ...(partial ?? {}) };
}
