/**
 * First-event deadlines learned per target (docs/ARCHITECTURE.md §4). One
 * number cannot fit both a fast model, whose first token is late only when
 * something is wrong, and a reasoning model that thinks silently for 40 s.
 * So each target (pool + model) keeps its recent times to the first content
 * event, and while the route has somewhere else to go a stream gives up after
 * a high percentile of them times a margin, within a floor and the
 * configured `firstEventTimeoutMs`. Deadlines set on the pool or the route
 * are the user's word and win.
 */

/** Recent streams kept per target: enough for a 95th percentile, few enough to follow a change within minutes. */
const SAMPLES = 32;
/** Fewer streams than this say little about a target: the configured deadline applies. */
const MIN_SAMPLES = 5;
const PERCENTILE = 0.95;

/** The recent times to the first content event of one target, oldest overwritten first. */
export class FirstEventHistory {
  private readonly samples: number[] = [];
  private next = 0;

  /**
   * A stream's time from request to first content event. A stream cut at a
   * learned deadline is recorded too, at the time it waited: the target may
   * have become slower for good, and without these its deadline would never
   * grow and every stream would be cut for ever.
   */
  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % SAMPLES;
  }

  get count(): number {
    return this.samples.length;
  }

  /** The nearest-rank 95th percentile; undefined while there are too few samples. */
  percentile(): number | undefined {
    if (this.samples.length < MIN_SAMPLES) return undefined;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.ceil(PERCENTILE * sorted.length) - 1];
  }
}

export interface FirstEventLearning {
  /** The learned deadline never goes under this. */
  floorMs: number;
  /** The percentile is multiplied by this. */
  margin: number;
}

/** Where a first-event deadline came from: a route's or pool's own setting, the history, or the tuning. */
export type FirstEventSource = 'route' | 'pool' | 'learned' | 'tuning';

export interface FirstEventDeadline {
  ms: number;
  source: FirstEventSource;
}

/** The configured first-event deadlines that apply to one target of one route. */
export interface ConfiguredFirstEvent {
  tuningMs: number;
  poolMs?: number;
  routeMs?: number;
}

/**
 * The first-event deadline of a stream to a target while its route has a
 * later one. Learned only when the target has history and the result is
 * shorter than the tuning's deadline, which stays the ceiling.
 */
export function firstEventDeadline(configured: ConfiguredFirstEvent, history: FirstEventHistory | undefined, learning: FirstEventLearning): FirstEventDeadline {
  if (configured.routeMs !== undefined) return { ms: configured.routeMs, source: 'route' };
  if (configured.poolMs !== undefined) return { ms: configured.poolMs, source: 'pool' };
  const percentile = history?.percentile();
  if (percentile !== undefined) {
    const learned = Math.max(learning.floorMs, Math.ceil(percentile * learning.margin));
    if (learned < configured.tuningMs) return { ms: learned, source: 'learned' };
  }
  return { ms: configured.tuningMs, source: 'tuning' };
}
