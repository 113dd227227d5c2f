import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectFile, disconnectFile, type ConnectedFile } from '../../src/core/agents/agentFiles';
import type { FileTargetId } from '../../src/core/agents/agentList';
import type { FakeProvider, Fault, LedgerEntry, Reply } from '../fakeProvider/fakeProvider';
import type { AgentDriver, AgentOutcome, RunDirs } from './agentDrivers';
import type { BaseUrls } from './agentSettings';
import { BridgeProcess, type KeyMark } from './bridgeProcess';
import { runAgent, runInTerminal, type AgentRunResult } from './processes';
import { agentEnvironment } from '../../src/core/agentSetup';
import { ResponseTap, type TappedResponse } from './responseTap';
import { must } from '../helpers/must';

export const KEY_IDS = ['k1', 'k2', 'k3'] as const;
type KeyId = (typeof KEY_IDS)[number];

/** Everything a case needs: the agent, its binary, the shared fake provider and the bridge's settings. */
export interface CaseContext {
  agent: AgentDriver;
  binary: string;
  fake: FakeProvider;
  cli: string;
  /** Pool key secrets by protocol and key id, as the fake provider sees them. */
  secrets: Record<'openai' | 'anthropic', Record<KeyId, string>>;
  token: string;
  adminToken: string;
  /** Hard limit for one agent run. */
  agentTimeoutMs: number;
}

export interface Check {
  ok: boolean;
  text: string;
}

export interface CaseReport {
  saw: string[];
  checks: Check[];
}

export interface AgentCase {
  id: string;
  title: string;
  run(ctx: CaseContext): Promise<CaseReport>;
}

export const POOL_OF = { openai: 'oa', anthropic: 'an' } as const;
const OTHER = { openai: 'anthropic', anthropic: 'openai' } as const;

function envName(protocol: 'openai' | 'anthropic', key: KeyId): string {
  return `KB_AGENTS_${POOL_OF[protocol].toUpperCase()}_${key.toUpperCase()}`;
}

export function makeSecrets(): CaseContext['secrets'] {
  const make = (prefix: string): Record<KeyId, string> =>
    Object.fromEntries(KEY_IDS.map((id) => [id, `${prefix}-${id}-${randomBytes(12).toString('hex')}`])) as Record<KeyId, string>;
  return { openai: make('sk-fake-oa'), anthropic: make('sk-ant-fake-an') };
}

/** A pool beside `oa` and `an` (a strict provider's), and the environment its keys are read from. */
export interface ExtraPools {
  pools: unknown[];
  env: Record<string, string>;
}

/** One fresh bridge per case, so key health never leaks from one case into the next; not started yet. */
function makeBridge(
  ctx: Pick<CaseContext, 'fake' | 'secrets' | 'token' | 'adminToken' | 'cli'>,
  dir: string,
  routes: unknown[] = [],
  extra?: ExtraPools,
): BridgeProcess {
  const ownPools = (['openai', 'anthropic'] as const).map((protocol) => ({
    id: POOL_OF[protocol],
    protocol,
    baseUrl: protocol === 'openai' ? ctx.fake.openaiBaseUrl : ctx.fake.anthropicBaseUrl,
    strategy: 'fill-first',
    keys: KEY_IDS.map((id) => ({ id, env: envName(protocol, id) })),
  }));
  const pools = [...ownPools, ...(extra?.pools ?? [])];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    KEYBRIDGE_TOKEN: ctx.token,
    KEYBRIDGE_ADMIN_TOKEN: ctx.adminToken,
  };
  for (const protocol of ['openai', 'anthropic'] as const) {
    for (const id of KEY_IDS) env[envName(protocol, id)] = ctx.secrets[protocol][id];
  }
  Object.assign(env, extra?.env);
  return new BridgeProcess({ cli: ctx.cli, dir, config: { pools, routes }, env, adminToken: ctx.adminToken });
}

function makeDirs(agent: { id: string }, caseId: string): RunDirs {
  const root = mkdtempSync(join(tmpdir(), `kb-agents-${agent.id}-${caseId}-`));
  const dirs = { root, home: join(root, 'home'), work: join(root, 'work') };
  mkdirSync(dirs.home);
  mkdirSync(dirs.work);
  return dirs;
}

/**
 * One case's fresh bridge and run folders, torn down whatever happens: the case fails, or the bridge never
 * starts (a refused config, no URL in time: the child may still be running, and the folder holds its config);
 * the case fills in what it saw and its checks.
 */
export async function withFreshBridge(
  ctx: Pick<CaseContext, 'fake' | 'secrets' | 'token' | 'adminToken' | 'cli'> & { agent: { id: string } },
  caseId: string,
  routes: unknown[],
  body: (run: { dirs: RunDirs; bridge: BridgeProcess } & CaseReport) => Promise<void>,
  extra?: ExtraPools,
): Promise<CaseReport> {
  const report: CaseReport = { saw: [], checks: [] };
  const dirs = makeDirs(ctx.agent, caseId);
  try {
    const bridge = makeBridge(ctx, dirs.root, routes, extra);
    try {
      await bridge.start();
      await body({ dirs, bridge, ...report });
    } finally {
      await bridge.stop();
    }
  } finally {
    rmSync(dirs.root, { recursive: true, force: true });
  }
  return report;
}

/** Requests that carry a model turn (not Claude Code's HEAD probe, not model lists). */
export function modelRequests(fake: FakeProvider): LedgerEntry[] {
  return fake.ledger.filter((e) => e.endpoint === 'messages' || e.endpoint === 'responses' || e.endpoint === 'chat');
}

function keyIdOf(ctx: CaseContext, secret: string | undefined): string {
  for (const id of KEY_IDS) if (ctx.secrets[ctx.agent.protocol][id] === secret) return id;
  // A translated fallback reaches the other protocol's pool.
  const other = OTHER[ctx.agent.protocol];
  for (const id of KEY_IDS) if (ctx.secrets[other][id] === secret) return `${POOL_OF[other]}/${id}`;
  if (secret === ctx.token) return 'LOCAL-TOKEN';
  // A strict provider's pool (strictAgentCases.ts).
  if (secret?.startsWith('sk-fake-strict-')) return 'strict/k1';
  return secret === undefined ? 'none' : 'unknown';
}

function rel(t: number, t0: number): string {
  return `+${((t - t0) / 1000).toFixed(2)}s`;
}

/** Takes the local token, and the tails of it agents show ("sk-ant-…" plus its last 20 characters), out of test output. */
export function maskToken(text: string, token: string): string {
  return [token, token.slice(-20), token.slice(-12)].reduce((out, piece) => out.split(piece).join('<token>'), text);
}

export function quote(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

interface Timed {
  at: number;
  text: string;
}

/** What the bridge logged (key marks, one line per request) and what the provider received, in time order. */
export function timeline(ctx: CaseContext, bridge: BridgeProcess, entries: LedgerEntry[], t0: number, extra: Timed[] = []): string[] {
  const items: Timed[] = [...extra];
  for (const m of bridge.keyMarks()) items.push({ at: m.at, text: `bridge   key ${m.pool}/${m.key} ${m.from} → ${m.to}${m.reason ? `: ${m.reason}` : ''}` });
  for (const r of bridge.requests()) items.push({ at: r.at, text: `bridge   ${r.text}` });
  for (const e of entries) {
    items.push({ at: e.startedAt, text: `provider ${e.method} ${e.path} key=${keyIdOf(ctx, e.key)} → ${e.status ?? '-'}${e.fault ? ` (${e.fault})` : ''}` });
  }
  return items.sort((a, b) => a.at - b.at).map((i) => `${rel(i.at, t0)} ${i.text}`);
}

export function check(checks: Check[], ok: boolean, text: string): boolean {
  checks.push({ ok, text });
  return ok;
}

interface AgentRun {
  result: AgentRunResult;
  outcome: AgentOutcome;
  settings: string;
}

export async function runTurns(ctx: CaseContext, dirs: RunDirs, baseUrls: BaseUrls, prompt: string, maxRetries?: number): Promise<AgentRun> {
  const cmd = ctx.agent.command(ctx.binary, dirs, { baseUrls, token: ctx.token, prompt, maxRetries });
  const result = await runAgent({ ...cmd, cwd: dirs.work, timeoutMs: ctx.agentTimeoutMs });
  return { result, outcome: ctx.agent.outcome(result, dirs), settings: cmd.settings };
}

export function bridgeUrls(bridge: BridgeProcess): BaseUrls {
  return { openai: bridge.openaiBase, anthropic: bridge.anthropicBase, gemini: bridge.openaiBase.replace(/\/openai\/v1$/, '/gemini') };
}

export function agentLines(run: AgentRun): string[] {
  const { result, outcome } = run;
  const how = result.timedOut ? 'KILLED at the time limit' : `exit ${result.code ?? result.signal}`;
  const lines = [`settings: ${run.settings}`, `agent ${how} after ${(result.ms / 1000).toFixed(1)} s; final answer ${quote(outcome.text)}`];
  if (outcome.error) lines.push(`agent reported error ${quote(outcome.error, 300)}`);
  return lines;
}

export function agentFinished(checks: Check[], run: AgentRun): void {
  check(checks, !run.result.timedOut && run.result.code === 0 && !run.outcome.error, 'the agent finished on its own with exit 0 and no error');
}

function protocolHeadersChecks(ctx: CaseContext, checks: Check[], entries: LedgerEntry[]): void {
  if (entries.length === 0) return;
  const first = must(entries[0]);
  const leaked = entries.some((e) => JSON.stringify(e.headers).includes(ctx.token));
  check(checks, !leaked, 'the local token never reached the provider (the bridge swapped in the pool key)');
  if (ctx.agent.protocol === 'anthropic') {
    check(checks, first.path.endsWith('?beta=true'), `the query string reached the provider untouched (${first.path})`);
    check(
      checks,
      typeof first.headers['anthropic-beta'] === 'string' && typeof first.headers['anthropic-version'] === 'string',
      'anthropic-beta and anthropic-version reached the provider',
    );
  } else {
    const codexHeaders = Object.keys(first.headers).filter((h) => h.startsWith('x-codex-'));
    check(checks, codexHeaders.length > 0, `Codex's own headers reached the provider (${codexHeaders.join(', ')})`);
    const body = first.body as { store?: unknown; include?: unknown } | undefined;
    check(checks, body?.store === false && Array.isArray(body.include), 'the Responses body (store:false, include) reached the provider as sent');
  }
}

// ---------------------------------------------------------------------------

/** (1) One plain turn through the bridge. */
const plainTurn: AgentCase = {
  id: 'plain',
  title: 'a plain turn',
  async run(ctx) {
    return withFreshBridge(ctx, 'plain', [], async ({ dirs, bridge, saw, checks }) => {
      ctx.fake.reset();
      const answer = `pong KB-PLAIN-${randomBytes(4).toString('hex')}`;
      ctx.fake.setResponder(() => ({ text: answer }));
      const t0 = Date.now();
      const run = await runTurns(ctx, dirs, bridgeUrls(bridge), 'Reply with the single word pong.');
      const entries = modelRequests(ctx.fake);
      saw.push(...agentLines(run), ...timeline(ctx, bridge, entries, t0));
      agentFinished(checks, run);
      check(checks, run.outcome.text.includes(answer), `the agent printed the provider's answer ${quote(answer)}`);
      check(
        checks,
        entries.length >= 1 && entries.every((e) => keyIdOf(ctx, e.key) === 'k1' && e.status === 200),
        'every model request reached the provider on pool key k1 and got 200',
      );
      check(
        checks,
        entries.some((e) => e.stream),
        'the turn was streamed',
      );
      protocolHeadersChecks(ctx, checks, entries);
      if (ctx.agent.id === 'claude-code') {
        // A VS Code terminal carries ANTHROPIC_API_KEY too (for other clients): Claude Code asks about it, and
        // the preselected "No" must still leave it working, on the bearer token.
        const env = { ...ctx.agent.connectedCommand(ctx.binary, dirs, '', {}).env, ...agentEnvironment({ baseUrls: bridgeUrls(bridge), token: ctx.token }) };
        await interactiveClaude(
          ctx,
          dirs,
          bridge,
          { saw, checks },
          { label: 'interactive, in a VS Code terminal’s variables, Enter on the API-key question', env, mustNotAsk: false },
        );
      }
    });
  },
};

/** Answers with tool calls until `files` have all been read back, then quotes what came back. */
export function toolResponder(
  ctx: CaseContext,
  dirs: RunDirs,
  files: Array<{ path: string; nonce: string }>,
  onTurn?: (turn: number) => Partial<Reply> | undefined,
  outputsOf: (body: unknown) => string[] = (body) => ctx.agent.toolOutputs(body),
): (body: unknown) => Reply {
  return (body) => {
    const outputs = outputsOf(body);
    const turn = outputs.length;
    const extra = onTurn?.(turn) ?? {};
    if (turn < files.length) return { ...extra, toolCall: { name: ctx.agent.toolName, arguments: ctx.agent.readFileCall(must(files[turn]).path, dirs) } };
    const joined = outputs.join('\n');
    const found = files.map((f) => (joined.includes(f.nonce) ? f.nonce : 'MISSING'));
    return { ...extra, text: `The files say: ${found.join(' and ')}.` };
  };
}

export function writeNonceFiles(dirs: RunDirs, count: number): Array<{ path: string; nonce: string }> {
  const files = [];
  for (let i = 1; i <= count; i++) {
    const nonce = `KB-TOOL-${i}-${randomBytes(4).toString('hex')}`;
    const path = join(dirs.work, `note${i}.txt`);
    writeFileSync(path, `${nonce}\n`);
    files.push({ path, nonce });
  }
  return files;
}

/** (2) A tool call round trip: the fake asks for a tool call, the agent runs it and sends the output back. */
const toolRoundTrip: AgentCase = {
  id: 'tool',
  title: 'a tool-call round trip',
  async run(ctx) {
    return withFreshBridge(ctx, 'tool', [], async ({ dirs, bridge, saw, checks }) => {
      ctx.fake.reset();
      const files = writeNonceFiles(dirs, 1);
      const respond = toolResponder(ctx, dirs, files);
      ctx.fake.setResponder((req) => respond(req.body));
      const t0 = Date.now();
      const run = await runTurns(ctx, dirs, bridgeUrls(bridge), 'Read note1.txt and tell me what it says.');
      const entries = modelRequests(ctx.fake);
      saw.push(...agentLines(run), ...timeline(ctx, bridge, entries, t0));
      const outputs = entries.map((e) => ctx.agent.toolOutputs(e.body));
      const carrying = outputs.findIndex((o) => o.some((text) => text.includes(must(files[0]).nonce)));
      if (carrying >= 0) saw.push(`tool output sent back in request ${carrying + 1}: ${quote(must(outputs[carrying]).join(' | '))}`);
      agentFinished(checks, run);
      check(checks, entries.length >= 2, `${entries.length} model requests: the tool call, then its result`);
      check(checks, carrying >= 1, `the agent ran ${ctx.agent.toolName} and sent the file's content back to the model`);
      check(checks, run.outcome.text.includes(must(files[0]).nonce), `the final answer quotes the tool output ${quote(must(files[0]).nonce)}`);
      check(
        checks,
        entries.every((e) => e.status === 200),
        'every model request got 200',
      );
    });
  },
};

export function rateLimitFault(protocol: 'openai' | 'anthropic', seconds: number): Fault {
  const reset = new Date(Date.now() + seconds * 1000).toISOString();
  const headers: Record<string, string> =
    protocol === 'openai'
      ? {
          'retry-after': String(seconds),
          'x-ratelimit-limit-requests': '500',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${seconds}s`,
        }
      : {
          'retry-after': String(seconds),
          'anthropic-ratelimit-requests-limit': '50',
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': reset,
        };
  return { kind: 'rateLimit', headers };
}

function marksOf(bridge: BridgeProcess, pool: string, key: string): KeyMark[] {
  return bridge.keyMarks().filter((m) => m.pool === pool && m.key === key);
}

/**
 * (3) The session's key is rate-limited, then revoked, between turns. Three model
 * turns: turn 1 on k1; before turn 2, k1 starts answering 429 (Retry-After 1 s)
 * and is revoked right behind it (401 from then on), so turn 2 lands on k2. Turn 2
 * streams for ~2 s, long enough for k1's cooldown to pass, and k2 is rate-limited
 * before turn 3: turn 3 hits k2's 429, meets the cooled-down k1's 401, and ends on k3.
 */
const keyRevokedBetweenTurns: AgentCase = {
  id: 'revoked',
  title: "the session's key rate-limited, then revoked, between turns",
  async run(ctx) {
    return withFreshBridge(ctx, 'revoked', [], async ({ dirs, bridge, saw, checks }) => {
      const pool = POOL_OF[ctx.agent.protocol];
      const [k1, k2] = [ctx.secrets[ctx.agent.protocol].k1, ctx.secrets[ctx.agent.protocol].k2];
      ctx.fake.reset();
      const files = writeNonceFiles(dirs, 2);
      const armed = new Set<number>();
      const respond = toolResponder(ctx, dirs, files, (turn) => {
        if (armed.has(turn)) return undefined;
        armed.add(turn);
        if (turn === 0) {
          // Between turns 1 and 2: rate-limited, then revoked.
          ctx.fake.fault(k1, rateLimitFault(ctx.agent.protocol, 1));
          ctx.fake.always(k1, { kind: 'invalidKey' });
        } else if (turn === 1) {
          ctx.fake.fault(k2, rateLimitFault(ctx.agent.protocol, 60));
          return { events: 6, gapMs: 350 };
        }
        return undefined;
      });
      ctx.fake.setResponder((req) => respond(req.body));
      const t0 = Date.now();
      const run = await runTurns(ctx, dirs, bridgeUrls(bridge), 'Read note1.txt, then note2.txt, and tell me what they say.');
      const entries = modelRequests(ctx.fake);
      const status = await bridge.status();
      const k1Status = status.pools.find((p) => p.id === pool)?.keys.find((k) => k.id === 'k1');
      saw.push(
        ...agentLines(run),
        ...timeline(ctx, bridge, entries, t0),
        `status API: k1 is ${k1Status?.state ?? 'missing'}${k1Status?.reason ? ` (${k1Status.reason})` : ''}`,
      );

      agentFinished(checks, run);
      check(
        checks,
        run.outcome.text.includes(must(files[0]).nonce) && run.outcome.text.includes(must(files[1]).nonce),
        'the final answer quotes both tool outputs: all three turns completed',
      );
      const first = entries.at(0);
      check(checks, first !== undefined && first.key === k1 && first.status === 200, 'the session started on k1');
      const k1Entries = entries.filter((e) => e.key === k1);
      const k1Limited = k1Entries.find((e) => e.status === 429);
      const cooling = marksOf(bridge, pool, 'k1').find((m) => m.to === 'cooling');
      const invalid = marksOf(bridge, pool, 'k1').find((m) => m.to === 'invalid');
      check(checks, k1Limited !== undefined && cooling !== undefined, 'k1 answered 429 and the bridge marked it cooling');
      if (cooling) {
        // The 429 cools k1 for the model it was answered for; a request for another model may use k1.
        const during = k1Entries.filter((e) => e.startedAt > cooling.at && e.startedAt < cooling.at + 1000 && e.model === k1Limited?.model);
        check(checks, during.length === 0, 'no request reached k1 during its 1 s cooldown');
      }
      const turn2 = entries.find((e) => e.key !== k1 && e.status === 200 && ctx.agent.toolOutputs(e.body).length === 1);
      check(checks, turn2 !== undefined && turn2.key === k2, `turn 2 completed on another key (${turn2 ? keyIdOf(ctx, turn2.key) : 'none'})`);
      check(
        checks,
        k1Entries.some((e) => e.status === 401) && invalid !== undefined,
        'after its cooldown k1 answered 401 (revoked) and the bridge marked it invalid',
      );
      if (invalid) {
        const after = k1Entries.filter((e) => e.startedAt > invalid.at);
        check(checks, after.length === 0, `no request reached the revoked key after it was marked (${after.length} after ${rel(invalid.at, t0)})`);
      }
      check(checks, k1Status?.state === 'invalid', 'the status API shows k1 invalid');
      const turn3 = entries.find((e) => e.status === 200 && ctx.agent.toolOutputs(e.body).length === 2);
      check(checks, turn3 !== undefined && turn3.key !== k1, `turn 3 completed on another key (${turn3 ? keyIdOf(ctx, turn3.key) : 'none'})`);
      const agentSaw = bridge.requests().filter((r) => r.method === 'POST');
      check(
        checks,
        agentSaw.length >= 3 && agentSaw.every((r) => r.status === 200),
        `the agent got 200 on every turn (${agentSaw.map((r) => r.status).join(', ')}): the failures stayed inside the bridge`,
      );
    });
  },
};

const RETRY_AFTER_S = 5;
const AGENT_RETRIES = 2;

function headerText(headers: TappedResponse['headers'], names: string[]): string {
  return names.map((n) => `${n}: ${String(headers[n])}`).join(', ');
}

/**
 * (4) Every key rate-limited: the agent must receive a 429 with Retry-After and the
 * provider's rate-limit headers, and must not spin. The agent's own retry budget is
 * set to 2 so that the run ends by itself; a relay records what the agent received.
 */
const allKeysRateLimited: AgentCase = {
  id: 'all-limited',
  title: 'every key rate-limited',
  async run(ctx) {
    return withFreshBridge(ctx, 'limited', [], async ({ dirs, bridge, saw, checks }) => {
      const tap = new ResponseTap(bridge.url);
      await tap.listen();
      try {
        ctx.fake.reset();
        ctx.fake.always('*', rateLimitFault(ctx.agent.protocol, RETRY_AFTER_S));
        ctx.fake.setResponder(() => ({ text: 'should never be produced' }));
        const t0 = Date.now();
        const run = await runTurns(
          ctx,
          dirs,
          { openai: `${tap.url}/openai/v1`, anthropic: `${tap.url}/anthropic`, gemini: `${tap.url}/gemini` },
          'Reply with the single word pong.',
          AGENT_RETRIES,
        );
        const entries = modelRequests(ctx.fake);
        const received = tap.seen.filter((r) => r.method === 'POST');
        const limitPrefix = ctx.agent.protocol === 'openai' ? 'x-ratelimit-' : 'anthropic-ratelimit-';
        const got = received.map((r) => {
          const limits = Object.keys(r.headers).filter((h) => h.startsWith(limitPrefix));
          return {
            at: r.at,
            text: `agent    sent ${r.method} ${r.path}, got ${r.status} — ${headerText(r.headers, ['retry-after', 'retry-after-ms', ...limits])}`,
          };
        });
        saw.push(...agentLines(run), ...timeline(ctx, bridge, entries, t0, got));

        const secs = (run.result.ms / 1000).toFixed(1);
        check(
          checks,
          !run.result.timedOut,
          run.result.timedOut
            ? `the agent was still retrying at the ${secs} s time limit`
            : `the agent gave up by itself after ${secs} s (limit ${ctx.agentTimeoutMs / 1000} s)`,
        );
        check(checks, run.outcome.error !== undefined && /429|rate|limit/i.test(run.outcome.error), 'the agent reported the rate limit');
        check(
          checks,
          received.length >= 1 && received.every((r) => r.status === 429),
          `every answer the agent received was a 429 (${received.map((r) => r.status).join(', ')})`,
        );
        const retryAfterOk = received.every((r) => Number(r.headers['retry-after']) >= 1 && r.headers['retry-after-ms'] !== undefined);
        check(checks, received.length > 0 && retryAfterOk, 'each 429 carried Retry-After (seconds) and retry-after-ms');
        const remaining = ctx.agent.protocol === 'openai' ? 'x-ratelimit-remaining-requests' : 'anthropic-ratelimit-requests-remaining';
        const limitsOk = received.every((r) => r.headers[remaining] === '0');
        check(checks, received.length > 0 && limitsOk, `each 429 carried the provider's ${limitPrefix}* headers`);
        check(checks, received.length <= 1 + AGENT_RETRIES, `the agent sent ${received.length} request(s): at most 1 + its ${AGENT_RETRIES} retries`);
        const gaps = received.slice(1).map((r, i) => r.at - must(received[i]).at);
        const minGap = (RETRY_AFTER_S - 1) * 1000;
        check(
          checks,
          gaps.every((g) => g >= minGap),
          `the agent waited between tries (${gaps.map((g) => `${(g / 1000).toFixed(1)} s`).join(', ') || 'no retry'}; Retry-After was ${RETRY_AFTER_S} s)`,
        );
        check(
          checks,
          entries.length <= KEY_IDS.length * Math.max(1, received.length),
          `the bridge did not multiply the traffic: ${entries.length} provider request(s) for ${received.length} agent request(s) and ${KEY_IDS.length} keys`,
        );
      } finally {
        await tap.close();
      }
    });
  },
};

/** Tool outputs carried back in a body of the other protocol: Chat `tool` messages, Anthropic `tool_result` blocks. */
export function translatedToolOutputs(body: unknown): string[] {
  const messages = (body as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return [];
  const out: string[] = [];
  for (const message of messages as Array<{ role?: unknown; content?: unknown }>) {
    if (message.role === 'tool') out.push(typeof message.content === 'string' ? message.content : JSON.stringify(message.content));
    if (message.role !== 'user' || !Array.isArray(message.content)) continue;
    for (const block of message.content as Array<{ type?: unknown; content?: unknown }>) {
      if (block.type === 'tool_result') out.push(typeof block.content === 'string' ? block.content : JSON.stringify(block.content));
    }
  }
  return out;
}

const FALLBACK_MODEL = 'kb-translated-fallback';

/**
 * (5) Only a pool of the other protocol is healthy: every key of the agent's own protocol is rate-limited for
 * a minute, and the route falls back to the other pool, translated. A plain turn, then a tool round trip,
 * complete as if nothing happened; the provider sees valid requests of its own protocol (the fake is strict).
 */
const translatedFallback: AgentCase = {
  id: 'translated',
  title: 'only a pool of the other protocol healthy (translated fallback)',
  async run(ctx) {
    const own = ctx.agent.protocol;
    const other = OTHER[own];
    const routes = [{ protocol: own, match: '*', targets: [{ pool: POOL_OF[own] }, { pool: POOL_OF[other], model: FALLBACK_MODEL }] }];
    return withFreshBridge(ctx, 'translated', routes, async ({ dirs, bridge, saw, checks }) => {
      const strict = ctx.fake.options.strictRequests;
      try {
        ctx.fake.reset();
        ctx.fake.options.strictRequests = true;
        for (const id of KEY_IDS) ctx.fake.always(ctx.secrets[own][id], rateLimitFault(own, 60));
        const answer = `pong KB-TRANSLATED-${randomBytes(4).toString('hex')}`;
        ctx.fake.setResponder(() => ({ text: answer }));
        const t0 = Date.now();
        const plain = await runTurns(ctx, dirs, bridgeUrls(bridge), 'Reply with the single word pong.');
        const plainEntries = modelRequests(ctx.fake);
        saw.push('plain turn:', ...agentLines(plain), ...timeline(ctx, bridge, plainEntries, t0));
        agentFinished(checks, plain);
        check(checks, plain.outcome.text.includes(answer), `the agent printed the other provider's answer ${quote(answer)}`);
        const translated = plainEntries.filter((e) => e.protocol === other);
        const otherPath = other === 'openai' ? '/chat/completions' : '/v1/messages';
        check(
          checks,
          translated.length >= 1 && translated.every((e) => e.path.endsWith(otherPath) && e.model === FALLBACK_MODEL && e.status === 200),
          `the turn reached the ${other} pool as ${otherPath} for ${FALLBACK_MODEL} and got 200 (strict request rules on)`,
        );
        check(
          checks,
          translated.some((e) => e.stream),
          'the translated turn was streamed',
        );

        ctx.fake.reset();
        for (const id of KEY_IDS) ctx.fake.always(ctx.secrets[own][id], rateLimitFault(own, 60));
        const files = writeNonceFiles(dirs, 1);
        const respond = toolResponder(ctx, dirs, files, undefined, translatedToolOutputs);
        ctx.fake.setResponder((req) => respond(req.body));
        const t1 = Date.now();
        const tool = await runTurns(ctx, dirs, bridgeUrls(bridge), 'Read note1.txt and tell me what it says.');
        const toolEntries = modelRequests(ctx.fake).filter((e) => e.protocol === other);
        saw.push('tool round trip:', ...agentLines(tool), ...timeline(ctx, bridge, toolEntries, t1));
        agentFinished(checks, tool);
        const carrying = toolEntries.findIndex((e) => translatedToolOutputs(e.body).some((text) => text.includes(must(files[0]).nonce)));
        check(checks, carrying >= 1, `the agent ran ${ctx.agent.toolName} on the translated tool call and its output reached the ${other} pool`);
        check(checks, tool.outcome.text.includes(must(files[0]).nonce), `the final answer quotes the tool output ${quote(must(files[0]).nonce)}`);
        check(
          checks,
          toolEntries.length >= 2 && toolEntries.every((e) => e.status === 200),
          `every translated request got 200 (${toolEntries.map((e) => e.status).join(', ')})`,
        );
        const agentSaw = bridge.requests().filter((r) => r.method === 'POST');
        check(
          checks,
          agentSaw.length >= 3 && agentSaw.every((r) => r.status === 200),
          `the agent got 200 on every turn (${agentSaw.map((r) => r.status).join(', ')})`,
        );
      } finally {
        ctx.fake.options.strictRequests = strict;
      }
    });
  },
};

/** A file of the user's own that Connect Agents must leave as it was: written before Connect, compared after Disconnect. */
const USER_FILES = {
  'claude-code': { path: ['.claude', 'settings.json'], text: '{\n  "cleanupPeriodDays": 30,\n  "env": {\n    "DISABLE_TELEMETRY": "1"\n  }\n}\n' },
  codex: { path: ['.codex', 'config.toml'], text: '# my own settings\nmodel_reasoning_effort = "low"\n\n[analytics]\nenabled = false\n' },
} as const;

/**
 * Claude Code as a user starts it, in a terminal (a pseudo-terminal), typing a prompt. Its own first-run
 * screens (theme, folder trust) are marked done in ~/.claude.json, as after a user's first start. It asks
 * before it uses an ANTHROPIC_API_KEY from its environment ("Detected a custom API key…", with "No"
 * preselected); `mustNotAsk` holds it to never asking (Connect Agents writes ANTHROPIC_AUTH_TOKEN), and
 * otherwise Enter answers the question, as a user in a hurry does.
 */
async function interactiveClaude(
  ctx: CaseContext,
  dirs: RunDirs,
  bridge: BridgeProcess,
  report: { saw: string[]; checks: Check[] },
  how: { label: string; env: NodeJS.ProcessEnv; mustNotAsk: boolean },
): Promise<void> {
  const state = join(dirs.home, '.claude.json');
  const previous = existsSync(state) ? (JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>) : {};
  const projects = { ...(previous.projects as Record<string, unknown> | undefined), [dirs.work]: { hasTrustDialogAccepted: true } };
  writeFileSync(state, JSON.stringify({ ...previous, hasCompletedOnboarding: true, theme: 'dark', projects }));
  ctx.fake.reset();
  const answer = `pong KB-INTERACTIVE-${randomBytes(4).toString('hex')}`;
  ctx.fake.setResponder(() => ({ text: answer }));
  const asked = 'DetectedacustomAPIkey';
  const shown = answer.replace(/\s+/g, '');
  const run = await runInTerminal({
    command: ctx.binary,
    args: [],
    cwd: dirs.work,
    env: { ...how.env, TERM: 'xterm-256color' },
    timeoutMs: Math.min(ctx.agentTimeoutMs, 60_000),
    input: 'Reply with the single word pong.',
    // Enter takes the preselected answer, "No (recommended)", as a user in a hurry does.
    answer: how.mustNotAsk ? undefined : { shown: asked, keys: '\r' },
    done: (screen) => screen.includes(shown) || (how.mustNotAsk && screen.includes(asked)),
  });
  const entries = modelRequests(ctx.fake).filter((e) => e.endpoint === 'messages');
  const wasAsked = run.screen.includes(asked);
  report.saw.push(
    `${how.label}: ${run.timedOut ? 'KILLED at the time limit' : 'ended'} after ${(run.ms / 1000).toFixed(1)} s; asked about an API key: ${wasAsked ? 'yes' : 'no'}; the screen ends ${quote(maskToken(run.screen.slice(-200), ctx.token), 200)}`,
    ...timeline(ctx, bridge, entries, run.startedAt),
  );
  if (how.mustNotAsk) check(report.checks, !wasAsked, `${how.label}: Claude Code did not ask whether to use "a custom API key"`);
  check(report.checks, run.screen.includes(shown), `${how.label}: the provider's answer ${quote(answer)} appeared on the screen`);
  check(
    report.checks,
    entries.length >= 1 && entries.every((e) => keyIdOf(ctx, e.key) === 'k1' && e.status === 200),
    `${how.label}: every model request went through the bridge to pool key k1 and got 200`,
  );
}

/**
 * (6) The agent started with nothing of KeyBridge in its environment (no ANTHROPIC_*, OPENAI_*, KEYBRIDGE_*,
 * no CODEX_HOME): only what Connect Agents wrote into its HOME, by the same module the command uses
 * (src/core/agents/agentFiles.ts), beside a file of the user's own. Codex runs twice: with
 * `--profile keybridge`, then with keybridge made the default provider. Disconnect then gives the user's
 * file back byte for byte and removes the file Connect created.
 */
const connectedByConnectAgents: AgentCase = {
  id: 'connected',
  title: 'started with only what Connect Agents wrote',
  async run(ctx) {
    return withFreshBridge(ctx, 'connected', [], async ({ dirs, bridge, saw, checks }) => {
      const user = USER_FILES[ctx.agent.id];
      const userPath = join(dirs.home, ...user.path);
      mkdirSync(join(dirs.home, user.path[0]), { recursive: true });
      writeFileSync(userPath, user.text);
      const connectCtx = { baseUrls: bridgeUrls(bridge), token: ctx.token, home: dirs.home };
      const targets: FileTargetId[] = ctx.agent.id === 'claude-code' ? ['claude-settings'] : ['codex-provider', 'codex-profile'];
      const connected: ConnectedFile[] = targets.map((t) => connectFile(t, connectCtx));
      for (const c of connected)
        saw.push(`Connect Agents wrote ${c.record.path.slice(dirs.home.length + 1)}: ${quote(c.lines.join(' | ').split(ctx.token).join('<token>'), 300)}`);

      const runs: Array<{ label: string; profile: boolean }> =
        ctx.agent.id === 'codex'
          ? [
              { label: '--profile keybridge', profile: true },
              { label: 'default provider', profile: false },
            ]
          : [{ label: 'settings.json', profile: false }];
      for (const { label, profile } of runs) {
        if (ctx.agent.id === 'codex' && !profile) connected.push(connectFile('codex-default', connectCtx));
        ctx.fake.reset();
        const answer = `pong KB-CONNECTED-${randomBytes(4).toString('hex')}`;
        ctx.fake.setResponder(() => ({ text: answer }));
        const t0 = Date.now();
        const cmd = ctx.agent.connectedCommand(ctx.binary, dirs, 'Reply with the single word pong.', { profile });
        const leaked = Object.keys(cmd.env).filter((k) => /^(ANTHROPIC_|OPENAI_|KEYBRIDGE_|CODEX_HOME)/.test(k));
        const result = await runAgent({ ...cmd, cwd: dirs.work, timeoutMs: ctx.agentTimeoutMs });
        const run: AgentRun = { result, outcome: ctx.agent.outcome(result, dirs), settings: cmd.settings };
        const entries = modelRequests(ctx.fake);
        saw.push(`${label}:`, ...agentLines(run), ...timeline(ctx, bridge, entries, t0));
        check(checks, leaked.length === 0, `${label}: the agent's environment has no KeyBridge variable (${leaked.join(', ') || 'none'})`);
        agentFinished(checks, run);
        check(checks, run.outcome.text.includes(answer), `${label}: the agent printed the provider's answer ${quote(answer)}`);
        check(
          checks,
          entries.length >= 1 && entries.every((e) => keyIdOf(ctx, e.key) === 'k1' && e.status === 200),
          `${label}: every model request went through the bridge to pool key k1 and got 200`,
        );
        protocolHeadersChecks(ctx, checks, entries);
      }

      if (ctx.agent.id === 'claude-code') {
        const env = ctx.agent.connectedCommand(ctx.binary, dirs, '', {}).env;
        await interactiveClaude(ctx, dirs, bridge, { saw, checks }, { label: 'interactive, only settings.json', env, mustNotAsk: true });
      }

      for (const c of [...connected].reverse()) saw.push(`Disconnect: ${c.record.path.slice(dirs.home.length + 1)} ${disconnectFile(c.record, c.previous)}`);
      check(checks, readFileSync(userPath, 'utf8') === user.text, `Disconnect gave ${user.path.join('/')} back byte for byte`);
      const created = connected.filter((c) => c.record.createdFile).map((c) => c.record.path);
      check(
        checks,
        created.every((p) => !existsSync(p)),
        `Disconnect removed the file(s) Connect created (${created.map((p) => p.slice(dirs.home.length + 1)).join(', ') || 'none'})`,
      );
    });
  },
};

export const AGENT_CASES: readonly AgentCase[] = [
  plainTurn,
  toolRoundTrip,
  keyRevokedBetweenTurns,
  allKeysRateLimited,
  translatedFallback,
  connectedByConnectAgents,
];
