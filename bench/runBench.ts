// `npm run bench`: the fake provider and the headless bridge in processes of their own, a load generator here,
// direct and bridged measured in the same run, interleaved, several rounds. See bench/README.md.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBenchOptions, USAGE, UsageError, type BenchOptions } from './benchOptions';
import type { Side } from './loadGenerator';
import { OPENAI_MODEL } from './payloads';
import { cpuAccounting, loadAverage } from './osProcess';
import { startBridge, startProvider, startReference, type BridgeProcess, type ProviderProcess, type ReferenceProcess } from './processes';
import { evaluateGoals, renderMarkdown } from './report';
import type { BenchResults, DashboardLoadResult, FailoverResult, MemoryResult, SideBySideResult, WorkloadResult } from './results';
import { runSideBySide, sideBySideWorkloads } from './sideBySide';
import {
  COMPARE,
  defineWorkloads,
  DIRECT,
  FAILOVER_KEYS,
  KEYBRIDGE,
  memorySample,
  RECORDING,
  REFERENCE,
  runFailover,
  runMemory,
  runWorkload,
  warmUp,
  type WorkloadContext,
} from './workloads';

const REPO = resolve(__dirname, '..', '..');
/** The whole run is bounded; a hang must not outlive this. */
const RUN_LIMIT_MS = 15 * 60_000;
const TOKEN = 'kb-bench-local-token';
const DIRECT_KEY = 'bench-direct-key';
const STALL_KEY = 'bench-stall-key';
const MEMORY_STREAMS = 256;
/** A prompt this large leaves the process's memory grown for whatever runs after it. */
const LARGE_PROMPT_BYTES = 64 * 1024;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * `translated`: false for a `--compare-cli` build that predates cross-protocol routes (it refuses them); its
 * translated workloads are then relayed to the Anthropic pool, and its figures for them mean that.
 */
function bridgeConfig(provider: ProviderProcess, translated = true): { config: unknown; env: Record<string, string> } {
  const env: Record<string, string> = {
    KEYBRIDGE_TOKEN: TOKEN,
    BENCH_KEY_OA: 'bench-bridge-openai-key',
    BENCH_KEY_AN: 'bench-bridge-anthropic-key',
    BENCH_KEY_STALL: STALL_KEY,
  };
  const failoverKeys = Array.from({ length: FAILOVER_KEYS }, (_, i) => {
    env[`BENCH_KEY_FAILOVER_${i + 1}`] = `bench-failover-key-${i + 1}`;
    return { id: `f${i + 1}`, env: `BENCH_KEY_FAILOVER_${i + 1}` };
  });
  const { openaiBaseUrl, anthropicBaseUrl } = provider.urls;
  const config = {
    pools: [
      { id: 'oa', protocol: 'openai', baseUrl: openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', env: 'BENCH_KEY_OA' }] },
      { id: 'an', protocol: 'anthropic', baseUrl: anthropicBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', env: 'BENCH_KEY_AN' }] },
      { id: 'oa-failover', protocol: 'openai', baseUrl: openaiBaseUrl, strategy: 'fill-first', keys: failoverKeys },
      { id: 'oa-stall', protocol: 'openai', baseUrl: openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'stall', env: 'BENCH_KEY_STALL' }] },
    ],
    routes: [
      { protocol: 'openai', match: 'failover-*', targets: [{ pool: 'oa-failover' }] },
      { protocol: 'openai', match: 'stall-*', targets: [{ pool: 'oa-stall' }] },
      // Anthropic requests on an OpenAI-protocol pool: what a translated target costs beside a relayed one.
      ...(translated ? [{ protocol: 'anthropic', match: 'translated-*', targets: [{ pool: 'oa', model: OPENAI_MODEL }] }] : []),
    ],
    defaults: { openai: 'oa', anthropic: 'an' },
  };
  return { config, env };
}

/** The dashboard's opening over 90 days of usage, in a fresh process (bench/dashboardLoad.ts). */
function measureDashboard(binDir: string): Promise<DashboardLoadResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(join(binDir, 'dashboardLoad.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (result) => resolvePromise(result as DashboardLoadResult));
    child.once('exit', (code) => reject(new Error(`the dashboard load exited with code ${code} before its result`)));
  });
}

function sidesFor(
  options: BenchOptions,
  provider: ProviderProcess,
  bridge: BridgeProcess,
  reference: ReferenceProcess | undefined,
  compare: BridgeProcess | undefined,
  recording: BridgeProcess | undefined,
): Side[] {
  const sides: Side[] = [
    {
      name: DIRECT,
      origin: provider.urls.url,
      openaiPath: '/v1/chat/completions',
      anthropicPath: '/v1/messages',
      openaiAuth: { authorization: `Bearer ${DIRECT_KEY}` },
      anthropicAuth: { 'x-api-key': DIRECT_KEY },
    },
    {
      name: KEYBRIDGE,
      origin: bridge.url,
      openaiPath: '/openai/v1/chat/completions',
      anthropicPath: '/anthropic/v1/messages',
      openaiAuth: { authorization: `Bearer ${TOKEN}` },
      anthropicAuth: { 'x-api-key': TOKEN },
      pid: bridge.pid,
    },
  ];
  if (compare) {
    sides.push({ ...sides[1], name: COMPARE, origin: compare.url, pid: compare.pid });
  }
  if (recording) {
    sides.push({ ...sides[1], name: RECORDING, origin: recording.url, pid: recording.pid });
  }
  if (reference) {
    sides.push({
      name: REFERENCE,
      origin: reference.url,
      openaiPath: '/openai/v1/chat/completions',
      anthropicPath: '/anthropic/v1/messages',
      openaiAuth: { authorization: 'Bearer unused' },
      anthropicAuth: { 'x-api-key': 'unused' },
      pid: reference.pid,
    });
  }
  for (const t of options.targets) {
    const oa = t.openaiBaseUrl ? new URL(t.openaiBaseUrl) : undefined;
    const an = t.anthropicBaseUrl ? new URL(t.anthropicBaseUrl) : undefined;
    if (oa && an && oa.origin !== an.origin) throw new UsageError(`target ${t.name}: its OpenAI and Anthropic base URLs must share one origin`);
    sides.push({
      name: t.name,
      origin: (oa ?? an)?.origin as string,
      openaiPath: oa ? `${oa.pathname.replace(/\/+$/, '')}/chat/completions` : undefined,
      anthropicPath: an ? `${an.pathname.replace(/\/+$/, '')}/v1/messages` : undefined,
      openaiAuth: { authorization: `Bearer ${options.targetKey}` },
      anthropicAuth: { 'x-api-key': options.targetKey },
    });
  }
  return sides;
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2), join(REPO, 'bench', 'results'));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) log(`bench: ${error.message}`);
    process.stdout.write(USAGE);
    process.exitCode = error.message ? 2 : 0;
    return;
  }
  const wanted = (id: string): boolean => !options.only || options.only.test(id);
  const limit = setTimeout(() => {
    log(`bench: over the ${RUN_LIMIT_MS / 60_000}-minute limit, giving up`);
    process.exit(3);
  }, RUN_LIMIT_MS);
  limit.unref();

  const startedAt = new Date();
  const loadAverageStart = loadAverage();
  const binDir = __dirname;
  log(`bench: profile ${options.profile.name}, ${options.profile.rounds} rounds; load average ${loadAverageStart.join(' ')}`);
  const provider = await startProvider(binDir, { events: options.events, gapMs: options.gapMs, port: options.providerPort });
  let bridge: BridgeProcess | undefined;
  let reference: ReferenceProcess | undefined;
  let compare: BridgeProcess | undefined;
  let recording: BridgeProcess | undefined;
  let dashboard: DashboardLoadResult | undefined;
  // The usage file of the recording bridge: written as a user's would be, removed at the end.
  const usageDir = mkdtempSync(join(tmpdir(), 'keybridge-bench-usage-'));
  const workloads: WorkloadResult[] = [];
  const sideBySide: SideBySideResult[] = [];
  let failover: FailoverResult | undefined;
  let memory: MemoryResult | undefined;
  let sides: Side[] = [];
  try {
    const { config, env } = bridgeConfig(provider);
    if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
    bridge = await startBridge({ binDir, config, env, cpuProfileDir: options.cpuProfileDir && resolve(options.cpuProfileDir) });
    const cpuProfileDir = options.cpuProfileDir && resolve(options.cpuProfileDir);
    if (options.compareCli)
      compare = await startBridge({
        binDir,
        config: bridgeConfig(provider, process.env.KEYBRIDGE_BENCH_COMPARE_TRANSLATES === '1').config,
        env,
        cliPath: resolve(options.compareCli),
        cpuProfileDir,
      });
    if (options.usageSide)
      recording = await startBridge({ binDir, config: { ...(config as object), usageFile: join(usageDir, 'usage.jsonl') }, env, cpuProfileDir });
    if (options.reference) reference = await startReference(binDir, provider.urls.url, cpuProfileDir);
    sides = sidesFor(options, provider, bridge, reference, compare, recording);
    log(
      `bench: fake provider ${provider.urls.url} (pid ${provider.pid}), bridge ${bridge.url} (pid ${bridge.pid})` +
        `${reference ? `, minimal proxy ${reference.url} (pid ${reference.pid})` : ''}${options.targets.length ? `, targets ${options.targets.map((t) => t.name).join(', ')}` : ''}`,
    );
    const ctx: WorkloadContext = { profile: options.profile, sides, bridge, providerPid: provider.pid, log };

    await warmUp(ctx, options.profile.warmRequests);
    if (wanted('memory')) memory = await runMemory(ctx, provider, STALL_KEY, MEMORY_STREAMS);
    // Large prompts run last, after the side-by-side rounds too: a burst of 1 MiB bodies leaves the C heap grown
    // (memory freed but kept by the allocator, 80 MiB after 64 at once), and the stream workloads after them read
    // +41 MiB over the minimal proxy at c=64 where they read +18 MiB in a run of their own. Their rows keep their
    // place in the report.
    const defined = defineWorkloads(options.profile).filter((w) => wanted(w.id));
    const results = new Map<string, WorkloadResult>();
    for (const w of defined) if (w.body.length < LARGE_PROMPT_BYTES) results.set(w.id, await runWorkload(w, ctx));
    if (options.reference) for (const w of sideBySideWorkloads()) if (wanted(w.id)) sideBySide.push(await runSideBySide(w, ctx));
    for (const w of defined) if (w.body.length >= LARGE_PROMPT_BYTES) results.set(w.id, await runWorkload(w, ctx));
    workloads.push(...defined.flatMap((w) => results.get(w.id) ?? []));
    if (wanted('failover')) failover = await runFailover(ctx, provider);
    if (memory) memory.endIdle = await memorySample(bridge);
    if (wanted('dashboard')) {
      log('bench: dashboard over 90 days of usage (50 keys, 20 models)');
      dashboard = await measureDashboard(binDir);
    }
  } finally {
    await recording?.stop();
    rmSync(usageDir, { recursive: true, force: true });
    await reference?.stop();
    await compare?.stop();
    await bridge?.stop();
    await provider.stop();
  }

  const cpu = cpus();
  const results: BenchResults = {
    startedAt: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    profile: options.profile.name,
    rounds: options.profile.rounds,
    stream: { events: options.events, gapMs: options.gapMs },
    machine: {
      cpu: cpu[0]?.model.trim() ?? 'unknown',
      cores: cpu.length,
      memoryGiB: totalmem() / 2 ** 30,
      os: `${type()} ${release()}`,
      node: process.version,
      cpuAccounting: cpuAccounting(),
      loadAverageStart,
      loadAverageEnd: loadAverage(),
    },
    sides: sides.map((s) => s.name),
    workloads,
    sideBySide,
    failover,
    memory,
    dashboard,
    goals: [],
  };
  results.goals = evaluateGoals(results);
  const markdown = renderMarkdown(results);
  mkdirSync(options.outDir, { recursive: true });
  const stamp = results.startedAt.replace(/[:]/g, '-');
  writeFileSync(join(options.outDir, `bench-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  // Only a full, unfiltered run replaces the committed table; other runs print theirs and keep the JSON.
  if (!options.only && options.profile.name === 'full' && options.targets.length === 0) writeFileSync(join(options.outDir, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(`bench: done in ${results.durationS.toFixed(0)} s; results in ${options.outDir}`);
}

main().catch((error: unknown) => {
  log(`bench: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
