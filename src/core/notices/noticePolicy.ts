import type { Protocol } from '../config';
import type { KeyChangeEvent, RequestSummary } from '../status';

/**
 * Which events interrupt the user: none, keys that stopped working for good (refused or out of quota: the user
 * has to act), or those and requests that had to leave the client's provider for another protocol's.
 */
export const NOTICE_LEVELS = ['off', 'keys', 'all'] as const;
export type NoticeLevel = (typeof NOTICE_LEVELS)[number];

type NoticeKind = 'key-invalid' | 'key-exhausted' | 'cross-protocol';

export interface Notice {
  kind: NoticeKind;
  pool: string;
  /** One sentence for a notification; keys appear masked only. */
  message: string;
}

/**
 * One notice per kind and pool in a quiet period: a pool whose keys are revoked one after another, or a route
 * that falls back on every request, would otherwise fill the screen. The tree and the dashboard show the rest.
 */
export const NOTICE_QUIET_MS = 10 * 60_000;

/**
 * Turns the bridge's key changes and request summaries into the few notices worth an interruption
 * (docs/ARCHITECTURE.md §12). Pure: the host shows them.
 */
export class NoticePolicy {
  private readonly lastShown = new Map<string, number>();

  constructor(
    private readonly level: () => NoticeLevel,
    private readonly now: () => number,
    private readonly quietMs = NOTICE_QUIET_MS,
  ) {}

  onKeyChange(event: KeyChangeEvent): Notice | undefined {
    if (this.level() === 'off' || event.previous === event.state) return undefined;
    const key = `${event.pool}/${event.label} (${event.masked})`;
    const why = event.reason ? `: ${event.reason}` : '';
    if (event.state === 'invalid') {
      return this.gate({
        kind: 'key-invalid',
        pool: event.pool,
        message: `Key ${key} was refused by the provider${why}. Requests go to the pool's other keys.`,
      });
    }
    if (event.state === 'exhausted') {
      return this.gate({ kind: 'key-exhausted', pool: event.pool, message: `Key ${key} is out of quota${why}. Requests go to the pool's other keys.` });
    }
    return undefined;
  }

  /** `poolProtocol` tells which protocol the serving pool speaks; a request served in the client's own is no news. */
  onRequest(summary: RequestSummary, poolProtocol: (pool: string) => Protocol | undefined): Notice | undefined {
    if (this.level() !== 'all' || summary.outcome !== 'ok' || !summary.failovers || summary.pool === undefined) return undefined;
    const served = poolProtocol(summary.pool);
    if (served === undefined || served === summary.protocol) return undefined;
    const model = summary.model === undefined ? '' : ` for ${summary.model}`;
    return this.gate({
      kind: 'cross-protocol',
      pool: summary.pool,
      message: `A request${model} fell back to pool ${summary.pool}, translated to another protocol: the route's first targets could not serve it.`,
    });
  }

  private gate(notice: Notice): Notice | undefined {
    const slot = `${notice.kind} ${notice.pool}`;
    const now = this.now();
    const last = this.lastShown.get(slot);
    if (last !== undefined && now - last < this.quietMs) return undefined;
    this.lastShown.set(slot, now);
    return notice;
  }
}
