import type { Clock } from '../clock';
import { classifyResponse, parseErrorFacts, type Verdict } from '../failover/classify';
import type { HeaderBag } from '../keys/cooldown';
import type { KeyRecord } from '../keys/keyHealth';
import type { KeyPool } from '../keys/keyPool';
import { protocolAdapter } from '../protocols/table';
import { redactSecrets } from '../secrets';
import { sendWithKey } from '../upstream/sendWithKey';
import { readBounded, type UpstreamClient } from '../upstream/upstreamClient';

/**
 * What one test request said about a key, before anything is marked:
 * `ok` accepted; `rate_limited` accepted but resting (a limited key is a valid one); `invalid` refused (401/403);
 * `exhausted` accepted but out of quota; `unavailable` the provider failed; `unreachable` no answer at all.
 */
export type ProbeOutcome = 'ok' | 'rate_limited' | 'invalid' | 'exhausted' | 'unavailable' | 'unreachable';

export interface KeyProbe {
  outcome: ProbeOutcome;
  /** Secret-free: redacted of the key before it leaves here. */
  message: string;
  status?: number;
  latencyMs: number;
  /** The provider's verdict and headers, for marking the key (cooldowns read Retry-After). */
  verdict?: Verdict;
  headers?: HeaderBag;
}

/**
 * A cheap real request with the key (the provider's model list, or the pool's test path). Never throws for a
 * provider's answer or an unreachable provider. The key tests of the engine and of keys not yet added share it.
 */
export async function probeKey(
  upstream: UpstreamClient,
  pool: KeyPool,
  key: KeyRecord,
  clock: Clock,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<KeyProbe> {
  const started = clock.now();
  const probe = (outcome: ProbeOutcome, message: string, extra: Partial<KeyProbe> = {}): KeyProbe => ({
    outcome,
    message: redactSecrets(message, [key.secret]),
    latencyMs: clock.now() - started,
    ...extra,
  });
  try {
    const response = await sendWithKey(upstream, pool, key, {
      path: pool.testPath ?? protocolAdapter(pool.protocol).testPath,
      method: 'GET',
      body: undefined,
      signal: cancel ? AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]) : AbortSignal.timeout(timeoutMs),
      headersTimeoutMs: timeoutMs,
    });
    const { text } = await readBounded(response.body, 256 * 1024);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return probe('ok', `OK (HTTP ${status})`, { status });
    const verdict = classifyResponse(status, parseErrorFacts(text));
    const answer = { status, verdict, headers: response.headers };
    switch (verdict.kind) {
      case 'auth':
        return probe('invalid', verdict.reason, answer);
      case 'quota':
        return probe('exhausted', verdict.reason, answer);
      case 'rate_limit':
        return probe('rate_limited', `accepted but rate-limited (${verdict.reason})`, answer);
      case 'caller':
        // Some compatible providers do not list models; an answer other than an auth failure means the key was accepted.
        return probe('ok', `accepted (${verdict.reason})`, answer);
      default:
        return probe('unavailable', `provider unavailable (${verdict.reason})`, answer);
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return probe('unreachable', `provider unreachable (${code})`);
  }
}
