import type { BaseUrls } from '../config';
import { systemClock } from '../clock';
import { DEMO_MODELS } from './demoScenario';

/**
 * The demo's own client: alternately an OpenAI and an Anthropic request through the bridge, streamed every
 * other pair, every `intervalMs` until `signal` aborts. Enough traffic for rotation, cooldowns, a revoked key
 * and failover to show without an agent; `keybridge demo` and the editor's simulated provider both use it.
 */
export async function driveDemoTraffic(baseUrls: BaseUrls, token: string, intervalMs: number, signal: AbortSignal): Promise<void> {
  for (let n = 0; !signal.aborted; n++) {
    const anthropic = n % 2 === 1;
    const stream = n % 4 < 2;
    const url = anthropic ? `${baseUrls.anthropic}/v1/messages` : `${baseUrls.openai}/chat/completions`;
    const body = anthropic
      ? { model: DEMO_MODELS.anthropic, max_tokens: 64, stream, messages: [{ role: 'user', content: 'hi' }] }
      : { model: DEMO_MODELS.openai, stream, messages: [{ role: 'user', content: 'hi' }] };
    const headers: Record<string, string> = anthropic ? { 'x-api-key': token, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${token}` };
    try {
      const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
      await res.arrayBuffer();
    } catch {
      // The demo is ending (the signal aborted the request), or the bridge is: its request log says the rest.
    }
    await systemClock.sleep(intervalMs, signal).catch(() => undefined);
  }
}
