import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startFakeProvider, type Fault, type FakeProvider } from '../fakeProvider/fakeProvider';
import { startHeadlessBridge } from './headlessBridge';
import type { SeededRandom } from './random';
import { SecretScanner } from './secretScan';
import type { CheckResult } from './soakChecks';
import { SOAK_TUNING } from './soakProfile';

/** Concurrent clients in the partial outage, per protocol and kind (streamed or not): issue 22's benchmark. */
const PARTIAL_CONCURRENCY = 40;
const PARTIAL_SHARE = 0.3;
const OUTAGE_REQUESTS = 60;
/** The retry budget's defaults (docs/ARCHITECTURE.md §4): the soak's tuning leaves them alone. */
const BUDGET_SHARE = 0.2;
const BUDGET_FLOOR_PER_SEC = 3;
const BUDGET_WINDOW_MS = 10_000;

interface Phase {
  provider: FakeProvider;
  bridgeUrl: string;
  token: string;
  agent: Agent;
}

async function send(phase: Phase, protocol: 'openai' | 'anthropic', model: string, stream: boolean): Promise<{ status: number; complete: boolean }> {
  const openai = protocol === 'openai';
  const res = await request(`${phase.bridgeUrl}${openai ? '/openai/v1/chat/completions' : '/anthropic/v1/messages'}`, {
    method: 'POST',
    dispatcher: phase.agent,
    headers: openai
      ? { authorization: `Bearer ${phase.token}`, 'content-type': 'application/json' }
      : { 'x-api-key': phase.token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 64, stream, messages: [{ role: 'user', content: 'outage phase' }] }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.body.text();
  const complete = res.statusCode === 200 && (!stream || (openai ? text.trimEnd().endsWith('data: [DONE]') : text.includes('event: message_stop')));
  return { status: res.statusCode, complete };
}

/**
 * The two outages the retry budget is for (issue 22), against a bridge and a provider of their own so the
 * main run's checks are untouched: a provider failing 30 % of attempts at random with no fallback target must
 * lose nothing, and one failing every attempt must see at most 1.2× the requests plus the budget's floor.
 */
export async function runOutagePhases(cliPath: string, dir: string, random: SeededRandom): Promise<{ checks: CheckResult[]; figures: string[] }> {
  const provider = await startFakeProvider({ recordBodies: false });
  const secret = (name: string): string => `sk-soak-${name}-${randomBytes(18).toString('base64url')}`;
  const keys = { oaFlaky: [secret('oaf1'), secret('oaf2')], anFlaky: [secret('anf1'), secret('anf2')], down: [secret('down1'), secret('down2')] };
  const scanner = new SecretScanner(Object.values(keys).flat());
  const env: Record<string, string> = {
    KB_OUTAGE_TOKEN: `kb-soak-${randomBytes(16).toString('base64url')}`,
    KB_OUTAGE_ADMIN_TOKEN: `kb-soak-admin-${randomBytes(16).toString('base64url')}`,
  };
  const pool = (id: string, protocol: 'openai' | 'anthropic', secrets: string[]) => ({
    id,
    protocol,
    baseUrl: protocol === 'openai' ? provider.openaiBaseUrl : provider.anthropicBaseUrl,
    strategy: 'round-robin',
    keys: secrets.map((s, i) => {
      const name = `KB_OUTAGE_${id.replace(/-/g, '_').toUpperCase()}_${i + 1}`;
      env[name] = s;
      return { id: `k${i + 1}`, env: name };
    }),
  });
  const configPath = join(dir, 'outage.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      tokenEnv: 'KB_OUTAGE_TOKEN',
      adminTokenEnv: 'KB_OUTAGE_ADMIN_TOKEN',
      stateFile: join(dir, 'outage-state.json'),
      pools: [pool('oa-flaky', 'openai', keys.oaFlaky), pool('an-flaky', 'anthropic', keys.anFlaky), pool('oa-down', 'openai', keys.down)],
      routes: [
        { protocol: 'openai', match: 'down-*', targets: [{ pool: 'oa-down' }] },
        { protocol: 'openai', match: '*', targets: [{ pool: 'oa-flaky' }] },
        { protocol: 'anthropic', match: '*', targets: [{ pool: 'an-flaky' }] },
      ],
      tuning: SOAK_TUNING,
    }),
  );
  const flaky = new Set([...keys.oaFlaky, ...keys.anFlaky]);
  let faults = 0;
  provider.setFaultSource((key) => {
    if (!flaky.has(key) || random.next() >= PARTIAL_SHARE) return undefined;
    const fault: Fault = faults++ % 2 === 0 ? { kind: 'serverError', status: 503 } : { kind: 'overloaded' };
    return fault;
  });
  for (const s of keys.down) provider.always(s, { kind: 'serverError', status: 503 });
  const bridge = await startHeadlessBridge({ cliPath, configPath, env });
  const phase: Phase = { provider, bridgeUrl: bridge.url, token: env.KB_OUTAGE_TOKEN, agent: new Agent({ keepAliveTimeout: 4_000 }) };
  try {
    // Partial outage: 40 at once, per protocol, streamed and not.
    const lost: string[] = [];
    let partialRequests = 0;
    for (const protocol of ['openai', 'anthropic'] as const) {
      for (const stream of [false, true]) {
        const answers = await Promise.all(
          Array.from({ length: PARTIAL_CONCURRENCY }, () => send(phase, protocol, protocol === 'openai' ? 'gpt-flaky' : 'claude-flaky', stream)),
        );
        partialRequests += answers.length;
        answers.forEach((a, i) => {
          if (!a.complete) lost.push(`${protocol} ${stream ? 'stream' : 'plain'} #${i}: HTTP ${a.status}`);
        });
      }
    }
    const partialAttempts = provider.ledger.filter((e) => e.key !== undefined && flaky.has(e.key)).length;

    // Total outage: 60 requests, 20 at a time, to a target with no fallback whose every attempt fails.
    const started = Date.now();
    const statuses: number[] = [];
    for (let wave = 0; wave < 3; wave++) {
      const answers = await Promise.all(Array.from({ length: OUTAGE_REQUESTS / 3 }, (_, i) => send(phase, 'openai', 'down-soak', i % 2 === 0)));
      statuses.push(...answers.map((a) => a.status));
    }
    const windows = 1 + Math.floor((Date.now() - started) / BUDGET_WINDOW_MS);
    const allowed = Math.floor((1 + BUDGET_SHARE) * OUTAGE_REQUESTS + BUDGET_FLOOR_PER_SEC * (BUDGET_WINDOW_MS / 1_000) * windows);
    const down = new Set(keys.down);
    const outageAttempts = provider.ledger.filter((e) => e.key !== undefined && down.has(e.key)).length;
    const answered = statuses.filter((s) => s >= 500).length;
    scanner.scan('bridge log (stdout)', bridge.stdoutLines.join('\n'));
    scanner.scan('bridge log (stderr)', bridge.stderrLines.join('\n'));
    return {
      checks: [
        {
          name: `a provider failing ${PARTIAL_SHARE * 100} % of attempts at random, no fallback target: every request is served (${PARTIAL_CONCURRENCY} at once, both protocols, streamed and not)`,
          passed: lost.length === 0,
          summary: `${partialRequests - lost.length}/${partialRequests} served; ${faults} faults in ${partialAttempts} attempts`,
          samples: lost.slice(0, 6),
        },
        {
          name: 'a provider failing every attempt sees at most 1.2× the requests plus the retry budget floor, and each client gets a 5xx',
          passed: outageAttempts >= OUTAGE_REQUESTS && outageAttempts <= allowed && answered === OUTAGE_REQUESTS,
          summary: `${outageAttempts} attempts for ${OUTAGE_REQUESTS} requests (at most ${allowed}); ${answered}/${OUTAGE_REQUESTS} answered 5xx`,
          samples: [],
        },
        {
          name: "no key secret appears in the outage bridge's log",
          passed: scanner.hits.length === 0,
          summary: `${Object.values(keys).flat().length} secrets; scanned ${bridge.stdoutLines.length + bridge.stderrLines.length} log lines`,
          samples: scanner.hits.map((h) => `${h.source}: …${h.secretTail} in "${h.excerpt}"`),
        },
      ],
      figures: [
        `partial outage (${PARTIAL_SHARE * 100} % random 503/529, no fallback): ${partialRequests - lost.length}/${partialRequests} served, ${(partialAttempts / partialRequests).toFixed(2)} attempts per request`,
        `total outage: ${outageAttempts} upstream attempts for ${OUTAGE_REQUESTS} requests (${(outageAttempts / OUTAGE_REQUESTS).toFixed(2)} per request, at most ${allowed} allowed)`,
      ],
    };
  } finally {
    await phase.agent.close();
    await bridge.stop();
    await provider.close();
  }
}
