import { systemClock, type Clock } from '../clock';
import type { PoolSpec } from '../config';
import { KeyPool } from '../keys/keyPool';
import { UpstreamClient } from '../upstream/upstreamClient';
import { probeKey, type KeyProbe } from './keyProbe';

/** What a key not yet in any pool is tested against: the pool's provider, without its keys. */
export type CandidatePool = Pick<PoolSpec, 'id' | 'protocol' | 'baseUrl' | 'headers' | 'testPath'>;

/** One candidate's result, in the order given; secret-free. */
export type CandidateResult = Pick<KeyProbe, 'outcome' | 'message' | 'status' | 'latencyMs'>;

export interface CandidateTestOptions {
  /** Tests in flight at once: a paste of fifty keys must not look like an attack to the provider. */
  concurrency?: number;
  /** Per test, connection included. */
  timeoutMs?: number;
  /** Cancels the tests not finished; their results read `unreachable`. */
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * Tests keys before they are stored, outside the running bridge: a throwaway pool and its own HTTP client,
 * closed at the end, so nothing is marked, persisted or routed, whichever window serves the bridge (or none).
 */
export async function testCandidateKeys(pool: CandidatePool, secrets: readonly string[], options: CandidateTestOptions = {}): Promise<CandidateResult[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? systemClock;
  const trial = new KeyPool({ ...pool, strategy: 'fill-first', keys: secrets.map((secret, i) => ({ id: `candidate-${i + 1}`, secret })) }, () => undefined);
  const upstream = new UpstreamClient({ connectTimeoutMs: timeoutMs, firstByteTimeoutMs: timeoutMs });
  const results: CandidateResult[] = new Array<CandidateResult>(secrets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < trial.keys.length) {
      const i = next++;
      const { outcome, message, status, latencyMs } = await probeKey(upstream, trial, trial.keys[i], clock, timeoutMs, options.signal);
      results[i] = { outcome, message, status, latencyMs };
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, secrets.length)) }, worker));
  } finally {
    await upstream.close();
  }
  return results;
}
