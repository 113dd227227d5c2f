/** The shape of bench/results/*.json, which the markdown report is rendered from. */

export interface SideRound {
  round: number;
  /** Position in this round's order (sides take turns going first). */
  order: number;
  count: number;
  errors: number;
  elapsedMs: number;
  /** Requests (or whole streams) answered per second. */
  throughput: number;
  medianMs: number;
  p90Ms: number;
  /** Streams: median time to the first content event. */
  medianFirstMs?: number;
  /** Streams: median SSE events per answer (a check that every side relayed the whole stream). */
  eventsPerStream?: number;
  /** Proxies the benchmark started: CPU the kernel charged the proxy during this round (see Machine.cpuAccounting). */
  proxyCpuMs?: number;
  /** The same from getrusage(2) in the bridge (microsecond resolution), as a cross-check. */
  bridgeRusageMs?: number;
}

/** A median over rounds, with the quartiles around it. */
export interface Spread {
  median: number;
  q25: number;
  q75: number;
}

export interface SideSummary {
  side: string;
  rounds: SideRound[];
  count: number;
  errors: number;
  /** Medians over rounds of each round's own figure. */
  medianMs: number;
  p90Ms: number;
  throughput: number;
  medianFirstMs?: number;
  /** Against direct, paired by round: median over rounds of (side − direct) or (side / direct). */
  addedMs?: number;
  latencyRatio?: number;
  throughputRatio?: number;
  addedFirstMs?: number;
  /**
   * Against the minimal proxy, paired by round like the figures against direct (both ran in the same round; the
   * turns go the other way every other round): each round's throughput ratio and, for streams, its difference in first content, with
   * the quartiles of the rounds. What issue 25's goals are judged on.
   */
  vsFloorThroughput?: Spread;
  vsFloorFirstMs?: Spread;
  /** Proxies the benchmark started: their CPU per request, the median of the rounds' figures. */
  cpuPerRequestMs?: number;
  /** The same pooled: all their rounds' CPU over all their requests. */
  cpuPerRequestPooledMs?: number;
  /** The bridge only: the pooled figure from getrusage(2). */
  cpuPerRequestRusageMs?: number;
  /** The fake provider's CPU per request during this side's rounds: the cost of one plain Node server hop. */
  providerCpuPerRequestMs?: number;
  /** A proxy side: highest resident memory sampled during its rounds (every 100 ms). */
  peakRssKiB?: number;
}

export interface WorkloadResult {
  id: string;
  title: string;
  protocol: 'openai' | 'anthropic';
  concurrency: number;
  stream: boolean;
  bodyBytes: number;
  /** Which figure is the verdict: median latency (c=1) or throughput. */
  focus: 'latency' | 'throughput';
  sides: SideSummary[];
}

/** Every proxy loaded at once at the same fixed rate (bench/sideBySide.ts): CPU per request, and each round's ratio to the minimal proxy. */
export interface SideBySideResult {
  id: string;
  title: string;
  stream: boolean;
  /** Requests (or streams) each proxy was sent per second. */
  perSecond: number;
  rounds: number;
  requestsPerRound: number;
  sides: {
    side: string;
    /** Median over rounds. */
    cpuPerRequestMs: number;
    errors: number;
    /** Over rounds: median and quartiles of this side's CPU per request / the minimal proxy's in the same round. */
    vsFloor?: number;
    vsFloorQ25?: number;
    vsFloorQ75?: number;
  }[];
}

export interface FailoverResult {
  rounds: number;
  requestsPerKind: number;
  errors: number;
  /** Medians over rounds of each round's median, ms. */
  directOkMs: number;
  direct429Ms: number;
  bridgeOkMs: number;
  bridgeFailoverMs: number;
  /** Paired per round: failover − bridged healthy − one direct 429 round trip. What the switch itself costs. */
  switchCostMs: number;
  /** Paired per round: failover / direct healthy. */
  failoverVsDirect: number;
}

export interface MemorySample {
  rssKiB: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryResult {
  streams: number;
  /** Streams that had relayed their first content event when memory was sampled. */
  opened: number;
  idle: MemorySample;
  open: MemorySample;
  afterClose: MemorySample;
  /** Resident memory per open stream, in kB (1000 bytes): (open − idle) / streams. */
  rssPerStreamKB: number;
  heapPerStreamKB: number;
  /** Idle again at the end of the whole run. */
  endIdle?: MemorySample;
}

/** The dashboard opened over a long usage history (bench/dashboardLoad.ts), in a process of its own. */
export interface DashboardLoadResult {
  keys: number;
  models: number;
  days: number;
  /** The rows of the file, by grain, after compaction. */
  rows: { raw: number; hourly: number; daily: number };
  fileMiB: number;
  /** Reading and parsing the file. */
  readMs: number;
  /** Compacting it, as the store does when it opens. */
  openMs: number;
  /** The 90-day report with every breakdown and the daily series, priced. */
  queryMs: number;
  /** The page's data, shaped and serialised as the message posted to it. */
  shapeMs: number;
  totalMs: number;
  /** CPU time of the process over the same steps (user + system): less moved by other work on the machine. */
  cpuMs: number;
  messageKiB: number;
  peakRssMiB: number;
  /** Heap used at the peak, above before reading. */
  heapGrowthMiB: number;
  /** Heap still used after a full GC with the store's rows held (what the owner keeps). */
  heapHeldMiB: number;
  requests: number;
  /** The report's estimate, and what it could not price (0: every row was priced, as for a user). */
  costUsd: number | null;
  unpricedTokens: number;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** Where CPU times were read from. */
  cpuAccounting: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
  /** The same figure for the minimal pass-through proxy in the same run, where it has one: what any Node proxy reaches here. */
  floor?: string;
}

export interface BenchResults {
  startedAt: string;
  durationS: number;
  profile: string;
  rounds: number;
  stream: { events: number; gapMs: number };
  machine: Machine;
  sides: string[];
  workloads: WorkloadResult[];
  sideBySide?: SideBySideResult[];
  failover?: FailoverResult;
  memory?: MemoryResult;
  dashboard?: DashboardLoadResult;
  goals: Goal[];
}
