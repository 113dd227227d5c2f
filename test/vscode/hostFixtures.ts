import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BridgeConfig } from '../../src/core/config';
import type { Logger } from '../../src/core/logger';
import { BridgeHost, type BridgeHostOptions } from '../../src/vscode/host/bridgeHost';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { freePort, listening } from './waitFor';

/** The tokens every window of a host test shares, as they would from one SecretStorage. */
export const TOKENS = { token: 'kb-host-test-token', adminToken: 'kbadmin-host-test' };

function memoryLogger(lines: string[]): Logger {
  return { debug: () => undefined, info: (m) => lines.push(m), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

/** One OpenAI pool of two keys on the fake provider. */
export function configFor(provider: FakeProvider): BridgeConfig {
  return {
    pools: [
      {
        id: 'oa',
        label: 'OpenAI',
        protocol: 'openai',
        baseUrl: provider.openaiBaseUrl,
        strategy: 'fill-first',
        keys: [
          { id: 'k1', secret: 'oa-key-1' },
          { id: 'k2', secret: 'oa-key-2' },
        ],
      },
    ],
    routes: [],
    tuning: { firstByteTimeoutMs: 3_000, budgetMs: 5_000 },
  };
}

/** One chat request through whichever bridge serves `port`, as an agent sends it. */
export async function chat(port: number, token = TOKENS.token): Promise<{ status: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return { status: res.status };
}

/** Windows of one machine for a host test: one fake provider, one state folder, one port. Fresh for each test. */
export interface HostBench {
  provider: FakeProvider;
  stateDir: string;
  port: number;
  logs: string[];
  /** A window's bridge host with timings short enough for tests; closed after the test. */
  openWindow(extra?: Partial<BridgeHostOptions>): BridgeHost;
}

/** Registers the hooks that open the bench before each test and close every window after it. */
export function hostBench(): HostBench {
  const hosts: BridgeHost[] = [];
  const bench = {
    logs: [] as string[],
    openWindow(extra: Partial<BridgeHostOptions> = {}): BridgeHost {
      const host = new BridgeHost({
        port: bench.port,
        stateDir: bench.stateDir,
        logger: memoryLogger(bench.logs),
        graceMs: 200,
        retryMs: 300,
        controlPollMs: 150,
        takeoverJitterMs: 50,
        ...extra,
      });
      hosts.push(host);
      return host;
    },
  } as HostBench;
  beforeEach(async () => {
    bench.provider = await startFakeProvider();
    bench.stateDir = mkdtempSync(join(tmpdir(), 'kb-host-'));
    bench.port = await freePort();
    hosts.length = 0;
    bench.logs.length = 0;
  });
  afterEach(async () => {
    await Promise.all(hosts.map((h) => h.shutdown(0)));
    await bench.provider.close();
    rmSync(bench.stateDir, { recursive: true, force: true });
    assert.equal(await listening(bench.port), false, 'every host released the port');
  });
  return bench;
}
