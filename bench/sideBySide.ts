// CPU per request of every proxy the benchmark started, with all of them loaded at once at the same fixed rate.
// Rounds that measure the sides back to back (runWorkload) answer how fast each side goes; their CPU figures also
// move with what the machine does that second and with how requests happen to batch at c=64, by up to a third
// between two sides running the same build. Here every proxy gets the same requests per second during the same
// seconds, so a slow moment or a burst from elsewhere hits all of them alike, and each round's ratio to the
// minimal proxy is what one request costs beside the floor.
import { fixedRate, SideClient, type CallSpec } from './loadGenerator';
import { cpuMsOf } from './osProcess';
import { anthropicBody, openaiBody } from './payloads';
import type { SideBySideResult } from './results';
import { median, quantile, round } from './stats';
import { REFERENCE, type WorkloadContext } from './workloads';

export interface SideBySideWorkload {
  id: string;
  title: string;
  spec: CallSpec;
  /** Requests (or streams) each proxy is sent per second. */
  perSecond: number;
}

/** Below what a 2-core machine carries with up to four proxies (`--compare-cli` adds one), the provider and the load generator on it. */
export function sideBySideWorkloads(): SideBySideWorkload[] {
  return [
    { id: 'openai-small-rate', title: 'OpenAI chat, small', spec: { protocol: 'openai', body: openaiBody(), stream: false }, perSecond: 500 },
    { id: 'anthropic-small-rate', title: 'Anthropic messages, small', spec: { protocol: 'anthropic', body: anthropicBody(), stream: false }, perSecond: 500 },
    { id: 'openai-stream-rate', title: 'OpenAI chat, stream', spec: { protocol: 'openai', body: openaiBody({ stream: true }), stream: true }, perSecond: 100 },
  ];
}

export async function runSideBySide(w: SideBySideWorkload, ctx: WorkloadContext): Promise<SideBySideResult> {
  const clients = ctx.sides.filter((s) => s.pid !== undefined).map((s) => new SideClient(s, 64));
  const perRound = Math.round((w.perSecond * ctx.profile.sideBySideMs) / 1000);
  const cpu = new Map<string, number[]>(clients.map((c) => [c.side.name, []]));
  const errors = new Map<string, number>(clients.map((c) => [c.side.name, 0]));
  // Each side's sender is started in turn, and the first one started sends first at every tick: an identical build
  // measured 2-3 % cheaper in second place than in first. The order rotates from round to round.
  const all = (count: number, round = 0): Promise<{ results: { ok: boolean }[] }[]> => {
    const loops: ReturnType<typeof fixedRate>[] = [];
    for (let i = 0; i < clients.length; i++) {
      const k = (i + round) % clients.length;
      loops[k] = fixedRate(w.perSecond, count, ctx.profile.sideBySideMs * 2, () => clients[k].call(w.spec));
    }
    return Promise.all(loops);
  };
  try {
    await all(Math.round(w.perSecond * (ctx.profile.warmMs / 1000)));
    for (let r = 0; r < ctx.profile.sideBySideRounds; r++) {
      const before = clients.map((c) => cpuMsOf(c.side.pid as number));
      const loops = await all(perRound, r);
      clients.forEach((c, i) => {
        const pid = c.side.pid as number;
        const ok = loops[i].results.filter((x) => x.ok).length;
        errors.set(c.side.name, (errors.get(c.side.name) ?? 0) + loops[i].results.length - ok);
        cpu.get(c.side.name)?.push((cpuMsOf(pid) - before[i]) / Math.max(1, loops[i].results.length));
      });
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  const floor = cpu.get(REFERENCE);
  const result: SideBySideResult = {
    id: w.id,
    title: w.title,
    stream: w.spec.stream,
    perSecond: w.perSecond,
    rounds: ctx.profile.sideBySideRounds,
    requestsPerRound: perRound,
    sides: clients.map((c) => {
      const own = cpu.get(c.side.name) ?? [];
      const ratios = floor ? own.map((v, i) => v / floor[i]) : [];
      return {
        side: c.side.name,
        cpuPerRequestMs: round(median(own), 4),
        errors: errors.get(c.side.name) ?? 0,
        ...(floor && c.side.name !== REFERENCE
          ? { vsFloor: round(median(ratios), 3), vsFloorQ25: round(quantile(ratios, 0.25), 3), vsFloorQ75: round(quantile(ratios, 0.75), 3) }
          : {}),
      };
    }),
  };
  ctx.log(
    `${w.id.padEnd(22)} side by side at ${w.perSecond}/s: ` +
      result.sides
        .map(
          (s) =>
            `${s.side} cpu ${s.cpuPerRequestMs.toFixed(3)} ms${s.vsFloor !== undefined ? ` (${s.vsFloor.toFixed(2)}×)` : ''}${s.errors ? ` ERRORS ${s.errors}` : ''}`,
        )
        .join(' | '),
  );
  return result;
}
