// The chaos soak (issue 6): mixed traffic through the headless bridge to the fake provider while the
// provider throttles, revokes, fails, cuts and stalls at random and clients hang up at random. Checked from
// the provider's ledger, the bridge's own log and the clients' view; prints its figures and ends with
// "N passed, N failed". `npm run soak` runs the short profile (CI); `npm run soak -- --long` the long one.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { startFakeProvider, type Fault, type FakeProvider } from '../fakeProvider/fakeProvider';
import { everyFault, planFault, type PlannedFault } from './faultMix';
import { startHeadlessBridge, type HeadlessBridge, type ProbeReading } from './headlessBridge';
import { KeyTimeline, parseTransitions } from './keyTimeline';
import { runOutagePhases } from './outagePhases';
import { SeededRandom } from './random';
import { SecretScanner } from './secretScan';
import { SoakAnalysis, type CheckResult, type KeyRole, type SoakKey } from './soakChecks';
import { parseSoakArgs, requestBoundMs, SOAK_TUNING, type SoakProfile } from './soakProfile';
import { installResponder, planRequest, runClientRequest, type ClientRecord, type ExpectedAnswer, type TrafficContext } from './soakTraffic';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;
/** Heap growth after GC that is noise, not a leak, over a whole run or half of one. */
const HEAP_NOISE = 3 * MB;
/**
 * The one thing the bridge keeps per request: the affinity table remembers every Responses id (for
 * previous_response_id), up to 20,000 of them. An upper bound per entry: the id, the text it was matched
 * in (up to 512 bytes), the table slot and its key reference.
 */
const AFFINITY_ENTRY_BYTES = 640;
const AFFINITY_CAPACITY = 20_000;
/** Faults the provider serves from a key's own phase (401 flips, quota), never from the random queue. */
const PHASE_FAULTS = new Set<Fault['kind']>(['invalidKey', 'forbiddenKey', 'quota']);

function makeKeys(): SoakKey[] {
  const key = (pool: string, id: string, role: KeyRole): SoakKey => ({
    ref: `${pool}/${id}`,
    pool,
    id,
    env: `KB_SOAK_${pool.replace(/-/g, '_').toUpperCase()}_${id.toUpperCase()}`,
    secret: `sk-soak-${id}-${randomBytes(18).toString('base64url')}`,
    role,
  });
  return [
    key('oa-main', 'oa1', 'rotating'),
    key('oa-main', 'oa2', 'rotating'),
    key('oa-main', 'oa3', 'auth-flips'),
    key('oa-main', 'oa4', 'quota-flips'),
    key('oa-backup', 'oab', 'backup'),
    key('an-main', 'an1', 'rotating'),
    key('an-main', 'an2', 'rotating'),
    key('an-main', 'an3', 'auth-flips'),
    key('an-main', 'an4', 'quota-flips'),
    key('an-backup', 'anb', 'backup'),
    key('oa-solo', 'os1', 'auth-flips'),
    key('oa-solo', 'os2', 'rotating'),
  ];
}

function writeConfig(dir: string, provider: FakeProvider, keys: readonly SoakKey[]): string {
  const pool = (id: string, protocol: 'openai' | 'anthropic', strategy: string) => ({
    id,
    protocol,
    baseUrl: protocol === 'openai' ? provider.openaiBaseUrl : provider.anthropicBaseUrl,
    strategy,
    keys: keys.filter((k) => k.pool === id).map((k) => ({ id: k.id, env: k.env })),
  });
  const config = {
    tokenEnv: 'KB_SOAK_TOKEN',
    adminTokenEnv: 'KB_SOAK_ADMIN_TOKEN',
    stateFile: join(dir, 'state.json'),
    pools: [
      pool('oa-main', 'openai', 'round-robin'),
      pool('oa-backup', 'openai', 'fill-first'),
      pool('an-main', 'anthropic', 'round-robin'),
      pool('an-backup', 'anthropic', 'fill-first'),
      pool('oa-solo', 'openai', 'fill-first'),
    ],
    routes: [
      { protocol: 'openai', match: 'solo-*', targets: [{ pool: 'oa-solo' }] },
      { protocol: 'openai', match: '*', targets: [{ pool: 'oa-main' }, { pool: 'oa-backup' }] },
      // Translated first, relayed after: Anthropic requests on an OpenAI pool, falling back to Anthropic.
      { protocol: 'anthropic', match: 'claude-translated-*', targets: [{ pool: 'oa-main', model: 'gpt-soak' }, { pool: 'an-backup' }] },
      { protocol: 'anthropic', match: '*', targets: [{ pool: 'an-main' }, { pool: 'an-backup' }] },
    ],
    defaults: { openai: 'oa-main', anthropic: 'an-main' },
    tuning: SOAK_TUNING,
  };
  const path = join(dir, 'keybridge.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/**
 * Feeds the provider's shared fault queue a little ahead of demand and
 * remembers which ledger entry took which fault: entries take queued faults
 * in arrival order, and only entries that take one are faulted.
 */
class FaultFeeder {
  readonly planned = new Map<number, PlannedFault>();
  readonly injected = new Map<string, number>();
  underruns = 0;
  private stopped = false;
  private readonly queue: PlannedFault[] = [];
  private taken = 0;
  private scanned = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly provider: FakeProvider,
    private readonly random: SeededRandom,
    private readonly ownFaultKeys: ReadonlySet<string>,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Queues these faults next, after what is queued already. */
  inject(faults: readonly PlannedFault[]): void {
    for (const planned of faults) {
      this.queue.push(planned);
      this.provider.fault('*', planned.fault);
    }
  }

  /** Stops adding faults; what is left in the queue may still be taken (by key re-tests) and is mapped on `stop`. */
  stop(): void {
    clearInterval(this.timer);
    this.stopped = true;
    this.tick();
  }

  private tick(): void {
    const ledger = this.provider.ledger;
    for (; this.scanned < ledger.length; this.scanned++) {
      const entry = ledger[this.scanned];
      if (entry.key === undefined || entry.endpoint === 'other' || this.ownFaultKeys.has(entry.key) || (entry.fault && PHASE_FAULTS.has(entry.fault))) continue;
      if (entry.fault === undefined) {
        this.underruns++;
        continue;
      }
      // A faulted entry past the end of what was queued is not one of ours.
      const planned = this.queue.at(this.taken++);
      if (!planned) continue;
      this.planned.set(entry.seq, planned);
      this.injected.set(planned.label, (this.injected.get(planned.label) ?? 0) + 1);
    }
    if (this.stopped) return;
    while (this.queue.length - this.taken < 64) {
      const planned = planFault(this.random);
      this.queue.push(planned);
      this.provider.fault('*', planned.fault);
    }
  }
}

interface Windows {
  phaseCycles: Map<string, number>;
  retireCycles: number;
}

/** Turns 401s and quota errors on and off for the flipping keys until `until`. */
async function flipKeys(provider: FakeProvider, random: SeededRandom, keys: readonly SoakKey[], until: number, windows: Windows): Promise<void> {
  await Promise.all(
    keys
      .filter((k) => k.role === 'auth-flips' || k.role === 'quota-flips')
      .map(async (key, i) => {
        await sleep(1_000 + i * 700);
        let flip = 0;
        while (Date.now() < until) {
          const fault: Fault = key.role === 'quota-flips' ? { kind: 'quota' } : flip++ % 2 === 0 ? { kind: 'invalidKey' } : { kind: 'forbiddenKey' };
          provider.always(key.secret, fault);
          windows.phaseCycles.set(fault.kind, (windows.phaseCycles.get(fault.kind) ?? 0) + 1);
          await sleep(Math.min(random.int(3_000, 7_000), Math.max(0, until - Date.now())));
          provider.always(key.secret, undefined);
          await sleep(Math.min(random.int(6_000, 12_000), Math.max(0, until - Date.now())));
        }
      }),
  );
}

class AdminClient {
  readonly agent = new Agent({ keepAliveTimeout: 1_000 });

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly scanner: SecretScanner,
  ) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const res = await request(`${this.url}${path}`, {
      method,
      dispatcher: this.agent,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.body.text();
    this.scanner.scan('status API', text);
    return { status: res.statusCode, text };
  }

  /** Reads the admin event stream until `signal` aborts. */
  async watchEvents(signal: AbortSignal): Promise<number> {
    let bytes = 0;
    try {
      const res = await request(`${this.url}/_keybridge/events`, {
        method: 'GET',
        dispatcher: this.agent,
        headers: { authorization: `Bearer ${this.token}` },
        signal,
      });
      for await (const chunk of res.body) {
        const text = (chunk as Buffer).toString('utf8');
        bytes += text.length;
        this.scanner.scan('status events', text);
      }
    } catch {
      // aborted at the end of the load
    }
    return bytes;
  }
}

/** Retires a key while requests are in flight, then restores it, until `until`. */
async function retireKeys(admin: AdminClient, random: SeededRandom, keys: readonly SoakKey[], until: number, windows: Windows): Promise<void> {
  const candidates = keys.filter((k) => k.role === 'rotating');
  await sleep(2_000);
  while (Date.now() + 4_000 < until) {
    const key = random.pick(candidates);
    const retired = await admin.call('POST', '/_keybridge/retire', { pool: key.pool, key: key.id });
    if (retired.status !== 200) throw new Error(`retire ${key.ref}: HTTP ${retired.status}`);
    await sleep(random.int(1_000, 2_500));
    const restored = await admin.call('POST', '/_keybridge/restore', { pool: key.pool, key: key.id });
    if (restored.status !== 200) throw new Error(`restore ${key.ref}: HTTP ${restored.status}`);
    windows.retireCycles++;
    await sleep(random.int(1_000, 3_000));
  }
}

async function runClients(
  ctx: TrafficContext,
  random: SeededRandom,
  profile: SoakProfile,
  until: number,
  counter: { next: number },
  expected: Map<number, ExpectedAnswer>,
  records: ClientRecord[],
): Promise<void> {
  const worker = async (): Promise<void> => {
    while (Date.now() < until && counter.next <= profile.maxRequests) {
      const id = counter.next++;
      records.push(await runClientRequest(ctx, id, planRequest(random), expected));
    }
  };
  await Promise.all(Array.from({ length: profile.concurrency }, worker));
}

/**
 * Waits until the bridge holds no more sockets than it did right after start
 * (its listener and stdio): idle keep-alives to the provider are closed by the
 * provider after ~5 s, client connections by us.
 */
async function settledProbe(bridge: HeadlessBridge, floor: ProbeReading, maxMs: number): Promise<ProbeReading> {
  const deadline = Date.now() + maxMs;
  let reading = await bridge.probe();
  while ((reading.socketFds > floor.socketFds || (reading.resources.TCPSocketWrap ?? 0) > 0) && Date.now() < deadline) {
    await sleep(500);
    reading = await bridge.probe();
  }
  return reading;
}

function table(rows: [string, number | string][], indent = '  '): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${indent}${name.padEnd(width)}  ${value}`).join('\n');
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** What must be closed however the soak ends: the bridge process, the provider, the temp dir. */
const cleanups: (() => unknown)[] = [];

async function main(): Promise<number> {
  const profile = parseSoakArgs(process.argv.slice(2));
  const random = new SeededRandom(profile.seed);
  console.log(
    `KeyBridge chaos soak: profile ${profile.name}, seed ${profile.seed}, ${profile.loadMs / 1000} s of load, ${profile.concurrency} clients, bridge ${profile.cliPath}`,
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();

  const keys = makeKeys();
  const scanner = new SecretScanner(keys.map((k) => k.secret));
  const dir = mkdtempSync(join(tmpdir(), 'keybridge-soak-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const stateFile = join(dir, 'state.json');
  const provider = await startFakeProvider({ recordBodies: false });
  cleanups.push(() => provider.close());
  const expected = new Map<number, ExpectedAnswer>();
  installResponder(provider, expected);
  // The backup keys never fail: each route always has one healthy key.
  const backups = new Set(keys.filter((k) => k.role === 'backup').map((k) => k.secret));
  for (const secret of backups) provider.always(secret, { kind: 'slowFirstByte', ms: 0 });
  const feeder = new FaultFeeder(provider, random, backups);
  feeder.start();
  cleanups.push(() => feeder.stop());

  const token = `kb-soak-${randomBytes(16).toString('base64url')}`;
  const adminToken = `kb-soak-admin-${randomBytes(16).toString('base64url')}`;
  const env: Record<string, string> = { KB_SOAK_TOKEN: token, KB_SOAK_ADMIN_TOKEN: adminToken };
  for (const key of keys) env[key.env] = key.secret;
  const bridge = await startHeadlessBridge({ cliPath: profile.cliPath, configPath: writeConfig(dir, provider, keys), env });
  cleanups.push(() => bridge.stop());
  const admin = new AdminClient(bridge.url, adminToken, scanner);
  cleanups.push(() => admin.agent.destroy());
  const startup = await bridge.probe();
  const records: ClientRecord[] = [];
  const counter = { next: 1 };
  const hangMs = requestBoundMs() + 6_000;
  const started = Date.now();

  // Warm-up, then the baseline: JIT, pools and caches settle before we measure.
  let clientAgent = new Agent({ keepAliveTimeout: 4_000 });
  cleanups.push(() => clientAgent.destroy());
  const context = (agent: Agent): TrafficContext => ({
    agent,
    openaiBase: `${bridge.url}/openai/v1`,
    anthropicBase: `${bridge.url}/anthropic`,
    token,
    scanner,
    hangMs,
  });
  await runClients(context(clientAgent), random, profile, Date.now() + profile.warmupMs, counter, expected, records);
  await clientAgent.close();
  const baseline = await settledProbe(bridge, startup, 20_000);
  const warmupRequests = records.length;

  // The load, with keys flipping, keys retired and restored, and the status API watched throughout.
  clientAgent = new Agent({ keepAliveTimeout: 4_000 });
  const loadStart = Date.now();
  const loadEnd = loadStart + profile.loadMs;
  const windows: Windows = { phaseCycles: new Map(), retireCycles: 0 };
  const events = new AbortController();
  const eventBytes = admin.watchEvents(events.signal);
  let statusSnapshots = 0;
  let stateSnapshots = 0;
  const snapshot = async (): Promise<void> => {
    const status = await admin.call('GET', '/_keybridge/status');
    if (status.status === 200) statusSnapshots++;
    if (existsSync(stateFile)) {
      scanner.scan('persisted state', readFileSync(stateFile, 'utf8'));
      stateSnapshots++;
    }
  };
  const poller = (async () => {
    while (Date.now() < loadEnd) {
      await snapshot();
      await sleep(1_000);
    }
  })();
  feeder.inject(everyFault(random));
  const drivers = Promise.all([flipKeys(provider, random, keys, loadEnd, windows), retireKeys(admin, random, keys, loadEnd, windows), poller]);
  // Heap after GC at each quarter of the load: a leak grows with every request, bounded caches level off.
  const heapSeries: { at: string; heapUsed: number; requests: number }[] = [];
  const quarters = (async () => {
    for (let q = 1; q <= 3; q++) {
      await sleep(Math.max(0, loadStart + (profile.loadMs * q) / 4 - Date.now()));
      const reading = await bridge.probe();
      heapSeries.push({ at: `${q * 25}%`, heapUsed: reading.heapUsed, requests: records.length });
    }
  })();
  await runClients(context(clientAgent), random, profile, loadEnd, counter, expected, records);
  await quarters;
  const loadMs = Date.now() - loadStart;
  await drivers;
  for (const key of keys) if (!backups.has(key.secret)) provider.always(key.secret, undefined);
  await snapshot();
  events.abort();
  const eventStreamBytes = await eventBytes;
  await clientAgent.close();
  await admin.agent.close();

  // Everything upstream must end by itself; then the bridge's memory and sockets must be back where they started.
  const settleDeadline = Date.now() + 20_000;
  while (provider.ledger.some((e) => e.endedAt === undefined) && Date.now() < settleDeadline) await sleep(200);
  feeder.stop();
  const after = await settledProbe(bridge, startup, 20_000);
  const exitBeforeStop = bridge.exit;
  const stopped = await bridge.stop();
  if (existsSync(stateFile)) {
    scanner.scan('persisted state', readFileSync(stateFile, 'utf8'));
    stateSnapshots++;
  }
  scanner.scan('bridge log (stdout)', bridge.stdoutLines.join('\n'));
  scanner.scan('bridge log (stderr)', bridge.stderrLines.join('\n'));
  const openStreams = provider.openStreams();
  loopDelay.disable();

  // ---- analysis ----
  const timeline = new KeyTimeline(parseTransitions(bridge.stdoutLines));
  const analysis = new SoakAnalysis({ keys, ledger: provider.ledger, planned: feeder.planned, records, timeline });
  const abandoned = analysis.checkNoAbandonedUpstream();
  const checks: CheckResult[] = [
    analysis.checkAnswers(),
    analysis.checkBudget(),
    analysis.checkHealthySuccess(),
    analysis.checkDeadKeysUntouched(),
    analysis.checkRevivals(),
    analysis.checkCooldownsRespected(),
    abandoned.result,
    analysis.checkNothingLeftOpen(openStreams),
    analysis.checkNoRepeatAfterCommit(),
  ];

  const heapGrowth = after.heapUsed - baseline.heapUsed;
  const half = heapSeries.find((h) => h.at === '50%');
  const secondHalf = half ? after.heapUsed - half.heapUsed : 0;
  // Responses answers that reached a client, each leaving an id in the affinity table.
  const responsesServed = (from: number, to: number): number =>
    records.slice(from, to).filter((r) => r.kind === 'responses' && (r.outcome === 'complete' || r.outcome === 'interrupted' || r.outcome === 'cut')).length;
  const affinityBound = (entries: number): number => Math.min(entries, AFFINITY_CAPACITY) * AFFINITY_ENTRY_BYTES;
  const servedInWarmup = responsesServed(0, warmupRequests);
  const servedAtHalf = responsesServed(0, half?.requests ?? records.length);
  const servedAll = responsesServed(0, records.length);
  const allowance = HEAP_NOISE + affinityBound(servedAll) - affinityBound(servedInWarmup);
  const secondHalfAllowance = HEAP_NOISE + affinityBound(servedAll) - affinityBound(servedAtHalf);
  const series = [
    `start ${mb(baseline.heapUsed)}`,
    ...heapSeries.map((h) => `${h.at} ${mb(h.heapUsed)} (${h.requests} requests)`),
    `end ${mb(after.heapUsed)}`,
  ].join(', ');
  checks.push({
    name: 'memory returns to its baseline: heap growth after GC within noise plus what the bounded affinity table may hold, for the run and for its second half',
    passed: heapGrowth <= allowance && secondHalf <= secondHalfAllowance,
    summary: `heap ${series}; ${heapGrowth >= 0 ? '+' : ''}${mb(heapGrowth)} of ${mb(allowance)} allowed (${servedAll - servedInWarmup} Responses ids), second half ${secondHalf >= 0 ? '+' : ''}${mb(secondHalf)} of ${mb(secondHalfAllowance)}; rss ${mb(baseline.rss)} → ${mb(after.rss)}`,
    samples: [],
  });
  const sockets = (r: ProbeReading): number => r.resources.TCPSocketWrap ?? 0;
  checks.push({
    name: 'open sockets and file descriptors return to their baseline',
    passed: sockets(after) <= sockets(baseline) && after.socketFds <= baseline.socketFds && after.fds <= baseline.fds,
    summary: `sockets ${sockets(baseline)} → ${sockets(after)}, socket fds ${baseline.socketFds} → ${after.socketFds}, fds ${baseline.fds} → ${after.fds}`,
    samples: [],
  });
  const sources = ['bridge log (stdout)', 'bridge log (stderr)', 'status API', 'status events', 'persisted state', 'client responses'];
  const unscanned = sources.filter((s) => !(scanner.bytesBySource.get(s) ?? 0));
  checks.push({
    name: 'no key secret appears in anything the bridge wrote (logs, status API, events, persisted state, answers)',
    passed: scanner.hits.length === 0 && unscanned.length === 0,
    summary: `${keys.length} secrets; scanned ${sources.map((s) => `${s} ${mb(scanner.bytesBySource.get(s) ?? 0)}`).join(', ')}${unscanned.length ? `; nothing to scan from ${unscanned.join(', ')}` : ''}`,
    samples: scanner.hits.map((h) => `${h.source}: …${h.secretTail} in "${h.excerpt}"`),
  });
  const internalErrors = bridge.stderrLines.filter((l) => / error /.test(l));
  checks.push({
    name: 'the bridge stays up and shuts down cleanly',
    passed: exitBeforeStop === undefined && stopped.code === 0 && internalErrors.length === 0,
    summary: `${exitBeforeStop ? `exited early (${exitBeforeStop.code ?? exitBeforeStop.signal})` : 'up for the whole run'}; exit ${stopped.code ?? stopped.signal} on SIGTERM; ${internalErrors.length} error lines`,
    samples: internalErrors.slice(0, 6),
  });

  // The soak must have exercised what it claims to.
  const missingLabels = [...new Set(everyFault(new SeededRandom(0)).map((f) => f.label))].filter((l) => !feeder.injected.get(l));
  const phaseServed = countBy(provider.ledger, (e) => (e.fault && PHASE_FAULTS.has(e.fault) ? e.fault : undefined));
  const revived = timeline.transitions.filter((t) => (t.from === 'invalid' || t.from === 'exhausted') && t.to === 'ready');
  const coverage: string[] = [];
  if (missingLabels.length) coverage.push(`faults never injected: ${missingLabels.join(', ')}`);
  for (const kind of ['invalidKey', 'forbiddenKey', 'quota']) if (!phaseServed.some(([k]) => k === kind)) coverage.push(`no ${kind} served`);
  if (!revived.some((t) => t.from === 'invalid')) coverage.push('no invalid key came back through a re-test');
  if (!revived.some((t) => t.from === 'exhausted')) coverage.push('no exhausted key came back through a re-test');
  if (windows.retireCycles === 0) coverage.push('no key was retired and restored');
  if (!records.some((r) => r.abortedAt !== undefined && r.headersAt !== undefined)) coverage.push('no client hung up mid-answer');
  if (!records.some((r) => r.outcome === 'interrupted')) coverage.push('no stream was interrupted');
  for (const protocol of ['openai', 'anthropic'])
    if (!records.some((r) => r.protocol === protocol && r.tool && r.stream && r.outcome === 'complete'))
      coverage.push(`no streamed ${protocol} tool call completed`);
  if (feeder.underruns > 0) coverage.push(`${feeder.underruns} attempts found the fault queue empty`);
  checks.push({
    name: 'the soak exercised every fault, flip, retirement and abort it claims to',
    passed: coverage.length === 0,
    summary: coverage.length ? coverage.join('; ') : 'all exercised',
    samples: [],
  });

  // The outages the retry budget is for, against a bridge and a provider of their own (issue 22).
  const outages = await runOutagePhases(profile.cliPath, dir, random);
  checks.push(...outages.checks);

  // ---- figures ----
  const upstream = provider.ledger;
  const retests = upstream.filter((e) => e.method === 'GET' && e.endpoint === 'models').length;
  console.log(
    `\nrequests: ${records.length} in ${((Date.now() - started) / 1000).toFixed(0)} s (${warmupRequests} warm-up, ${records.length - warmupRequests} under load at ${((records.length - warmupRequests) / (loadMs / 1000)).toFixed(0)}/s)`,
  );
  console.log(table(countBy(records, (r) => `${r.kind}${r.stream ? ' stream' : ''}${r.tool ? ' +tool' : ''}`)));
  console.log(`client view (outcomes):`);
  console.log(
    table(countBy(records, (r) => (r.outcome === 'error' ? `error HTTP ${r.status}${r.bridgeError ? ' (bridge)' : ' (provider, verbatim)'}` : r.outcome))),
  );
  console.log(
    `upstream attempts: ${upstream.length} (${(upstream.length / Math.max(1, records.length)).toFixed(2)} per request; ${retests} key re-tests), by key role:`,
  );
  const roleOf = new Map(keys.map((k) => [k.secret, `${k.pool} ${k.role}`]));
  console.log(table(countBy(upstream, (e) => (e.key ? roleOf.get(e.key) : undefined))));
  console.log('complete answers served by:');
  console.log(table(countBy(records, (r) => (r.outcome === 'complete' ? roleOf.get(analysis.lastAttempt(r)?.key ?? '')?.split(' ')[0] : undefined))));
  console.log(`faults injected at random (per attempt):`);
  console.log(table([...feeder.injected.entries()].sort((a, b) => b[1] - a[1])));
  console.log(
    `key phases: ${[...windows.phaseCycles.entries()].map(([k, n]) => `${k} ${n} on/off cycles`).join(', ')}; ${windows.retireCycles} retire/restore cycles; phase faults served: ${phaseServed.map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
  console.log(`failures seen by the bridge (logged key transitions):`);
  console.log(table(countBy(timeline.transitions, (t) => `${t.from} → ${t.to}`)));
  console.log(
    `memory (bridge, after GC): heap ${series}; rss ${mb(baseline.rss)} → ${mb(after.rss)}; sockets ${sockets(baseline)} → ${sockets(after)}, fds ${baseline.fds} → ${after.fds}`,
  );
  console.log(`status API: ${statusSnapshots} snapshots, ${mb(eventStreamBytes)} of events; persisted state read ${stateSnapshots} times`);
  for (const line of outages.figures) console.log(line);
  console.log(`soak process event-loop delay: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`);

  console.log('\nchecks:');
  for (const check of checks) {
    console.log(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name}: ${check.summary}`);
    for (const sample of check.samples) console.log(`         ${sample}`);
  }
  const failed = checks.filter((c) => !c.passed).length;
  if (failed > 0) {
    // What a failure needs to be understood later: the bridge's own log and the provider's ledger.
    const out = resolve(__dirname, '../../../test-results/soak');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'bridge-stdout.log'), bridge.stdoutLines.join('\n'));
    writeFileSync(join(out, 'bridge-stderr.log'), bridge.stderrLines.join('\n'));
    const refOf = new Map(keys.map((k) => [k.secret, k.ref]));
    writeFileSync(
      join(out, 'ledger.jsonl'),
      upstream
        .map((e) =>
          JSON.stringify({
            seq: e.seq,
            soak: e.headers['x-soak-id'],
            key: e.key ? refOf.get(e.key) : undefined,
            method: e.method,
            path: e.path,
            fault: feeder.planned.get(e.seq)?.label ?? e.fault,
            status: e.status,
            stream: e.stream,
            events: e.eventsSent,
            startedAt: e.startedAt,
            endedAt: e.endedAt,
            aborted: e.aborted,
          }),
        )
        .join('\n'),
    );
    console.log(`\nthe bridge's log and the provider's ledger are in ${out}`);
  }
  console.log(`\n${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function run(): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(`soak aborted: ${(error as Error).stack ?? String(error)}`);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

void run();
