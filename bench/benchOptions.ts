/** Command line of `npm run bench`, and the two run profiles. */

export interface RunProfile {
  name: 'full' | 'quick';
  /** Each side is measured once per round; sides take turns going first. */
  rounds: number;
  /**
   * Rounds of the c=64 and c=256 workloads: their throughput moves by a tenth or more between two rounds of the
   * same side on a 2-core machine, and issue 25's goals compare it with the minimal proxy's within 5 %.
   */
  throughputRounds: number;
  /** Per side and round: requests at concurrency 1 (small bodies). */
  latencyRequests: number;
  /** Per side and round: 64 KiB and 1 MiB prompts at concurrency 1. */
  requests64k: number;
  requests1m: number;
  /** Per side and round: duration of a concurrency-64 non-streaming run. */
  throughputMs: number;
  /** Per side and round: streams at concurrency 1. */
  streams1: number;
  /** Per side and round: duration of the concurrency-64 and -256 streaming runs. */
  stream64Ms: number;
  stream256Ms: number;
  /** Per round: requests of each failover kind (paced 7 ms apart, so keep it modest). */
  failoverRequests: number;
  /** Unrecorded traffic per side before each workload, in ms. */
  warmMs: number;
  /** Unrecorded requests per side and protocol before anything is measured (JIT warm-up). */
  warmRequests: number;
  /** CPU side by side (bench/sideBySide.ts): rounds, and how long each round sends at the fixed rate. */
  sideBySideRounds: number;
  sideBySideMs: number;
}

export const FULL: RunProfile = {
  name: 'full',
  rounds: 5,
  throughputRounds: 9,
  latencyRequests: 400,
  requests64k: 250,
  requests1m: 40,
  throughputMs: 1_200,
  streams1: 10,
  stream64Ms: 1_200,
  stream256Ms: 1_500,
  failoverRequests: 50,
  warmMs: 500,
  warmRequests: 4_000,
  sideBySideRounds: 9,
  sideBySideMs: 3_000,
};

export const QUICK: RunProfile = {
  name: 'quick',
  rounds: 3,
  throughputRounds: 3,
  latencyRequests: 150,
  requests64k: 80,
  requests1m: 12,
  throughputMs: 600,
  streams1: 5,
  stream64Ms: 600,
  stream256Ms: 900,
  failoverRequests: 25,
  warmMs: 200,
  warmRequests: 2_000,
  sideBySideRounds: 3,
  sideBySideMs: 1_500,
};

export interface TargetSpec {
  name: string;
  /** OpenAI-compatible base URL (with /v1), if the target speaks it. */
  openaiBaseUrl?: string;
  /** Anthropic-compatible base URL (the server root, as Anthropic's SDK takes it), if the target speaks it. */
  anthropicBaseUrl?: string;
}

export interface BenchOptions {
  profile: RunProfile;
  targets: TargetSpec[];
  /** Regular expression over workload ids; the rest are skipped (memory and failover included). */
  only: RegExp | undefined;
  /** Write a V8 CPU profile of the bridge here. */
  cpuProfileDir: string | undefined;
  /** Fixed port for the fake provider, so a `--target` proxy can be pointed at it beforehand. 0 = any. */
  providerPort: number;
  /** Credential sent to `--target` proxies. */
  targetKey: string;
  /** Pause between two streamed events at the provider. */
  gapMs: number;
  /** Content events per stream. */
  events: number;
  /** Also measure the minimal pass-through proxy, the floor any Node proxy pays here. */
  reference: boolean;
  /** Another build of dist/cli.js, measured as a side of its own ("KeyBridge@compare"). */
  compareCli: string | undefined;
  /** Also a second bridge that records usage to a file, measured as a side of its own: what recording costs. */
  usageSide: boolean;
  /** Where the JSON and markdown results go. */
  outDir: string;
}

export const USAGE = `npm run bench -- [options]

  --quick                    shorter profile (3 rounds, shorter runs), about a minute
  --rounds N                 rounds per workload (default 5, quick 3)
  --only REGEX               run only workloads whose id matches (e.g. "small-c1|stream-c1")
  --target NAME=URL          also measure another OpenAI-compatible proxy (URL = its /v1 base) already
                             running on 127.0.0.1 and forwarding to the fake provider (see --provider-port)
  --target-anthropic NAME=URL  the same for an Anthropic-compatible base URL (may share NAME)
  --target-key KEY           credential sent to targets (default: bench-target-key)
  --provider-port N          fixed port for the fake provider (default: any free port)
  --gap MS                   pause between streamed events (default 3)
  --events N                 content events per stream (default 20)
  --no-reference             skip the minimal pass-through proxy measured beside KeyBridge
  --no-usage-side            skip the second bridge that records usage ("KeyBridge + usage file")
  --compare-cli FILE         also run another build of dist/cli.js as side "KeyBridge@compare", interleaved
                             with this one (to measure a hot-path change on a noisy machine)
  --cpu-prof DIR             write V8 CPU profiles of the bridge (and the other proxies) into DIR;
                             read one with: node out/bench-bin/profileSummary.js FILE
  --out DIR                  results directory (default bench/results)
`;

export class UsageError extends Error {}

function parseTarget(value: string, option: string): { name: string; url: string } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option} takes NAME=URL`);
  const name = value.slice(0, eq);
  const url = value.slice(eq + 1).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${option} ${name}: "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' || (parsed.hostname !== '127.0.0.1' && parsed.hostname !== 'localhost')) {
    throw new UsageError(`${option} ${name}: the benchmark only talks to http://127.0.0.1`);
  }
  if (/^(direct|keybridge|minimal proxy|keybridge \+ usage file)$/i.test(name)) throw new UsageError(`${option}: the name "${name}" is taken`);
  return { name, url };
}

export function parseBenchOptions(argv: string[], defaultOutDir: string): BenchOptions {
  const options: BenchOptions = {
    profile: FULL,
    targets: [],
    only: undefined,
    cpuProfileDir: undefined,
    providerPort: 0,
    targetKey: 'bench-target-key',
    gapMs: 3,
    events: 20,
    reference: true,
    usageSide: true,
    compareCli: undefined,
    outDir: defaultOutDir,
  };
  let rounds: number | undefined;
  const rest = [...argv];
  const target = (name: string): TargetSpec => {
    let spec = options.targets.find((t) => t.name === name);
    if (!spec) options.targets.push((spec = { name }));
    return spec;
  };
  while (rest.length) {
    const arg = rest.shift() as string;
    const value = (): string => {
      const v = rest.shift();
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const count = (min: number): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < min) throw new UsageError(`${arg} needs an integer ≥ ${min}`);
      return n;
    };
    switch (arg) {
      case '--quick':
        options.profile = QUICK;
        break;
      case '--rounds':
        rounds = count(1);
        break;
      case '--only':
        options.only = new RegExp(value());
        break;
      case '--target': {
        const { name, url } = parseTarget(value(), arg);
        target(name).openaiBaseUrl = url;
        break;
      }
      case '--target-anthropic': {
        const { name, url } = parseTarget(value(), arg);
        target(name).anthropicBaseUrl = url;
        break;
      }
      case '--target-key':
        options.targetKey = value();
        break;
      case '--provider-port':
        options.providerPort = count(1);
        break;
      case '--gap':
        options.gapMs = count(0);
        break;
      case '--events':
        options.events = count(1);
        break;
      case '--no-usage-side':
        options.usageSide = false;
        break;
      case '--no-reference':
        options.reference = false;
        break;
      case '--compare-cli':
        options.compareCli = value();
        break;
      case '--cpu-prof':
        options.cpuProfileDir = value();
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  if (rounds !== undefined) options.profile = { ...options.profile, rounds };
  return options;
}
