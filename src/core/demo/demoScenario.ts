import { randomBytes } from 'node:crypto';
import type { BridgeConfig } from '../config';
import type { SimulatedAccount, SimulatedProvider } from './simulatedProvider';

/**
 * What `keybridge demo` runs: two simulated accounts and the pools and route a user would set up for them.
 * Account alpha (OpenAI-compatible) has a key that is rate-limited after a few requests, a revoked one and a
 * healthy one; account beta (Anthropic) is overloaded for a few seconds now and then, and its route falls back
 * to alpha across protocols. Everything a pool does — rotation, cooldowns, marking a key invalid, retries,
 * failover, translation — happens within the first minute.
 */
export interface DemoScenario {
  accounts: SimulatedAccount[];
  /** What the user will see happen, a line per pool. */
  story: string[];
  /** The bridge's pools and routes over the running simulated provider. */
  config(provider: SimulatedProvider): BridgeConfig;
}

/** The model names the demo's clients use; the route and the pools know them. */
export const DEMO_MODELS = { openai: 'sim-gpt', anthropic: 'claude-sim-sonnet' } as const;

const DEMO_POOLS = { alpha: 'demo-alpha', beta: 'demo-beta' } as const;

/** Keys are made fresh for each run: they look like no provider's and open nothing. */
function demoKey(name: string): string {
  return `sim-${name}-${randomBytes(12).toString('hex')}`;
}

export function demoScenario(): DemoScenario {
  const alpha: SimulatedAccount = {
    name: 'alpha',
    protocol: 'openai',
    keys: [
      { label: 'alpha-1', secret: demoKey('alpha-1'), behaviour: { kind: 'limited', requests: 2, windowMs: 20_000 } },
      { label: 'alpha-2', secret: demoKey('alpha-2'), behaviour: { kind: 'revoked' } },
      { label: 'alpha-3', secret: demoKey('alpha-3'), behaviour: { kind: 'limited', requests: 60, windowMs: 20_000 } },
    ],
  };
  const beta: SimulatedAccount = {
    name: 'beta',
    protocol: 'anthropic',
    keys: [
      { label: 'beta-1', secret: demoKey('beta-1'), behaviour: { kind: 'limited', requests: 4, windowMs: 20_000 } },
      { label: 'beta-2', secret: demoKey('beta-2'), behaviour: { kind: 'limited', requests: 60, windowMs: 20_000 } },
    ],
    outage: { offsetMs: 6_000, lengthMs: 6_000, everyMs: 40_000 },
  };
  return {
    accounts: [alpha, beta],
    story: [
      `pool ${DEMO_POOLS.alpha} (OpenAI-compatible, round-robin): alpha-1 is rate-limited after 2 requests in 20 s, alpha-2 is revoked, alpha-3 is healthy`,
      `pool ${DEMO_POOLS.beta} (Anthropic): overloaded for 6 s of every 40 s, from 6 s in; route claude-* then falls back to ${DEMO_POOLS.alpha}, translated`,
    ],
    config: (provider) => ({
      pools: [
        {
          id: DEMO_POOLS.alpha,
          label: 'Demo alpha (simulated)',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          // Round-robin visits every key early, so the revoked one is found in the first seconds.
          strategy: 'round-robin',
          keys: alpha.keys.map((k) => ({ id: k.label, label: k.label, secret: k.secret })),
        },
        {
          id: DEMO_POOLS.beta,
          label: 'Demo beta (simulated)',
          protocol: 'anthropic',
          baseUrl: provider.anthropicBaseUrl,
          strategy: 'fill-first',
          keys: beta.keys.map((k) => ({ id: k.label, label: k.label, secret: k.secret })),
        },
      ],
      routes: [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: DEMO_POOLS.beta }, { pool: DEMO_POOLS.alpha, model: DEMO_MODELS.openai }] }],
      // A short breaker so the demo shows the outage's end within seconds; the rest are the defaults.
      tuning: { breakerOpenMs: 5_000 },
    }),
  };
}
