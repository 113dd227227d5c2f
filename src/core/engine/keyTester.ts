import type { Clock } from '../clock';
import { classifyResponse, parseErrorFacts, type Verdict } from '../failover/classify';
import type { HeaderBag } from '../keys/cooldown';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import { protocolAdapter } from '../protocols/registry';
import { redactSecrets } from '../secrets';
import type { KeyTestResult } from '../status';
import { sendWithKey } from '../upstream/sendWithKey';
import { readBounded, type UpstreamClient } from '../upstream/upstreamClient';

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
    const adapter = protocolAdapter(pool.protocol);
    const started = this.clock.now();
    const result = (ok: boolean, message: string, status?: number): KeyTestResult => ({
      pool: pool.id,
      key: key.id,
      ok,
      status,
      latencyMs: this.clock.now() - started,
      state: key.stateAt(this.clock.now()),
      message: redactSecrets(message, [key.secret]),
    });
    try {
      const response = await sendWithKey(this.upstream, pool, key, {
        path: pool.testPath ?? adapter.testPath,
        method: 'GET',
        body: undefined,
        signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
        headersTimeoutMs: TEST_TIMEOUT_MS,
      });
      const { text } = await readBounded(response.body, 256 * 1024);
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        key.markReady(this.clock.now());
        key.stats.lastLatencyMs = this.clock.now() - started;
        return result(true, `OK (HTTP ${status})`, status);
      }
      const verdict = classifyResponse(status, parseErrorFacts(text));
      if (verdict.kind === 'auth' || verdict.kind === 'quota') {
        key.retestFailures++;
        this.markKey(key, verdict, response.headers);
        return result(false, verdict.reason, status);
      }
      if (verdict.kind === 'rate_limit') {
        // Limited, so the provider accepted the key: it is not invalid, just resting.
        key.markReady(this.clock.now());
        this.markKey(key, verdict, response.headers);
        return result(true, `accepted but rate-limited (${verdict.reason})`, status);
      }
      if (verdict.kind === 'caller') {
        // Some compatible providers do not list models; an answer other than an auth failure means the key was accepted.
        key.markReady(this.clock.now());
        return result(true, `accepted (${verdict.reason})`, status);
      }
      return result(false, `provider unavailable (${verdict.reason})`, status);
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      return result(false, `provider unreachable (${code})`);
    }
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
