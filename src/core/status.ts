import type { Protocol, SelectionStrategy } from './config';
import type { BreakerState } from './failover/circuitBreaker';
import type { KeyState, KeyStats } from './keys/keyHealth';

/** What the status API, the tree view and other windows see. Never a secret. */
export interface KeyStatus {
  id: string;
  label: string;
  masked: string;
  fingerprint: string;
  state: KeyState;
  /** Cooling deadline (epoch ms). */
  until?: number;
  reason?: string;
  retestAt?: number;
  stats: KeyStats;
}

export interface PoolStatus {
  id: string;
  label: string;
  protocol: Protocol;
  baseUrl: string;
  strategy: SelectionStrategy;
  breaker: BreakerState;
  keys: KeyStatus[];
}

export interface BridgeStatus {
  running: boolean;
  url?: string;
  port?: number;
  baseUrls?: Record<Protocol, string>;
  now: number;
  pools: PoolStatus[];
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
  masked: string;
  previous: KeyState;
  state: KeyState;
  reason?: string;
  until?: number;
}
