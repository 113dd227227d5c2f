import { resolve } from 'node:path';
import type { Tuning } from '../../src/core/config';

/** How long and how hard the soak runs. CI runs `short`; `--long` is for the release note's figures. */
export interface SoakProfile {
  name: 'short' | 'long';
  /** Wall-clock length of the main load phase. */
  loadMs: number;
  /** A hard cap on client requests, whatever the time. */
  maxRequests: number;
  /** Client requests in flight at once. */
  concurrency: number;
  warmupMs: number;
  seed: number;
  /** The headless bridge to run: `dist/cli.js` unless `--cli` names another bundle. */
  cliPath: string;
}

/** Short enough for tests, long enough not to flake on a loaded 2-core machine. */
export const SOAK_TUNING: Partial<Tuning> = {
  maxAttempts: 8,
  budgetMs: 8_000,
  waitThresholdMs: 500,
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 2_000,
  firstEventTimeoutMs: 2_000,
  firstByteTimeoutMs: 2_000,
  nonStreamTimeoutMs: 2_000,
  idleTimeoutMs: 1_500,
  defaultCooldownMs: 3_000,
  breakerWindowMs: 5_000,
  breakerMinRequests: 10,
  breakerOpenMs: 1_500,
  transientBackoffMs: 20,
  rateLimitBackoffMs: 20,
  invalidRetestMs: 1_000,
  exhaustedRetestMs: 1_500,
  retestMaxMs: 8_000,
};

/** The longest a client request may take: budget, plus the last attempt's wait for a first byte, plus a stall. */
export function requestBoundMs(tuning: Partial<Tuning> = SOAK_TUNING): number {
  return (tuning.budgetMs ?? 0) + (tuning.firstByteTimeoutMs ?? 0) + (tuning.idleTimeoutMs ?? 0) + 1_500;
}

export function parseSoakArgs(argv: readonly string[]): SoakProfile {
  const long = argv.includes('--long');
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seconds = value('--seconds');
  const profile: SoakProfile = long
    ? { name: 'long', loadMs: 300_000, maxRequests: 200_000, concurrency: 32, warmupMs: 5_000, seed: 0, cliPath: '' }
    : { name: 'short', loadMs: 60_000, maxRequests: 40_000, concurrency: 24, warmupMs: 4_000, seed: 0, cliPath: '' };
  if (seconds !== undefined) {
    const n = Number(seconds);
    if (!(n > 0)) throw new Error('--seconds needs a positive number');
    profile.loadMs = n * 1000;
  }
  const concurrency = value('--concurrency');
  if (concurrency !== undefined) profile.concurrency = Math.max(1, Math.floor(Number(concurrency)));
  const seed = value('--seed');
  profile.seed = seed !== undefined ? Number(seed) >>> 0 : (Date.now() ^ (process.pid << 8)) >>> 0;
  profile.cliPath = resolve(value('--cli') ?? resolve(__dirname, '../../../dist/cli.js'));
  return profile;
}
