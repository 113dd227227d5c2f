import { Bridge, type BridgeOptions } from '../../src/core/bridge';
import type { Clock } from '../../src/core/clock';
import type { BridgeConfig, PoolSpec, RouteSpec, Tuning } from '../../src/core/config';
import type { Logger } from '../../src/core/logger';
import type { StateStore } from '../../src/core/state';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../fakeProvider/fakeProvider';

export const TOKEN = 'kb-test-local-token';
/** The harness bridge's admin token: what a window checks the owner proof with. */
export const ADMIN_TOKEN = 'kb-test-admin-token';

/** Timings short enough for tests, long enough not to flake on a loaded 2-core machine. */
export const TEST_TUNING: Partial<Tuning> = {
  headersTimeoutMs: 3_000,
  firstEventTimeoutMs: 3_000,
  firstByteTimeoutMs: 3_000,
  nonStreamTimeoutMs: 3_000,
  idleTimeoutMs: 1_500,
  waitThresholdMs: 1_000,
  transientBackoffMs: 20,
  rateLimitBackoffMs: 20,
  budgetMs: 8_000,
  breakerOpenMs: 60_000,
  defaultCooldownMs: 60_000,
};

export interface Harness {
  provider: FakeProvider;
  bridge: Bridge;
  logs: string[];
  /** e.g. http://127.0.0.1:PORT/openai/v1 */
  openaiBase: string;
  /** e.g. http://127.0.0.1:PORT/anthropic */
  anthropicBase: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Keys per pool; pools are `oa` (OpenAI) and `an` (Anthropic) unless `pools` is given. */
  keys?: { oa?: string[]; an?: string[] };
  pools?: (provider: FakeProvider) => PoolSpec[];
  routes?: RouteSpec[];
  tuning?: Partial<Tuning>;
  provider?: FakeProviderOptions;
  stateStore?: StateStore;
  defaults?: BridgeConfig['defaults'];
  connectionLimits?: BridgeOptions['connectionLimits'];
  bodyBudgetBytes?: number;
  usage?: BridgeOptions['usage'];
  /** The core's clock; the system clock unless a test moves time itself. */
  clock?: Clock;
}

function defaultPools(provider: FakeProvider, keys: HarnessOptions['keys'] = {}): PoolSpec[] {
  const oa = keys.oa ?? ['oa-key-1', 'oa-key-2', 'oa-key-3'];
  const an = keys.an ?? ['an-key-1', 'an-key-2', 'an-key-3'];
  return [
    { id: 'oa', protocol: 'openai', baseUrl: provider.openaiBaseUrl, strategy: 'fill-first', keys: oa.map((secret, i) => ({ id: `k${i + 1}`, secret })) },
    { id: 'an', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl, strategy: 'fill-first', keys: an.map((secret, i) => ({ id: `k${i + 1}`, secret })) },
  ];
}

/** A fake provider and a bridge in front of it, both on 127.0.0.1:0. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const provider = await startFakeProvider(options.provider);
  const logs: string[] = [];
  const logger: Logger = {
    debug: (m) => logs.push(`debug ${m}`),
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const bridge = new Bridge({
    config: {
      pools: options.pools ? options.pools(provider) : defaultPools(provider, options.keys),
      routes: options.routes ?? [],
      defaults: options.defaults,
      tuning: { ...TEST_TUNING, ...options.tuning },
    },
    port: 0,
    token: TOKEN,
    adminToken: ADMIN_TOKEN,
    logger,
    stateStore: options.stateStore,
    connectionLimits: options.connectionLimits,
    bodyBudgetBytes: options.bodyBudgetBytes,
    usage: options.usage,
    clock: options.clock,
  });
  await bridge.start();
  return {
    provider,
    bridge,
    logs,
    openaiBase: bridge.baseUrls.openai,
    anthropicBase: bridge.baseUrls.anthropic,
    async close() {
      await bridge.dispose(0);
      await provider.close();
    },
  };
}

export interface SimpleResponse {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

/** POSTs JSON with the local token and reads the whole answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<SimpleResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: (): unknown => JSON.parse(text) };
}

export const chatBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], ...extra });
export const messagesBody = (extra: Record<string, unknown> = {}) => ({
  model: 'claude-test',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

/** Parses an SSE text into (event, data) pairs, as a client would. */
export function sseEvents(text: string): { event: string; data: string }[] {
  return text
    .split(/\n\n/)
    .filter((block) => block.trim())
    .map((block) => {
      let event = '';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      return { event, data: data.join('\n') };
    });
}

/** The keys that reached the provider, in order, for requests to `endpoint`. */
export function keysSeen(provider: FakeProvider, endpoint?: string): (string | undefined)[] {
  return provider.ledger.filter((e) => !endpoint || e.endpoint === endpoint).map((e) => e.key);
}
