import type { BridgeConfig } from '../../core/config';
import type { Logger } from '../../core/logger';
import type { BridgeTokens } from '../keys/storedKey';

export interface BridgeHostOptions {
  port: number;
  /** Shared by every window of this machine: key state and the stop flag live here. */
  stateDir: string;
  logger: Logger;
  /** How long in-flight requests may finish when the bridge stops. */
  graceMs?: number;
  /** How often a blocked port is tried again. */
  retryMs?: number;
  /** How often the shared stop flag is read. */
  controlPollMs?: number;
  /** Spreads takeover attempts of several followers; the loser follows the winner. */
  takeoverJitterMs?: number;
  /** Owner silence (no event, no heartbeat) after which a follower treats it as gone. */
  stallMs?: number;
}

/** The host's timings with their defaults filled in. */
export type HostTimings = Required<Pick<BridgeHostOptions, 'graceMs' | 'retryMs' | 'controlPollMs' | 'takeoverJitterMs' | 'stallMs'>>;

export function hostTimings(options: BridgeHostOptions): HostTimings {
  return {
    graceMs: options.graceMs ?? 1_500,
    retryMs: options.retryMs ?? 5_000,
    controlPollMs: options.controlPollMs ?? 2_000,
    takeoverJitterMs: options.takeoverJitterMs ?? 300,
    stallMs: options.stallMs ?? 40_000,
  };
}

/**
 * Called before this window starts serving (first start and every takeover):
 * resolves the configuration as SecretStorage holds it now, so a window whose
 * key change events never arrived does not serve a stale key set.
 */
export type ConfigReload = () => Promise<BridgeConfig | undefined>;

/** What the window was given; the role follows from these and from who holds the port. */
export interface HostInputs {
  config: BridgeConfig;
  port: number;
  /** Undefined until secret storage answers. */
  tokens: BridgeTokens | undefined;
}
