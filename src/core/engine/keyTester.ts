import type { Clock } from '../clock';
import type { Verdict } from '../failover/classify';
import type { HeaderBag } from '../keys/cooldown';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import type { KeyTestResult } from '../status';
import type { UpstreamClient } from '../upstream/upstreamClient';
import { probeKey } from './keyProbe';

const TEST_TIMEOUT_MS = 15_000;

/** How a test's verdict reaches the key: the engine's one marking rule. */
type MarkKey = (key: KeyRecord, verdict: Verdict, headers: HeaderBag | undefined) => void;

/**
 * Key tests: a cheap real request with the key (the provider's model list, or the pool's test path), on the
 * user's command, in the background when a pass-through 401 must be confirmed, and on a slow timer for
 * invalid and exhausted keys whose re-test is due. At most one test of a key runs at a time in the background.
 */
export class KeyTester {
  private readonly running = new Set<KeyRecord>();

  constructor(
    private readonly upstream: UpstreamClient,
    private readonly clock: Clock,
    private readonly markKey: MarkKey,
  ) {}

  /** Tests a key and updates its state; never throws for a provider's answer or an unreachable provider. */
  async test(pool: KeyPool, key: KeyRecord): Promise<KeyTestResult> {
    const probe = await probeKey(this.upstream, pool, key, this.clock, TEST_TIMEOUT_MS);
    const now = this.clock.now();
    switch (probe.outcome) {
      case 'ok':
        key.markReady(now);
        if (!probe.verdict) key.stats.lastLatencyMs = probe.latencyMs;
        break;
      case 'rate_limited':
        // Limited, so the provider accepted the key: it is not invalid, just resting.
        key.markReady(now);
        if (probe.verdict) this.markKey(key, probe.verdict, probe.headers);
        break;
      case 'invalid':
      case 'exhausted':
        key.retestFailures++;
        if (probe.verdict) this.markKey(key, probe.verdict, probe.headers);
        break;
      default:
        break;
    }
    const ok = probe.outcome === 'ok' || probe.outcome === 'rate_limited';
    return { pool: pool.id, key: key.id, ok, status: probe.status, latencyMs: probe.latencyMs, state: key.stateAt(this.clock.now()), message: probe.message };
  }

  /** Tests a key in the background unless a test of it is already running. */
  verify(pool: KeyPool, key: KeyRecord): void {
    void this.once(pool, key);
  }

  /** Re-tests invalid and exhausted keys whose time has come. */
  async runDue(pools: Iterable<KeyPool>): Promise<void> {
    const now = this.clock.now();
    const due: Promise<unknown>[] = [];
    for (const pool of pools) {
      for (const key of pool.keys) {
        const state = key.stateAt(now);
        if ((state === 'invalid' || state === 'exhausted') && key.retestAt !== undefined && key.retestAt <= now) due.push(this.once(pool, key));
      }
    }
    await Promise.allSettled(due);
  }

  private async once(pool: KeyPool, key: KeyRecord): Promise<void> {
    if (this.running.has(key)) return;
    this.running.add(key);
    try {
      await this.test(pool, key);
    } catch {
      // test() answers every provider outcome itself; nothing else is worth surfacing from a background test.
    } finally {
      this.running.delete(key);
    }
  }
}
