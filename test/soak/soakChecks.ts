import type { LedgerEntry } from '../fakeProvider/fakeProvider';
import { bodyNeverStarts, breaksAfterCommit, preambleEvents, type PlannedFault } from './faultMix';
import { DEAD_STATES, type KeyTimeline } from './keyTimeline';
import { requestBoundMs } from './soakProfile';
import { BAD_OUTCOMES, type ClientRecord } from './soakTraffic';

export type KeyRole = 'rotating' | 'auth-flips' | 'quota-flips' | 'backup';

export interface SoakKey {
  /** `pool/key`, as the bridge logs it. */
  ref: string;
  pool: string;
  id: string;
  env: string;
  secret: string;
  role: KeyRole;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  summary: string;
  samples: string[];
}

/** Everything the soak recorded, from the provider's ledger and the clients' view. */
export interface SoakEvidence {
  keys: readonly SoakKey[];
  ledger: readonly LedgerEntry[];
  /** The random fault each provider request took, by ledger seq. */
  planned: ReadonlyMap<number, PlannedFault>;
  records: readonly ClientRecord[];
  timeline: KeyTimeline;
}

/**
 * How late the provider may see a request that the bridge sent before it
 * marked the key: the pick and the mark race, and the provider's event loop
 * shares a busy process with the clients.
 */
const MARK_SLACK_MS = 750;
/** How long after its client went away an upstream request may still be seen running. */
const ABORT_SLACK_MS = 1_000;
const MAX_SAMPLES = 6;

function result(name: string, violations: string[], summary: string): CheckResult {
  return {
    name,
    passed: violations.length === 0,
    summary: violations.length ? `${violations.length} violation(s); ${summary}` : summary,
    samples: violations.slice(0, MAX_SAMPLES),
  };
}

export class SoakAnalysis {
  readonly bySoak = new Map<number, LedgerEntry[]>();
  readonly keyBySecret = new Map<string, SoakKey>();
  private readonly entriesByKey = new Map<string, LedgerEntry[]>();
  private readonly recordsById = new Map<number, ClientRecord>();

  constructor(readonly evidence: SoakEvidence) {
    for (const record of evidence.records) this.recordsById.set(record.id, record);
    for (const key of evidence.keys) this.keyBySecret.set(key.secret, key);
    for (const entry of evidence.ledger) {
      const soak = soakIdOf(entry);
      if (soak !== undefined) {
        const list = this.bySoak.get(soak) ?? [];
        list.push(entry);
        this.bySoak.set(soak, list);
      }
      if (entry.key !== undefined) {
        const list = this.entriesByKey.get(entry.key) ?? [];
        list.push(entry);
        this.entriesByKey.set(entry.key, list);
      }
    }
    for (const list of this.entriesByKey.values()) list.sort((a, b) => a.startedAt - b.startedAt);
  }

  attempts(record: ClientRecord): LedgerEntry[] {
    return this.bySoak.get(record.id) ?? [];
  }

  lastAttempt(record: ClientRecord): LedgerEntry | undefined {
    const list = this.attempts(record);
    return list[list.length - 1];
  }

  /** Whether the answer that reached the client broke after the commit point because the provider broke it. */
  brokeAfterCommit(record: ClientRecord): boolean {
    const last = this.lastAttempt(record);
    return last !== undefined && breaksAfterCommit(this.evidence.planned.get(last.seq), last.stream, last.endpoint);
  }

  /** The attempts of one client request, for a failure report. */
  trail(record: ClientRecord): string {
    const steps = this.attempts(record).map((e) => {
      const key = e.key ? (this.keyBySecret.get(e.key)?.ref ?? '?') : '-';
      const fault = this.evidence.planned.get(e.seq)?.label ?? e.fault ?? 'none';
      const cut = fault === 'cut' || fault === 'stall' ? `@${(this.evidence.planned.get(e.seq)?.fault as { afterEvents?: number }).afterEvents}` : '';
      return `#${e.seq} ${key} ${fault}${cut} → ${e.status ?? 'no status'}${e.stream ? ` ev=${e.eventsSent}` : ''}${e.aborted ? ' aborted' : ''} +${e.startedAt - record.sentAt}ms`;
    });
    const outcome = `${record.kind}${record.stream ? ' stream' : ''}${record.tool ? ' tool' : ''} #${record.id}: ${record.outcome}${record.detail ? ` (${record.detail.slice(0, 140)})` : ''} in ${record.endedAt - record.sentAt} ms`;
    return `${outcome}; attempts: ${steps.join(' | ') || 'none'}`;
  }

  private refOf(secret: string | undefined): string {
    return (secret && this.keyBySecret.get(secret)?.ref) ?? '?';
  }

  /** A key's logged transitions and its key tests within 15 s before `at`, times relative to `at`: for a violation report. */
  keyStory(secret: string, at: number): string {
    const ref = this.refOf(secret);
    const events: [number, string][] = [];
    for (const t of this.evidence.timeline.of(ref)) if (t.at > at - 15_000 && t.at < at + 2_000) events.push([t.at, `${t.from}→${t.to}`]);
    for (const e of this.entriesByKey.get(secret) ?? []) {
      if (e.startedAt > at - 15_000 && e.startedAt < at + 2_000 && soakIdOf(e) === undefined)
        events.push([e.startedAt, `test #${e.seq} ${e.fault ?? ''} → ${e.status ?? '-'} (ended ${e.endedAt === undefined ? '-' : e.endedAt - at})`]);
    }
    return events
      .sort((a, b) => a[0] - b[0])
      .map(([t, what]) => `${t - at} ${what}`)
      .join(', ');
  }

  /** Every client request ends with a complete answer or a clean, protocol-shaped error: nothing hangs or is silently cut short. */
  checkAnswers(): CheckResult {
    const violations: string[] = [];
    for (const record of this.evidence.records) {
      if (BAD_OUTCOMES.has(record.outcome)) violations.push(this.trail(record));
      // A stream always ends with the protocol's terminal error; only a non-streamed answer the provider broke may be cut.
      else if (record.outcome === 'cut' && (record.stream || !this.brokeAfterCommit(record))) violations.push(this.trail(record));
    }
    return result(
      'every request ends with a complete answer or a clean protocol-shaped error (no hang, no silent truncation)',
      violations,
      `${this.evidence.records.length} requests`,
    );
  }

  checkBudget(): CheckResult {
    const bound = requestBoundMs();
    const violations: string[] = [];
    let longest = 0;
    for (const record of this.evidence.records) {
      if (record.abortedAt !== undefined) continue;
      const ms = record.endedAt - record.sentAt;
      longest = Math.max(longest, ms);
      if (ms > bound) violations.push(this.trail(record));
    }
    return result(
      `every request ends inside the request budget (${bound} ms: budget + first-byte timeout + idle timeout + slack)`,
      violations,
      `longest ${longest} ms`,
    );
  }

  /** While a route has a healthy key, everything without a provider fault after the commit point succeeds. */
  checkHealthySuccess(): CheckResult {
    const violations: string[] = [];
    let eligible = 0;
    let faultedAfterCommit = 0;
    for (const record of this.evidence.records) {
      if (record.kind === 'solo' || record.abortedAt !== undefined) continue;
      if (this.brokeAfterCommit(record)) {
        faultedAfterCommit++;
        continue;
      }
      eligible++;
      if (record.outcome !== 'complete') violations.push(this.trail(record));
    }
    const rate = eligible ? (((eligible - violations.length) / eligible) * 100).toFixed(3) : '100';
    return result(
      'with a healthy key on the route, every request without a mid-stream fault succeeds',
      violations,
      `${eligible - violations.length}/${eligible} = ${rate}% (excluded: ${faultedAfterCommit} broken by the provider after the commit point)`,
    );
  }

  /** No request reaches a key marked invalid, exhausted or retired: it must pass a re-test (or be restored) first. */
  checkDeadKeysUntouched(): CheckResult {
    const violations: string[] = [];
    let checked = 0;
    for (const entry of this.evidence.ledger) {
      if (soakIdOf(entry) === undefined || entry.key === undefined) continue;
      checked++;
      const ref = this.refOf(entry.key);
      if (!this.evidence.timeline.usableWithin(ref, entry.startedAt - MARK_SLACK_MS, entry.startedAt)) {
        const at = this.evidence.timeline.stateAt(ref, entry.startedAt - MARK_SLACK_MS);
        const mark = this.evidence.timeline.lastBefore(ref, entry.startedAt - MARK_SLACK_MS);
        const record = this.recordsById.get(soakIdOf(entry) ?? -1);
        violations.push(
          `#${entry.seq} reached ${ref} ${mark ? `${entry.startedAt - mark.at} ms after it went ${mark.from} → ${mark.to}${mark.reason ? ` (${mark.reason})` : ''}` : `while ${at}`}; ${record ? this.trail(record) : ''}; around it: ${this.keyStory(entry.key, entry.startedAt)}`,
        );
      }
    }
    return result(
      'no request reaches a key marked invalid, exhausted or retired',
      violations,
      `${checked} proxied attempts checked against ${this.evidence.timeline.transitions.length} logged key transitions`,
    );
  }

  /** A dead key comes back only through a passing re-test; a cooling key never comes back early. */
  checkRevivals(): CheckResult {
    const violations: string[] = [];
    let retested = 0;
    for (const t of this.evidence.timeline.transitions) {
      if (t.to !== 'ready') continue;
      if (t.from === 'cooling') {
        violations.push(`${t.ref} cooling → ready at ${new Date(t.at).toISOString()}: a success cleared a cooldown before its deadline`);
        continue;
      }
      if (t.from !== 'invalid' && t.from !== 'exhausted') continue;
      const secret = this.evidence.keys.find((k) => k.ref === t.ref)?.secret;
      const test = (secret ? (this.entriesByKey.get(secret) ?? []) : []).find(
        (e) =>
          e.method === 'GET' &&
          e.endpoint === 'models' &&
          (e.status === 200 || e.status === 429) &&
          e.endedAt !== undefined &&
          e.endedAt <= t.at + 250 &&
          e.endedAt >= t.at - 3_000,
      );
      if (test) retested++;
      else violations.push(`${t.ref} ${t.from} → ready at ${new Date(t.at).toISOString()} with no passing re-test`);
    }
    return result(
      'a key marked invalid or exhausted comes back only through a passing re-test; no cooldown ends early',
      violations,
      `${retested} keys revived by a re-test`,
    );
  }

  /** No request for the limited model reaches a key before the cooldown its 429 asked for has passed (other models may use it). */
  checkCooldownsRespected(): CheckResult {
    const violations: string[] = [];
    let windows = 0;
    for (const entry of this.evidence.ledger) {
      const plan = this.evidence.planned.get(entry.seq);
      if (!plan || (plan.coolingFloorMs === undefined && plan.coolingUntil === undefined) || entry.key === undefined || entry.endedAt === undefined) continue;
      // The bridge marks only what it received: a 429 (or in-stream limit) delivered whole, to a client still there.
      if (entry.aborted || (plan.fault.kind === 'rateLimit' && entry.status !== 429)) continue;
      const soak = soakIdOf(entry);
      const record = soak !== undefined ? this.recordsById.get(soak) : undefined;
      if (record?.abortedAt !== undefined) continue;
      if (plan.fault.kind === 'errorEvent' && !this.errorEventDelivered(entry, plan)) continue;
      const ref = this.refOf(entry.key);
      // A dead key does not cool; a key retired, found dead or restored later leaves the cooldown behind by design.
      if (DEAD_STATES.has(this.evidence.timeline.stateAt(ref, entry.endedAt))) continue;
      const from = entry.endedAt + MARK_SLACK_MS;
      // The bridge may read the 429 before the provider's 'finish' fires, but never before the provider began writing it.
      let to = plan.coolingUntil ?? (entry.headersSentAt ?? entry.startedAt) + (plan.coolingFloorMs ?? 0);
      for (const t of this.evidence.timeline.of(ref)) {
        if (t.at > entry.endedAt && t.at < to && (DEAD_STATES.has(t.to) || DEAD_STATES.has(t.from))) to = t.at;
      }
      if (to <= from) continue;
      windows++;
      for (const other of this.entriesByKey.get(entry.key) ?? []) {
        // A 429 cools the key for the model it was answered for; one that named no model cools it for all.
        if (entry.model !== undefined && other.model !== entry.model) continue;
        if (other.startedAt > from && other.startedAt < to) {
          violations.push(
            `#${other.seq} reached ${ref} ${other.startedAt - entry.endedAt} ms after the ${plan.label} of #${entry.seq} ended; cooling until ${to - entry.endedAt} ms after it at least`,
          );
        }
      }
    }
    return result('no request for the limited model reaches a cooling key before its deadline', violations, `${windows} cooldown windows checked`);
  }

  /** An in-stream error counts only if the bridge got to read it. */
  private errorEventDelivered(entry: LedgerEntry, plan: PlannedFault): boolean {
    if (!entry.stream) return entry.status === 429;
    const after = plan.fault.kind === 'errorEvent' ? (plan.fault.afterEvents ?? 0) : 0;
    return entry.completed && entry.eventsSent >= preambleEvents(entry.endpoint) + after + 1;
  }

  /** No upstream request keeps running after its client went away (or got its answer). */
  checkNoAbandonedUpstream(): { result: CheckResult; maxAbortLagMs: number } {
    const violations: string[] = [];
    let maxLag = 0;
    let aborted = 0;
    for (const record of this.evidence.records) {
      const gone = record.abortedAt ?? record.endedAt;
      if (record.abortedAt !== undefined) aborted++;
      for (const entry of this.attempts(record)) {
        const ended = entry.endedAt ?? Number.POSITIVE_INFINITY;
        if (record.abortedAt !== undefined && ended > record.abortedAt) maxLag = Math.max(maxLag, ended - record.abortedAt);
        if (ended > gone + ABORT_SLACK_MS)
          violations.push(`${this.trail(record)}: #${entry.seq} ${entry.endedAt === undefined ? 'never ended' : `ended ${ended - gone} ms after the client`}`);
        else if (entry.startedAt > gone + ABORT_SLACK_MS)
          violations.push(`${this.trail(record)}: #${entry.seq} started ${entry.startedAt - gone} ms after the client left`);
      }
    }
    return {
      result: result(
        'no upstream request keeps running after its client went away',
        violations,
        `${aborted} client aborts; slowest upstream stop ${maxLag} ms after the client hung up`,
      ),
      maxAbortLagMs: maxLag,
    };
  }

  checkNothingLeftOpen(openStreams: number): CheckResult {
    const open = this.evidence.ledger.filter((e) => e.endedAt === undefined);
    const violations = open.map((e) => `#${e.seq} ${e.method} ${e.path} ${this.refOf(e.key)} still open (started ${new Date(e.startedAt).toISOString()})`);
    if (openStreams > 0) violations.push(`the provider still counts ${openStreams} open streams`);
    return result('no upstream request is left open after the load', violations, `${this.evidence.ledger.length} upstream requests, all ended`);
  }

  /**
   * No upstream request is repeated once bytes of its answer reached the
   * client, and the answer the client got is the last attempt's, whole.
   */
  checkNoRepeatAfterCommit(): CheckResult {
    const violations: string[] = [];
    let committedSeen = 0;
    for (const record of this.evidence.records) {
      const attempts = this.attempts(record);
      attempts.forEach((entry, i) => {
        if (!this.committed(entry, record)) return;
        committedSeen++;
        if (i < attempts.length - 1) violations.push(`${this.trail(record)}: attempted again after #${entry.seq} reached the client`);
      });
      const last = attempts.at(-1);
      if (!last) continue;
      if (record.seqSeen !== undefined && record.seqSeen !== last.seq)
        violations.push(`${this.trail(record)}: the client got the answer of #${record.seqSeen}, not of the last attempt #${last.seq}`);
      if (record.kind === 'embeddings' && record.outcome === 'complete' && record.firstComponent !== Math.fround(Math.sin(last.seq * 31) / 2)) {
        violations.push(`${this.trail(record)}: the embedding is not the one of #${last.seq}`);
      }
    }
    return result(
      'no upstream request is repeated once bytes of its answer reached the client; no answer is spliced',
      violations,
      `${committedSeen} committed answers`,
    );
  }

  /** Whether the bridge had passed this attempt's commit point (docs/ARCHITECTURE.md §5), from what the provider sent. */
  private committed(entry: LedgerEntry, record: ClientRecord): boolean {
    if (entry.status !== 200) return false;
    // A translated answer that is not streamed is read whole before anything reaches the client: until the
    // provider finished writing it, the route can still fail over (docs/ARCHITECTURE.md §9).
    if (!entry.stream && record.kind === 'translated' && entry.protocol !== record.protocol) return entry.completed;
    if (!entry.stream) return !bodyNeverStarts(this.evidence.planned.get(entry.seq));
    const plan = this.evidence.planned.get(entry.seq)?.fault;
    if (plan?.kind === 'errorEvent' && (plan.afterEvents ?? 0) === 0) return false;
    return entry.eventsSent > preambleEvents(entry.endpoint);
  }
}

function soakIdOf(entry: LedgerEntry): number | undefined {
  const value = entry.headers['x-soak-id'];
  return typeof value === 'string' ? Number(value) : undefined;
}
