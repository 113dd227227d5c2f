import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunProfile } from './benchOptions';
import { closedLoop, SideClient, type CallResult, type CallSpec, type Side } from './loadGenerator';
import { cpuMsOf, rssKiBOf } from './osProcess';
import { anthropicBody, bigConversation, FAILOVER_MODEL, openaiBody, STALL_MODEL, TRANSLATED_MODEL } from './payloads';
import type { BridgeProcess, ProviderProcess } from './processes';
import type { FailoverResult, MemoryResult, MemorySample, SideRound, SideSummary, Spread, WorkloadResult } from './results';
import { median, quantile, round, sum } from './stats';

export const DIRECT = 'direct';
export const KEYBRIDGE = 'KeyBridge';
export const REFERENCE = 'minimal proxy';
export const COMPARE = 'KeyBridge@compare';
/** The same build with usage recorded to a file (the bench's main bridge records none): what recording costs. */
export const RECORDING = 'KeyBridge + usage file';

export interface Workload {
  id: string;
  title: string;
  protocol: CallSpec['protocol'];
  concurrency: number;
  stream: boolean;
  body: Buffer;
  /** Per side and round: whichever bound comes first. */
  requests: number;
  ms: number;
  focus: 'latency' | 'throughput';
}

export function defineWorkloads(p: RunProfile): Workload[] {
  const small = (protocol: CallSpec['protocol'], concurrency: number): Workload => ({
    id: `${protocol}-small-c${concurrency}`,
    title: `${protocol === 'openai' ? 'OpenAI chat' : 'Anthropic messages'}, small`,
    protocol,
    concurrency,
    stream: false,
    body: protocol === 'openai' ? openaiBody() : anthropicBody(),
    requests: concurrency === 1 ? p.latencyRequests : 1_000_000,
    ms: concurrency === 1 ? 60_000 : p.throughputMs,
    focus: concurrency === 1 ? 'latency' : 'throughput',
  });
  const big = (kib: number, requests: number): Workload => ({
    id: `openai-${kib >= 1024 ? `${kib / 1024}m` : `${kib}k`}-c1`,
    title: `OpenAI chat, ${kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`} prompt`,
    protocol: 'openai',
    concurrency: 1,
    stream: false,
    body: bigConversation(kib * 1024, (messages) => openaiBody({ messages })),
    requests,
    ms: 60_000,
    focus: 'latency',
  });
  const stream = (protocol: CallSpec['protocol'], concurrency: number): Workload => ({
    id: `${protocol}-stream-c${concurrency}`,
    title: `${protocol === 'openai' ? 'OpenAI chat' : 'Anthropic messages'}, stream`,
    protocol,
    concurrency,
    stream: true,
    body: protocol === 'openai' ? openaiBody({ stream: true }) : anthropicBody({ stream: true }),
    requests: concurrency === 1 ? p.streams1 : 1_000_000,
    ms: concurrency === 1 ? 60_000 : concurrency >= 256 ? p.stream256Ms : p.stream64Ms,
    focus: concurrency === 1 ? 'latency' : 'throughput',
  });
  // The direct and reference sides send the same Anthropic request to the provider's Anthropic API; the bridge
  // routes it to an OpenAI-protocol pool, so the ratio is what translation costs, beside anthropic-*-c1's relay.
  const translated = (stream: boolean): Workload => ({
    id: `anthropic-translated-${stream ? 'stream' : 'small'}-c1`,
    title: `Anthropic messages on an OpenAI pool (translated), ${stream ? 'stream' : 'small'}`,
    protocol: 'anthropic',
    concurrency: 1,
    stream,
    body: anthropicBody({ stream, model: TRANSLATED_MODEL }),
    requests: stream ? p.streams1 : p.latencyRequests,
    ms: 60_000,
    focus: 'latency',
  });
  return [
    small('openai', 1),
    small('anthropic', 1),
    small('openai', 64),
    small('anthropic', 64),
    big(64, p.requests64k),
    big(1024, p.requests1m),
    stream('openai', 1),
    stream('anthropic', 1),
    stream('openai', 64),
    stream('openai', 256),
    translated(false),
    translated(true),
  ];
}

/** Bridge CPU from getrusage(2) inside it: a microsecond-resolution cross-check of /proc/<pid>/stat. */
async function rusageMs(bridge: BridgeProcess): Promise<number> {
  const { cpu } = await bridge.usage(false);
  return (cpu.user + cpu.system) / 1000;
}

/** Samples a proxy's resident memory while a round runs; returns the peak. */
function rssSampler(pid: number): () => number {
  let peak = rssKiBOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssKiBOf(pid));
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssKiBOf(pid));
  };
}

function summariseRound(roundIndex: number, order: number, results: CallResult[], elapsedMs: number, stream: boolean): SideRound {
  const good = results.filter((r) => r.ok);
  const out: SideRound = {
    round: roundIndex,
    order,
    count: results.length,
    errors: results.length - good.length,
    elapsedMs: round(elapsedMs),
    throughput: round((good.length * 1000) / elapsedMs, 1),
    medianMs: round(median(good.map((r) => r.ms)), 4),
    p90Ms: round(
      quantile(
        good.map((r) => r.ms),
        0.9,
      ),
      4,
    ),
  };
  if (stream) {
    out.medianFirstMs = round(median(good.map((r) => r.firstContentMs ?? Number.NaN).filter(Number.isFinite)), 4);
    out.eventsPerStream = median(good.map((r) => r.events ?? 0));
  }
  return out;
}

/** Each round's figure of `other` against the same round's of `base`: rounds are measured back to back, so each pair saw the same machine. */
function pairs(base: SideRound[], other: SideRound[], pick: (r: SideRound) => number | undefined, op: (a: number, b: number) => number): number[] {
  const values: number[] = [];
  for (const r of other) {
    const d = base.find((x) => x.round === r.round);
    const a = pick(r);
    const b = d && pick(d);
    if (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0) values.push(op(a, b));
  }
  return values;
}

function spread(values: number[], digits: number): Spread | undefined {
  if (!values.length) return undefined;
  return { median: round(median(values), digits), q25: round(quantile(values, 0.25), digits), q75: round(quantile(values, 0.75), digits) };
}

export interface WorkloadContext {
  profile: RunProfile;
  sides: Side[];
  bridge: BridgeProcess;
  providerPid: number;
  log: (line: string) => void;
}

interface CpuTally {
  proxyMs: number;
  rusageMs: number;
  providerMs: number;
  requests: number;
}

/**
 * Unrecorded traffic on every side until V8 has optimised the request path: the first thousands of requests
 * through a fresh Node process run several times slower than later ones, and no round should see that.
 */
export async function warmUp(ctx: WorkloadContext, requests: number): Promise<void> {
  for (const side of ctx.sides) {
    const client = new SideClient(side, 4);
    // Both protocols and both answer kinds from the start, so V8 optimises for the mix the rounds will send.
    const specs: CallSpec[] = (['openai', 'anthropic'] as const)
      .filter((protocol) => client.supports(protocol))
      .flatMap((protocol) => [
        { protocol, body: protocol === 'openai' ? openaiBody() : anthropicBody(), stream: false },
        { protocol, body: protocol === 'openai' ? openaiBody() : anthropicBody(), stream: false },
        { protocol, body: protocol === 'openai' ? openaiBody() : anthropicBody(), stream: false },
        { protocol, body: protocol === 'openai' ? openaiBody({ stream: true }) : anthropicBody({ stream: true }), stream: true },
      ]);
    let next = 0;
    const once = (): Promise<CallResult> => client.call(specs[next++ % specs.length]);
    try {
      // Ends at concurrency 1, the regime the first workloads measure.
      await closedLoop(4, requests / 2, 4_000, once);
      await closedLoop(1, requests / 2, 4_000, once);
    } finally {
      await client.close();
    }
  }
}

/** Runs one workload on every side that speaks its protocol: warm-up, then rounds with the sides taking turns. */
export async function runWorkload(w: Workload, ctx: WorkloadContext): Promise<WorkloadResult> {
  const clients = ctx.sides.map((s) => new SideClient(s, w.concurrency)).filter((c) => c.supports(w.protocol));
  const spec: CallSpec = { protocol: w.protocol, body: w.body, stream: w.stream };
  const rounds = new Map<string, SideRound[]>(clients.map((c) => [c.side.name, []]));
  const cpu = new Map<string, CpuTally>(clients.map((c) => [c.side.name, { proxyMs: 0, rusageMs: 0, providerMs: 0, requests: 0 }]));
  const peakRssKiB = new Map<string, number>();
  try {
    for (const client of clients) {
      // Time-bound: a side that sat idle while the others ran needs a moment of traffic before its rounds.
      await closedLoop(w.concurrency, 1_000_000, ctx.profile.warmMs, () => client.call(spec));
    }
    const roundCount = w.focus === 'throughput' ? ctx.profile.throughputRounds : ctx.profile.rounds;
    for (let r = 0; r < roundCount; r++) {
      for (let k = 0; k < clients.length; k++) {
        // Turns rotate, and go the other way every other round: two sides adjacent in one round swap who goes
        // first in the next, so work one side leaves behind (a flush, a collection) lands as often in the other's turn.
        const turn = r % 2 === 0 ? k : clients.length - 1 - k;
        const client = clients[(r + turn) % clients.length];
        const pid = client.side.pid;
        const isBridge = client.side.name === KEYBRIDGE;
        const rusageBefore = isBridge ? await rusageMs(ctx.bridge) : 0;
        const stopSampling = pid ? rssSampler(pid) : undefined;
        const proxyBefore = pid ? cpuMsOf(pid) : 0;
        const providerBefore = cpuMsOf(ctx.providerPid);
        const loop = await closedLoop(w.concurrency, w.requests, w.ms, () => client.call(spec));
        const providerMs = cpuMsOf(ctx.providerPid) - providerBefore;
        const proxyMs = pid ? cpuMsOf(pid) - proxyBefore : 0;
        const summary = summariseRound(r, k, loop.results, loop.elapsedMs, w.stream);
        const tally = cpu.get(client.side.name) as CpuTally;
        tally.providerMs += providerMs;
        tally.requests += loop.results.length;
        if (pid) {
          summary.proxyCpuMs = round(proxyMs, 3);
          tally.proxyMs += proxyMs;
        }
        if (stopSampling) peakRssKiB.set(client.side.name, Math.max(peakRssKiB.get(client.side.name) ?? 0, stopSampling()));
        if (isBridge) {
          const rusage = (await rusageMs(ctx.bridge)) - rusageBefore;
          summary.bridgeRusageMs = round(rusage, 3);
          tally.rusageMs += rusage;
        }
        rounds.get(client.side.name)?.push(summary);
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }

  const direct = rounds.get(DIRECT) ?? [];
  const sides: SideSummary[] = clients.map((client) => {
    const own = rounds.get(client.side.name) ?? [];
    const tally = cpu.get(client.side.name) as CpuTally;
    const s: SideSummary = {
      side: client.side.name,
      rounds: own,
      count: sum(own.map((r) => r.count)),
      errors: sum(own.map((r) => r.errors)),
      medianMs: round(median(own.map((r) => r.medianMs)), 4),
      p90Ms: round(median(own.map((r) => r.p90Ms)), 4),
      throughput: round(median(own.map((r) => r.throughput)), 1),
      providerCpuPerRequestMs: tally.requests ? round(tally.providerMs / tally.requests, 4) : undefined,
    };
    if (w.stream) s.medianFirstMs = round(median(own.map((r) => r.medianFirstMs ?? Number.NaN)), 4);
    // Each round's figure against the same round's of another side (paired: the two saw the same machine).
    const ratios = (base: SideRound[], pick: (r: SideRound) => number | undefined): number[] => pairs(base, own, pick, (a, b) => a / b);
    const differences = (base: SideRound[], pick: (r: SideRound) => number | undefined): number[] => pairs(base, own, pick, (a, b) => a - b);
    if (client.side.name !== DIRECT && direct.length) {
      s.addedMs = round(median(differences(direct, (r) => r.medianMs)), 4);
      s.latencyRatio = round(median(ratios(direct, (r) => r.medianMs)), 3);
      s.throughputRatio = round(median(ratios(direct, (r) => r.throughput)), 3);
      if (w.stream) s.addedFirstMs = round(median(differences(direct, (r) => r.medianFirstMs)), 4);
    }
    const floor = rounds.get(REFERENCE);
    if (floor && client.side.pid && client.side.name !== REFERENCE && w.focus === 'throughput') {
      s.vsFloorThroughput = spread(
        ratios(floor, (r) => r.throughput),
        3,
      );
      if (w.stream)
        s.vsFloorFirstMs = spread(
          differences(floor, (r) => r.medianFirstMs),
          4,
        );
    }
    if (client.side.pid && tally.requests) {
      // Median of the rounds, like every other figure: a round that shared the machine with a burst from elsewhere does not move it.
      s.cpuPerRequestMs = round(median(own.filter((r) => r.count > 0).map((r) => (r.proxyCpuMs ?? 0) / r.count)), 4);
      s.cpuPerRequestPooledMs = round(tally.proxyMs / tally.requests, 4);
      s.peakRssKiB = peakRssKiB.get(client.side.name);
    }
    if (client.side.name === KEYBRIDGE && tally.requests) {
      s.cpuPerRequestRusageMs = round(tally.rusageMs / tally.requests, 4);
    }
    return s;
  });
  const result: WorkloadResult = {
    id: w.id,
    title: w.title,
    protocol: w.protocol,
    concurrency: w.concurrency,
    stream: w.stream,
    bodyBytes: w.body.length,
    focus: w.focus,
    sides,
  };
  ctx.log(describeWorkload(result));
  return result;
}

function describeWorkload(r: WorkloadResult): string {
  const parts = r.sides.map((s) => {
    const main = r.focus === 'latency' ? `${s.medianMs.toFixed(3)} ms` : `${s.throughput.toFixed(0)}/s`;
    const first = s.medianFirstMs !== undefined ? ` first ${s.medianFirstMs.toFixed(2)} ms` : '';
    const added = (v: number | undefined): string => (v === undefined ? '?' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`);
    const vs =
      s.addedMs !== undefined
        ? r.focus === 'latency'
          ? ` (${added(r.stream ? s.addedFirstMs : s.addedMs)} ms${r.stream ? ' first' : ''})`
          : ` (${s.throughputRatio?.toFixed(2)}×)`
        : '';
    const cpu =
      s.cpuPerRequestMs !== undefined
        ? ` cpu ${s.cpuPerRequestMs.toFixed(3)} ms/req`
        : s.providerCpuPerRequestMs !== undefined
          ? ` provider cpu ${s.providerCpuPerRequestMs.toFixed(3)} ms/req`
          : '';
    const errors = s.errors ? ` ERRORS ${s.errors}` : '';
    return `${s.side} ${main}${first}${vs}${cpu}${errors}`;
  });
  return `${r.id.padEnd(22)} ${parts.join(' | ')}`;
}

const RATE_LIMIT = { kind: 'rateLimit', headers: { 'retry-after-ms': '100' } } as const;
/**
 * A rate-limited key rests at least 100 ms (the bridge's floor). Measured requests start this far apart, so that
 * with FAILOVER_KEYS keys the bridge always has a rested key to fail over to instead of waiting for one. The gap
 * is filled with unmeasured small requests: left idle, every process on this VM would pay a wake-up of several
 * tenths of a millisecond per hop, and the measured requests would no longer compare with the other c=1 runs.
 */
const FAILOVER_PACE_MS = 7;
export const FAILOVER_KEYS = 16;

/**
 * The first key answers 429, the second succeeds. Against it: a direct request to
 * a healthy key, a direct 429 round trip, and a bridged request without a fault.
 * The four kinds are interleaved request by request, at the same pace.
 */
export async function runFailover(ctx: WorkloadContext, provider: ProviderProcess): Promise<FailoverResult> {
  const direct = new SideClient(ctx.sides.find((s) => s.name === DIRECT) as Side, 1);
  const bridged = new SideClient(ctx.sides.find((s) => s.name === KEYBRIDGE) as Side, 1);
  const spec: CallSpec = { protocol: 'openai', body: openaiBody({ model: FAILOVER_MODEL }), stream: false };
  const n = ctx.profile.failoverRequests;
  type Kind = 'directOk' | 'direct429' | 'bridgeOk' | 'bridgeFailover';
  const kinds: Kind[] = ['directOk', 'direct429', 'bridgeOk', 'bridgeFailover'];
  const perRound: Record<Kind, number>[] = [];
  let errors = 0;
  const filler: CallSpec = { protocol: 'openai', body: openaiBody(), stream: false };
  let nextStart = 0;
  const one = async (kind: Kind): Promise<number | undefined> => {
    for (let i = 0; performance.now() < nextStart; i++) await (i % 2 ? direct : bridged).call(filler);
    nextStart = performance.now() + FAILOVER_PACE_MS;
    // Queued for whichever key the next request carries: with the bridge, the key it tries first.
    if (kind === 'direct429' || kind === 'bridgeFailover') await provider.fault('*', RATE_LIMIT);
    const result = await (kind.startsWith('direct') ? direct : bridged).call(spec);
    const expected = kind === 'direct429' ? 429 : 200;
    if (result.status !== expected) {
      errors++;
      return undefined;
    }
    return result.ms;
  };
  try {
    for (let i = 0; i < Math.min(20, n); i++) for (const kind of kinds) await one(kind);
    errors = 0;
    for (let r = 0; r < ctx.profile.rounds; r++) {
      const times = new Map<Kind, number[]>(kinds.map((k) => [k, []]));
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < kinds.length; k++) {
          const kind = kinds[(r + i + k) % kinds.length];
          const ms = await one(kind);
          if (ms !== undefined) times.get(kind)?.push(ms);
        }
      }
      perRound.push(Object.fromEntries(kinds.map((k) => [k, median(times.get(k) ?? [])])) as Record<Kind, number>);
    }
  } finally {
    await Promise.all([direct.close(), bridged.close()]);
  }
  const of = (kind: Kind): number => round(median(perRound.map((m) => m[kind])), 4);
  const result: FailoverResult = {
    rounds: perRound.length,
    requestsPerKind: n,
    errors,
    directOkMs: of('directOk'),
    direct429Ms: of('direct429'),
    bridgeOkMs: of('bridgeOk'),
    bridgeFailoverMs: of('bridgeFailover'),
    switchCostMs: round(median(perRound.map((m) => m.bridgeFailover - m.bridgeOk - m.direct429)), 4),
    failoverVsDirect: round(median(perRound.map((m) => m.bridgeFailover / m.directOk)), 3),
  };
  ctx.log(
    `failover               direct ok ${result.directOkMs.toFixed(3)} ms, direct 429 ${result.direct429Ms.toFixed(3)} ms, bridged ok ${result.bridgeOkMs.toFixed(3)} ms, ` +
      `bridged failover ${result.bridgeFailoverMs.toFixed(3)} ms → switch costs ${result.switchCostMs.toFixed(3)} ms beyond the 429 round trip${errors ? ` ERRORS ${errors}` : ''}`,
  );
  return result;
}

export async function memorySample(bridge: BridgeProcess): Promise<MemorySample> {
  const { memory } = await bridge.usage(true);
  return { rssKiB: rssKiBOf(bridge.pid), heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, arrayBuffers: memory.arrayBuffers };
}

/**
 * Resident memory and heap of the bridge at idle, then with `streams` streams
 * open at once (each has relayed its first content and is waiting for more).
 */
export async function runMemory(ctx: WorkloadContext, provider: ProviderProcess, stallKey: string, streams: number): Promise<MemoryResult> {
  const bridgeSide = ctx.sides.find((s) => s.name === KEYBRIDGE) as Side;
  // Idle is a bridge that has served requests (the warm-up ran first), not a cold start.
  await sleep(300);
  const idle = await memorySample(ctx.bridge);

  // The stalled key sends the opening events and then nothing, until the client goes away.
  await provider.always(stallKey, { kind: 'stall', afterEvents: 4 });
  const client = new SideClient(bridgeSide, streams);
  let opened = 0;
  const spec: CallSpec = { protocol: 'openai', body: openaiBody({ stream: true, model: STALL_MODEL }), stream: true };
  const controllers = Array.from({ length: streams }, () => new AbortController());
  const calls = controllers.map((controller) => client.call({ ...spec, onFirstContent: () => opened++ }, controller.signal));
  const deadline = Date.now() + 20_000;
  while (opened < streams && Date.now() < deadline) await sleep(20);
  await sleep(300);
  const open = await memorySample(ctx.bridge);
  for (const controller of controllers) controller.abort();
  await Promise.all(calls);
  await client.close();
  await provider.always(stallKey, undefined);
  await sleep(500);
  const afterClose = await memorySample(ctx.bridge);
  const result: MemoryResult = {
    streams,
    opened,
    idle,
    open,
    afterClose,
    rssPerStreamKB: round(((open.rssKiB - idle.rssKiB) * 1024) / 1000 / streams, 2),
    heapPerStreamKB: round((open.heapUsed - idle.heapUsed) / 1000 / streams, 2),
  };
  ctx.log(
    `memory                 idle ${(idle.rssKiB / 1024).toFixed(1)} MiB RSS, heap ${(idle.heapUsed / 2 ** 20).toFixed(1)} MiB; ` +
      `${opened}/${streams} open streams ${(open.rssKiB / 1024).toFixed(1)} MiB RSS, heap ${(open.heapUsed / 2 ** 20).toFixed(1)} MiB → ` +
      `${result.rssPerStreamKB.toFixed(1)} kB RSS per stream`,
  );
  return result;
}
