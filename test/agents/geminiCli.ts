import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { FakeProvider, LedgerEntry, Reply } from '../fakeProvider/fakeProvider';
import { check, KEY_IDS, quote, translatedToolOutputs, withFreshBridge, writeNonceFiles, type CaseContext, type CaseReport, type Check } from './agentCases';
import type { RunDirs } from './agentDrivers';
import type { BridgeProcess } from './bridgeProcess';
import { runAgent, type AgentRunResult } from './processes';
import { ResponseTap } from './responseTap';

/**
 * Gemini CLI (`@google/gemini-cli`, a Node program) run headless: `gemini -p PROMPT -m MODEL --output-format json`
 * with stdin closed, a clean HOME whose `~/.gemini/settings.json` picks API-key auth and turns usage statistics,
 * telemetry and update checks off, GEMINI_CLI_TRUST_WORKSPACE for the temp folder, GEMINI_API_KEY and
 * GOOGLE_GEMINI_BASE_URL. Where strace is installed the run is traced, and every socket it connected is listed:
 * the check is that none left loopback.
 */

type KeyId = (typeof KEY_IDS)[number];

interface GeminiCaseContext extends Omit<CaseContext, 'agent' | 'binary'> {
  /** Gemini CLI's entry script (run with this Node). */
  script: string;
  /** The Gemini pool's keys, as the fake provider sees them. */
  geminiSecrets: Record<KeyId, string>;
}

export interface GeminiCase {
  id: string;
  title: string;
  run(ctx: GeminiCaseContext): Promise<CaseReport>;
}

const AGENT = { id: 'gemini-cli' } as const;
export const POOL = 'ge';
const MODEL = 'gemini-2.5-pro';
/** The model of the tool cases: Gemini 3 signs its calls, and the strict fake checks they come back signed. */
const SIGNING_MODEL = 'gemini-3-pro-preview';

const keyEnv = (id: KeyId): string => `KB_AGENTS_GE_${id.toUpperCase()}`;

export function makeGeminiSecrets(): Record<KeyId, string> {
  return Object.fromEntries(KEY_IDS.map((id) => [id, `test-key-gemini-${id}-${randomBytes(12).toString('hex')}`])) as Record<KeyId, string>;
}

/** The Gemini pool beside the bridge's `oa` and `an` pools: the native API of the fake provider. */
export function geminiPool(ctx: GeminiCaseContext, baseUrl = ctx.fake.geminiBaseUrl): { pools: unknown[]; env: Record<string, string> } {
  return {
    pools: [{ id: POOL, protocol: 'gemini', preset: 'gemini-native', baseUrl, strategy: 'fill-first', keys: KEY_IDS.map((id) => ({ id, env: keyEnv(id) })) }],
    env: Object.fromEntries(KEY_IDS.map((id) => [keyEnv(id), ctx.geminiSecrets[id]])),
  };
}

/** The settings a user of an API key has, with everything that would phone home turned off. */
function writeSettings(home: string, maxAttempts?: number): string {
  const general: Record<string, unknown> = { enableAutoUpdate: false, enableAutoUpdateNotification: false };
  if (maxAttempts !== undefined) general.maxAttempts = maxAttempts;
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' } },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    general,
  };
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(join(home, '.gemini', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  return JSON.stringify(settings);
}

function findStrace(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'strace');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const STRACE = findStrace();

interface GeminiRun {
  result: AgentRunResult;
  /** The final answer (`response` of the JSON output). */
  text: string;
  /** The error the CLI reported (its JSON `error`, else its last words on stderr). */
  error: string | undefined;
  settings: string;
  /** Every address it connected a socket to; undefined when strace is not installed. */
  connections: string[] | undefined;
}

/** `connect(…, {sa_family=AF_INET, sin_port=htons(P), sin_addr=inet_addr("A")}…` → `A:P` (AF_INET6 likewise). */
function connectionsIn(trace: string): string[] {
  const out = new Set<string>();
  for (const line of trace.split('\n')) {
    if (!line.includes('connect(') || line.includes('AF_UNIX')) continue;
    const port = /sin6?_port=htons\((\d+)\)/.exec(line)?.[1] ?? '?';
    const v4 = /inet_addr\("([^"]+)"\)/.exec(line)?.[1];
    const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(line)?.[1];
    if (v4 !== undefined || v6 !== undefined) out.add(`${v4 ?? `[${v6 ?? ''}]`}:${port}`);
  }
  return [...out];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|\[::ffff:127\.\d+\.\d+\.\d+\]):/;

/** A field of JSON the CLI or the API printed, as text: a string as it is, anything else as JSON. */
const shown = (value: unknown, missing: string): string =>
  value === undefined || value === null ? missing : typeof value === 'string' ? value : JSON.stringify(value);

type GeminiOutput = { response?: unknown; error?: { message?: unknown; type?: unknown; code?: unknown } };

/**
 * The JSON `--output-format json` prints: on stdout after an answer, on stderr (after its log lines and the
 * stack) when the run failed. The last object that starts a line is it.
 */
export function parseOutput(text: string): GeminiOutput | undefined {
  const starts = [...text.matchAll(/^\{/gm)].map((m) => m.index);
  for (const start of starts.reverse()) {
    try {
      return JSON.parse(text.slice(start)) as GeminiOutput;
    } catch {
      // a brace that does not start the whole rest
    }
  }
  return undefined;
}

async function runGemini(
  ctx: GeminiCaseContext,
  dirs: RunDirs,
  baseUrl: string,
  key: string,
  prompt: string,
  options: { model?: string; maxAttempts?: number } = {},
): Promise<GeminiRun> {
  const settings = writeSettings(dirs.home, options.maxAttempts);
  const tmp = join(dirs.root, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dirs.home,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    // Its error reports go to the temp folder: this run's, removed with it.
    TMPDIR: tmp,
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    GEMINI_API_KEY: key,
    GOOGLE_GEMINI_BASE_URL: baseUrl,
  };
  const gemini = [process.execPath, ctx.script, '-p', prompt, '-m', options.model ?? MODEL, '--output-format', 'json'];
  const trace = join(dirs.root, 'connect.trace');
  const [command, ...args] = STRACE ? [STRACE, '-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect', '-o', trace, ...gemini] : gemini;
  const result = await runAgent({ command, args, cwd: dirs.work, env, timeoutMs: ctx.agentTimeoutMs });
  const output = parseOutput(result.stdout) ?? parseOutput(result.stderr);
  const text = typeof output?.response === 'string' ? output.response : '';
  let error: string | undefined;
  if (output?.error) error = `${shown(output.error.type, 'error')}: ${shown(output.error.message, '')}`;
  else if (result.code !== 0 || result.timedOut) error = result.stderr.trim().split('\n').slice(-3).join(' ').slice(-400) || `exit ${result.code}`;
  const connections = STRACE && existsSync(trace) ? connectionsIn(readFileSync(trace, 'utf8')) : undefined;
  return {
    result,
    text,
    error,
    settings: `GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL=${baseUrl}, GEMINI_CLI_TRUST_WORKSPACE=true; ~/.gemini/settings.json ${settings}`,
    connections,
  };
}

function runLines(run: GeminiRun, token: string): string[] {
  const how = run.result.timedOut ? 'KILLED at the time limit' : `exit ${run.result.code ?? run.result.signal}`;
  const lines = [`settings: ${run.settings}`, `gemini ${how} after ${(run.result.ms / 1000).toFixed(1)} s; final answer ${quote(run.text)}`];
  if (run.error) lines.push(`gemini reported ${quote(run.error.split(token).join('<token>'), 400)}`);
  lines.push(
    run.connections ? `sockets it connected: ${run.connections.join(', ') || 'none'}` : 'sockets it connected: not traced (no strace on this machine)',
  );
  return lines;
}

function finished(checks: Check[], run: GeminiRun): void {
  check(checks, !run.result.timedOut && run.result.code === 0 && !run.error, 'Gemini CLI finished on its own with exit 0 and no error');
}

/** Only where the trace ran: that is the check; without strace the run says it was not traced. */
function loopbackOnly(checks: Check[], run: GeminiRun): void {
  if (!run.connections) return;
  const away = run.connections.filter((c) => !LOOPBACK.test(c));
  check(
    checks,
    run.connections.length > 0 && away.length === 0,
    `every socket Gemini CLI connected was on loopback (${away.length ? `also ${away.join(', ')}` : `${run.connections.length} address(es)`})`,
  );
}

/** Model turns the fake received (not model lists or token counts). */
export function turns(fake: FakeProvider, protocol?: LedgerEntry['protocol']): LedgerEntry[] {
  const model = new Set<LedgerEntry['endpoint']>(['generate_content', 'messages', 'chat', 'responses']);
  return fake.ledger.filter((e) => model.has(e.endpoint) && (protocol === undefined || e.protocol === protocol));
}

/** The outputs of the function calls a Gemini request carries back (`functionResponse` parts). */
function geminiToolOutputs(body: unknown): string[] {
  const contents = (body as { contents?: unknown }).contents;
  if (!Array.isArray(contents)) return [];
  const out: string[] = [];
  for (const content of contents as Array<{ parts?: unknown }>) {
    if (!Array.isArray(content.parts)) continue;
    for (const part of content.parts as Array<{ functionResponse?: { response?: unknown } }>) {
      if (part.functionResponse) out.push(JSON.stringify(part.functionResponse.response ?? null));
    }
  }
  return out;
}

/** Asks for read_file on each file in turn, then quotes what came back. */
function readFiles(
  files: Array<{ path: string; nonce: string }>,
  outputsOf: (body: unknown) => string[],
  onTurn?: (turn: number) => Partial<Reply> | undefined,
): (body: unknown) => Reply {
  return (body) => {
    const outputs = outputsOf(body);
    const turn = outputs.length;
    const extra = onTurn?.(turn) ?? {};
    const file = files.at(turn);
    if (file) return { ...extra, toolCall: { name: 'read_file', arguments: { file_path: file.path } } };
    const joined = outputs.join('\n');
    return { ...extra, text: `The files say: ${files.map((f) => (joined.includes(f.nonce) ? f.nonce : 'MISSING')).join(' and ')}.` };
  };
}

function keyName(ctx: GeminiCaseContext, secret: string | undefined): string {
  for (const id of KEY_IDS) if (ctx.geminiSecrets[id] === secret) return id;
  for (const protocol of ['openai', 'anthropic'] as const)
    for (const id of KEY_IDS) if (ctx.secrets[protocol][id] === secret) return `${protocol === 'openai' ? 'oa' : 'an'}/${id}`;
  if (secret === ctx.token) return 'LOCAL-TOKEN';
  return secret === undefined ? 'none' : 'other';
}

function timeline(
  ctx: GeminiCaseContext,
  bridge: BridgeProcess | undefined,
  entries: LedgerEntry[],
  t0: number,
  extra: Array<{ at: number; text: string }> = [],
): string[] {
  const items = [...extra];
  for (const m of bridge?.keyMarks() ?? [])
    items.push({ at: m.at, text: `bridge   key ${m.pool}/${m.key} ${m.from} → ${m.to}${m.reason ? `: ${m.reason}` : ''}` });
  for (const r of bridge?.requests() ?? []) items.push({ at: r.at, text: `bridge   ${r.text}` });
  for (const e of entries)
    items.push({
      at: e.startedAt,
      text: `provider ${e.method} ${e.path.replace(/([?&]key=)[^&]+/, '$1…')} key=${keyName(ctx, e.key)} → ${e.status ?? '-'}${e.fault ? ` (${e.fault})` : ''}`,
    });
  return items.sort((a, b) => a.at - b.at).map((i) => `+${((i.at - t0) / 1000).toFixed(2)}s ${i.text}`);
}

function makeDirs(caseId: string): RunDirs {
  const root = mkdtempSync(join(tmpdir(), `kb-agents-gemini-${caseId}-`));
  const dirs = { root, home: join(root, 'home'), work: join(root, 'work') };
  mkdirSync(dirs.home);
  mkdirSync(dirs.work);
  return dirs;
}

/** The bridge's Gemini base URL: where GOOGLE_GEMINI_BASE_URL points. */
const geminiBase = (bridgeUrl: string): string => `${bridgeUrl}/gemini`;

export function withStrict<T>(fake: FakeProvider, body: () => Promise<T>): Promise<T> {
  const before = fake.options.strictRequests;
  fake.options.strictRequests = true;
  return body().finally(() => {
    fake.options.strictRequests = before;
  });
}

// ---------------------------------------------------------------------------

/**
 * (0) The driver itself: Gemini CLI pointed straight at the fake provider playing Gemini strictly (no bridge).
 * A plain turn, then a tool round trip on Gemini 3 whose signed call must come back as given.
 */
const direct: GeminiCase = {
  id: 'direct',
  title: 'straight at the strict fake Gemini (no bridge): a plain turn and a tool round trip',
  async run(ctx) {
    const report: CaseReport = { saw: [], checks: [] };
    const { saw, checks } = report;
    const dirs = makeDirs('direct');
    const key = ctx.geminiSecrets.k1;
    const base = ctx.fake.dialectBaseUrl('gemini', 'native');
    try {
      ctx.fake.reset();
      const answer = `pong KB-DIRECT-${randomBytes(4).toString('hex')}`;
      ctx.fake.setResponder(() => ({ text: answer }));
      const t0 = Date.now();
      const plain = await runGemini(ctx, dirs, base, key, 'Reply with the single word pong.');
      const plainEntries = turns(ctx.fake);
      saw.push('plain turn:', ...runLines(plain, ctx.token), ...timeline(ctx, undefined, plainEntries, t0));
      finished(checks, plain);
      check(checks, plain.text.includes(answer), `Gemini CLI printed the provider's answer ${quote(answer)}`);
      const first = plainEntries.at(0);
      check(
        checks,
        plainEntries.length >= 1 &&
          first !== undefined &&
          /^\/dialect\/gemini\/v1beta\/models\/[^:]+:streamGenerateContent\?alt=sse$/.test(first.path) &&
          first.key === key &&
          first.status === 200,
        `it streamed from ${first?.path ?? 'nowhere'} with its key in x-goog-api-key, and the strict fake took it`,
      );
      loopbackOnly(checks, plain);

      ctx.fake.reset();
      const files = writeNonceFiles(dirs, 1);
      const respond = readFiles(files, geminiToolOutputs);
      ctx.fake.setResponder((req) => respond(req.body));
      const t1 = Date.now();
      const tool = await runGemini(ctx, dirs, base, key, 'Read note1.txt and tell me what it says.', { model: SIGNING_MODEL });
      const entries = turns(ctx.fake);
      saw.push('tool round trip:', ...runLines(tool, ctx.token), ...timeline(ctx, undefined, entries, t1));
      for (const e of entries) if (e.refusal) saw.push(`refused ${e.status}: ${quote(e.refusal, 400)}`);
      finished(checks, tool);
      check(
        checks,
        entries.length >= 2 && entries.every((e) => e.status === 200),
        `${entries.length} requests, every one taken by the strict fake (${entries.map((e) => e.status).join(', ')}): the signed call came back signed`,
      );
      check(
        checks,
        entries.some((e) => geminiToolOutputs(e.body).some((o) => o.includes(files[0]?.nonce ?? '-'))),
        'Gemini CLI ran read_file and sent the file back as a functionResponse',
      );
      check(checks, tool.text.includes(files[0]?.nonce ?? '-'), `the final answer quotes the tool output ${quote(files[0]?.nonce ?? '')}`);
      loopbackOnly(checks, tool);
    } finally {
      rmSync(dirs.root, { recursive: true, force: true });
    }
    return report;
  },
};

/** Runs a case on a fresh bridge with the Gemini pool beside the others. */
function onBridge(
  ctx: GeminiCaseContext,
  caseId: string,
  routes: unknown[],
  body: (run: { dirs: RunDirs; bridge: BridgeProcess } & CaseReport) => Promise<void>,
): Promise<CaseReport> {
  return withFreshBridge({ ...ctx, agent: AGENT }, caseId, routes, body, geminiPool(ctx));
}

/** The checks every turn through the bridge answers to: the pool key, never the local token, the path as sent. */
function passedThrough(ctx: GeminiCaseContext, checks: Check[], entries: LedgerEntry[]): void {
  check(
    checks,
    entries.length > 0 && !entries.some((e) => JSON.stringify(e.headers).includes(ctx.token) || e.path.includes(ctx.token)),
    'the local token never reached the provider (the bridge sent the pool key)',
  );
  check(
    checks,
    entries.length > 0 && entries.every((e) => e.path.endsWith(':streamGenerateContent?alt=sse')),
    `each turn reached the provider as Gemini CLI sent it (${entries[0]?.path ?? 'none'})`,
  );
}

/** (1) One plain turn through the bridge. */
const plain: GeminiCase = {
  id: 'plain',
  title: 'a plain turn',
  run(ctx) {
    return onBridge(ctx, 'plain', [], async ({ dirs, bridge, saw, checks }) => {
      ctx.fake.reset();
      const answer = `pong KB-PLAIN-${randomBytes(4).toString('hex')}`;
      ctx.fake.setResponder(() => ({ text: answer }));
      const t0 = Date.now();
      const run = await runGemini(ctx, dirs, geminiBase(bridge.url), ctx.token, 'Reply with the single word pong.');
      const entries = turns(ctx.fake);
      saw.push(...runLines(run, ctx.token), ...timeline(ctx, bridge, entries, t0));
      finished(checks, run);
      check(checks, run.text.includes(answer), `Gemini CLI printed the provider's answer ${quote(answer)}`);
      check(
        checks,
        entries.length >= 1 && entries.every((e) => e.protocol === 'gemini' && e.key === ctx.geminiSecrets.k1 && e.status === 200),
        'every model request reached the Gemini pool on key k1 and got 200',
      );
      passedThrough(ctx, checks, entries);
      loopbackOnly(checks, run);
    });
  },
};

/** (2) A tool round trip on Gemini 3, the strict fake checking the call comes back with its signature. */
const tool: GeminiCase = {
  id: 'tool',
  title: 'a tool-call round trip (Gemini 3, its signature back through the bridge)',
  run(ctx) {
    return onBridge(ctx, 'tool', [], ({ dirs, bridge, saw, checks }) =>
      withStrict(ctx.fake, async () => {
        ctx.fake.reset();
        const files = writeNonceFiles(dirs, 1);
        const respond = readFiles(files, geminiToolOutputs);
        ctx.fake.setResponder((req) => respond(req.body));
        const t0 = Date.now();
        const run = await runGemini(ctx, dirs, geminiBase(bridge.url), ctx.token, 'Read note1.txt and tell me what it says.', { model: SIGNING_MODEL });
        const entries = turns(ctx.fake);
        saw.push(...runLines(run, ctx.token), ...timeline(ctx, bridge, entries, t0));
        for (const e of entries) if (e.refusal) saw.push(`refused ${e.status}: ${quote(e.refusal, 400)}`);
        finished(checks, run);
        const carrying = entries.findIndex((e) => geminiToolOutputs(e.body).some((o) => o.includes(files[0]?.nonce ?? '-')));
        check(checks, entries.length >= 2 && carrying >= 1, `${entries.length} model requests: the call, then its result (in request ${carrying + 1})`);
        check(checks, run.text.includes(files[0]?.nonce ?? '-'), `the final answer quotes the tool output ${quote(files[0]?.nonce ?? '')}`);
        check(
          checks,
          entries.every((e) => e.status === 200),
          `every request taken by the strict fake (${entries.map((e) => e.status).join(', ')}): the call came back with its thought signature`,
        );
        passedThrough(ctx, checks, entries);
      }),
    );
  },
};

/**
 * (3) The session's key revoked mid-session: turn 1 on k1, then k1 answers 400 API_KEY_INVALID from then on.
 * Turn 2 must land on k2 with nothing shown to Gemini CLI, and k1 must never be asked again.
 */
const revoked: GeminiCase = {
  id: 'revoked',
  title: "the session's key revoked mid-session",
  run(ctx) {
    return onBridge(ctx, 'revoked', [], async ({ dirs, bridge, saw, checks }) => {
      const { k1, k2 } = ctx.geminiSecrets;
      ctx.fake.reset();
      const files = writeNonceFiles(dirs, 2);
      let armed = false;
      const respond = readFiles(files, geminiToolOutputs, (turn) => {
        if (turn === 0 && !armed) {
          armed = true;
          ctx.fake.always(k1, { kind: 'invalidKey' });
        }
        return undefined;
      });
      ctx.fake.setResponder((req) => respond(req.body));
      const t0 = Date.now();
      const run = await runGemini(ctx, dirs, geminiBase(bridge.url), ctx.token, 'Read note1.txt, then note2.txt, and tell me what they say.');
      const entries = turns(ctx.fake);
      const status = await bridge.status();
      const k1Status = status.pools.find((p) => p.id === POOL)?.keys.find((k) => k.id === 'k1');
      saw.push(
        ...runLines(run, ctx.token),
        ...timeline(ctx, bridge, entries, t0),
        `status API: k1 is ${k1Status?.state ?? 'missing'}${k1Status?.reason ? ` (${k1Status.reason})` : ''}`,
      );
      finished(checks, run);
      check(
        checks,
        files.every((f) => run.text.includes(f.nonce)),
        'the final answer quotes both files: all three turns completed',
      );
      check(checks, entries[0]?.key === k1 && entries[0].status === 200, 'the session started on k1');
      const refusedAt = entries.find((e) => e.key === k1 && e.status === 400);
      const invalid = bridge.keyMarks().find((m) => m.pool === POOL && m.key === 'k1' && m.to === 'invalid');
      check(checks, refusedAt !== undefined && invalid !== undefined, 'k1 answered 400 API_KEY_INVALID and the bridge marked it invalid');
      if (invalid) check(checks, !entries.some((e) => e.key === k1 && e.startedAt > invalid.at), 'no request reached k1 after it was marked');
      const later = entries.filter((e) => e.key !== k1 && e.status === 200);
      check(
        checks,
        later.length >= 2 && later.every((e) => e.key === k2),
        `turns 2 and 3 completed on k2 (${later.map((e) => keyName(ctx, e.key)).join(', ')})`,
      );
      check(checks, k1Status?.state === 'invalid', 'the status API shows k1 invalid');
      const clientSaw = bridge.requests().filter((r) => r.method === 'POST');
      check(
        checks,
        clientSaw.length >= 3 && clientSaw.every((r) => r.status === 200),
        `Gemini CLI got 200 on every turn (${clientSaw.map((r) => r.status).join(', ')}): the failure stayed inside the bridge`,
      );
    });
  },
};

const RETRY_DELAY_S = 5;
const GEMINI_ATTEMPTS = 3;

/**
 * (4) Every key rate-limited per minute (429 RESOURCE_EXHAUSTED, RetryInfo 3 s): Gemini CLI must get the bridge's
 * own 429 in Google's shape with a RetryInfo retryDelay, and (its attempts capped at 3 in its settings) retry
 * after that delay, then give up and say so. A relay records what it received.
 */
const allLimited: GeminiCase = {
  id: 'all-limited',
  title: 'every key rate-limited',
  run(ctx) {
    return onBridge(ctx, 'limited', [], async ({ dirs, bridge, saw, checks }) => {
      const tap = new ResponseTap(bridge.url, { errorBodies: true });
      await tap.listen();
      try {
        ctx.fake.reset();
        for (const id of KEY_IDS) ctx.fake.always(ctx.geminiSecrets[id], { kind: 'rateLimit', retryDelayS: RETRY_DELAY_S });
        ctx.fake.setResponder(() => ({ text: 'should never be produced' }));
        const t0 = Date.now();
        const run = await runGemini(ctx, dirs, geminiBase(tap.url), ctx.token, 'Reply with the single word pong.', { maxAttempts: GEMINI_ATTEMPTS });
        const entries = turns(ctx.fake);
        const received = tap.seen.filter((r) => r.method === 'POST');
        const delays = received.map((r) => retryDelayOf(r.body));
        const got = received.map((r, i) => ({
          at: r.at,
          text: `gemini   sent ${r.method} ${r.path}, got ${r.status} ${statusOf(r.body)}, retryDelay ${delays[i] ?? 'none'}`,
        }));
        saw.push(...runLines(run, ctx.token), ...timeline(ctx, bridge, entries, t0, got));
        const secs = (run.result.ms / 1000).toFixed(1);
        check(
          checks,
          !run.result.timedOut,
          run.result.timedOut ? `Gemini CLI was still retrying at the ${secs} s limit` : `Gemini CLI gave up by itself after ${secs} s`,
        );
        check(checks, run.error !== undefined && /429|quota|exhausted|rate/i.test(run.error), 'Gemini CLI reported the rate limit');
        check(
          checks,
          received.length >= 1 && received.every((r) => r.status === 429 && statusOf(r.body) === 'RESOURCE_EXHAUSTED'),
          `every answer it received was a 429 RESOURCE_EXHAUSTED (${received.map((r) => r.status).join(', ')})`,
        );
        check(
          checks,
          received.length > 0 && delays.every((d) => d !== undefined && parseFloat(d) >= 1),
          `each carried google.rpc.RetryInfo with a retryDelay (${delays.join(', ')})`,
        );
        check(
          checks,
          received.length >= 2 && received.length <= GEMINI_ATTEMPTS,
          `it tried ${received.length} time(s): it retried, within the ${GEMINI_ATTEMPTS} attempts its settings allow`,
        );
        const gaps = received.slice(1).map((r, i) => r.at - (received[i]?.at ?? r.at));
        check(
          checks,
          gaps.length > 0 && gaps.every((g) => g >= (RETRY_DELAY_S - 1) * 1000),
          `it waited the retryDelay between tries (${gaps.map((g) => `${(g / 1000).toFixed(1)} s`).join(', ') || 'no retry'})`,
        );
        check(
          checks,
          entries.length <= KEY_IDS.length * Math.max(1, received.length),
          `the bridge did not multiply the traffic: ${entries.length} provider request(s) for ${received.length} from Gemini CLI`,
        );
      } finally {
        await tap.close();
      }
    });
  },
};

function errorOf(body: string | undefined): { status?: unknown; details?: Array<{ '@type'?: unknown; retryDelay?: unknown }> } | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as unknown;
    const first = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
    return (first as { error?: { status?: unknown } } | undefined)?.error;
  } catch {
    return undefined;
  }
}

const statusOf = (body: string | undefined): string => shown(errorOf(body)?.status, 'no Google error body');

function retryDelayOf(body: string | undefined): string | undefined {
  const info = errorOf(body)?.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo');
  return typeof info?.retryDelay === 'string' ? info.retryDelay : undefined;
}

const FALLBACK_MODEL = 'kb-translated-fallback';

/**
 * (5) The Gemini pool exhausted (every key rate-limited for a minute): the route falls back to the Anthropic or
 * the OpenAI pool of the strict fake, translated. Two tool round trips complete, each request valid in the
 * pool's own protocol.
 */
function translated(other: 'anthropic' | 'openai'): GeminiCase {
  const pool = other === 'anthropic' ? 'an' : 'oa';
  const name = other === 'anthropic' ? 'Anthropic' : 'OpenAI';
  return {
    id: 'translated',
    title: `Gemini pool exhausted, fallback to an ${name} pool (translated): two tool round trips`,
    run(ctx) {
      const routes = [{ protocol: 'gemini', match: '*', targets: [{ pool: POOL }, { pool, model: FALLBACK_MODEL }] }];
      return onBridge(ctx, `translated-${pool}`, routes, ({ dirs, bridge, saw, checks }) =>
        withStrict(ctx.fake, async () => {
          ctx.fake.reset();
          for (const id of KEY_IDS) ctx.fake.always(ctx.geminiSecrets[id], { kind: 'rateLimit', retryDelayS: 60 });
          const files = writeNonceFiles(dirs, 2);
          const respond = readFiles(files, translatedToolOutputs);
          ctx.fake.setResponder((req) => respond(req.body));
          const t0 = Date.now();
          const run = await runGemini(ctx, dirs, geminiBase(bridge.url), ctx.token, 'Read note1.txt, then note2.txt, and tell me what they say.');
          const taken = turns(ctx.fake, other);
          saw.push(...runLines(run, ctx.token), ...timeline(ctx, bridge, turns(ctx.fake), t0));
          for (const e of taken) if (e.refusal) saw.push(`refused ${e.status}: ${quote(e.refusal, 400)}`);
          finished(checks, run);
          const carried = files.map((f) => taken.some((e) => translatedToolOutputs(e.body).some((o) => o.includes(f.nonce))));
          check(
            checks,
            carried.every(Boolean),
            `both tool outputs reached the ${name} pool in its own form (${carried.map((c) => (c ? 'yes' : 'no')).join(', ')})`,
          );
          const path = other === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
          check(
            checks,
            taken.length >= 3 && taken.every((e) => e.path.startsWith(path) && e.model === FALLBACK_MODEL && e.status === 200),
            `three or more ${path} requests for ${FALLBACK_MODEL}, every one taken by the strict fake (${taken.map((e) => e.status).join(', ')})`,
          );
          check(
            checks,
            files.every((f) => run.text.includes(f.nonce)),
            `the final answer quotes both tool outputs (${files.map((f) => f.nonce).join(', ')})`,
          );
          const clientSaw = bridge.requests().filter((r) => r.method === 'POST');
          check(
            checks,
            clientSaw.length >= 3 && clientSaw.every((r) => r.status === 200),
            `Gemini CLI got 200 on every turn (${clientSaw.map((r) => r.status).join(', ')})`,
          );
        }),
      );
    },
  };
}

export const GEMINI_CASES: readonly GeminiCase[] = [direct, plain, tool, revoked, allLimited, translated('anthropic'), translated('openai')];
