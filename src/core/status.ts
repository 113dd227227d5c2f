import type { Protocol, SelectionStrategy } from './config';
import type { BreakerSnapshot, BreakerState } from './failover/circuitBreaker';
import type { FirstEventSource } from './failover/firstEventDeadline';
import type { Cooling, KeyState, KeyStats } from './keys/keyHealth';
import type { KeyQuota } from './keys/quota';

/** What the status API, the tree view and other windows see. Never a secret. */
export interface KeyStatus {
  id: string;
  label: string;
  masked: string;
  fingerprint: string;
  /** Key-wide state: `ready` while only some models are cooling (see `cooling`). */
  state: KeyState;
  /** Key-wide cooling deadline (epoch ms). */
  until?: number;
  reason?: string;
  retestAt?: number;
  /** Rate-limit cooldowns for single models; the key stays usable for the others. */
  cooling?: Cooling[];
  /** Passed over until then after its own connections kept failing while its siblings succeeded. */
  benchedUntil?: number;
  /** The remaining quota the provider reported on its latest answer per model, with when each window resets; newest first. */
  quota?: KeyQuota[];
  stats: KeyStats;
}

/** One target's breaker: a pool asked for one model ('*' when requests named none). */
export interface BreakerStatus extends BreakerSnapshot {
  model: string;
}

/** One target's first-event deadline: what a stream to it gets while its route has a later target. */
export interface FirstEventStatus {
  model: string;
  /** Streams in its history (the most recent ones). */
  samples: number;
  /** The 95th percentile of their times to first content event; unset while there are too few. */
  p95Ms?: number;
  /** The deadline in force, unless a route sets its own. */
  deadlineMs: number;
  source: FirstEventSource;
}

/** How many of a pool's keys can serve one model in use (asked of the pool lately). */
export interface ModelAvailability {
  model: string;
  /** Keys that can take a request for the model now. */
  usable: number;
  /** Keys that are not retired. */
  total: number;
  /** When the first key cooling for the model recovers; unset when none is cooling for it. */
  firstBackAt?: number;
}

export interface PoolStatus {
  id: string;
  label: string;
  protocol: Protocol;
  baseUrl: string;
  strategy: SelectionStrategy;
  /** The keys share one account's rate limits. */
  sharedLimits?: boolean;
  /** The worst state among the pool's breakers. */
  breaker: BreakerState;
  /** Breakers per model that have seen traffic in their window, or are not closed. */
  breakers?: BreakerStatus[];
  /** First-event deadlines per model whose streams the pool has served. */
  firstEvents?: FirstEventStatus[];
  /**
   * Models requests asked of the pool in the last minutes, most recent first, with the keys that can serve each:
   * a key cooling for one model reads `ready` key-wide, so only this says a model in use has no usable key.
   * Unset when none was asked (and from an owner that predates it).
   */
  models?: ModelAvailability[];
  keys: KeyStatus[];
}

/** One target of a route, as configured, with what the proxy does to a request sent there. */
export interface RouteTargetStatus {
  pool: string;
  /** The model the target asks its pool for; unset: the client's model. */
  model?: string;
  /** The protocol the pool speaks. */
  poolProtocol: Protocol;
  /**
   * The request and its answer are converted on the way (ARCHITECTURE §9): the pool speaks the other protocol,
   * or an OpenAI route's pool has no Responses API (only Responses requests are converted, to Chat Completions).
   */
  translated: boolean;
}

/** A route as configured, in the order the router tries them; never a secret. */
export interface RouteStatus {
  protocol: Protocol;
  match: string;
  targets: RouteTargetStatus[];
  /** Not configured: where a protocol's requests go when no route matches (`keybridge.defaults` or its first pool). */
  implicit?: true;
}

export interface BridgeStatus {
  running: boolean;
  url?: string;
  port?: number;
  baseUrls?: Record<Protocol, string>;
  now: number;
  pools: PoolStatus[];
  /** Configured routes first, then each protocol's default route. Unset from an owner that predates routes in the status. */
  routes?: RouteStatus[];
  totals: { requests: number; succeeded: number; failed: number };
}

/** One line of the request log. */
export interface RequestSummary {
  id: number;
  method: string;
  path: string;
  protocol: Protocol;
  model?: string;
  stream: boolean;
  status: number;
  outcome: 'ok' | 'error' | 'interrupted' | 'aborted';
  pool?: string;
  key?: string; // masked
  fingerprint?: string;
  attempts: number;
  ms: number;
  error?: string;
  /** Targets of the route tried beyond the first. */
  failovers?: number;
  /** From the request's arrival to the answer's commit point (its first real event, or first body byte). */
  firstByteMs?: number;
  /** The model the answer named (a provider may resolve an alias); unset when it named none. */
  servedModel?: string;
  /** Tokens the answer reported (streamed or not, translated or not); unset when nothing was served. */
  tokens?: TokenCounts;
  /** The client's User-Agent (at most 200 characters): the usage record names the agent from it. */
  userAgent?: string;
}

/**
 * Tokens of one answer in disjoint categories, whatever the protocol: `input` is the input neither read from
 * nor written to a prompt cache (OpenAI's `cached_tokens` are taken out of its prompt count), so the four add
 * up to everything the provider counted and each has its own price.
 */
interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface KeyTestResult {
  pool: string;
  key: string;
  ok: boolean;
  status?: number;
  latencyMs: number;
  state: KeyState;
  message: string;
}

export interface KeyChangeEvent {
  pool: string;
  key: string;
  /** The name the tree shows. */
  label: string;
  masked: string;
  previous: KeyState;
  state: KeyState;
  reason?: string;
  until?: number;
  /** The model a cooldown is for; unset for key-wide changes. */
  scope?: string;
}
