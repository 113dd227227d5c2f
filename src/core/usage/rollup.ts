import type { UsageGroup, UsageRecord, UsageRollup, UsageRow, UsageSums } from './usageRecord';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** How long each grain of the store is kept (docs/ARCHITECTURE.md §10). */
export interface RetentionPolicy {
  /** Raw records younger than this stay as they are. */
  rawMs: number;
  /** At most this many raw records; older ones are rolled up sooner (a bounded file under heavy traffic). */
  maxRaw: number;
  /** Hourly rollups younger than this stay hourly; older ones become daily. */
  hourlyMs: number;
  /** Nothing older than this is kept. */
  retentionMs: number;
}

const DEFAULT_RETENTION_DAYS = 90;
const MAX_RAW_RECORDS = 2_000;

export function retentionPolicy(retentionDays = DEFAULT_RETENTION_DAYS): RetentionPolicy {
  const retentionMs = retentionDays * DAY_MS;
  // The store's rows live in memory as well (reports and caps read them): the raw records are its one part that
  // grows with traffic, so they are bounded to a few thousand (about a megabyte); older ones become hourly sums,
  // which is the finest grain any report shows.
  return { rawMs: Math.min(48 * HOUR_MS, retentionMs), maxRaw: MAX_RAW_RECORDS, hourlyMs: Math.min(14 * DAY_MS, retentionMs), retentionMs };
}

export function emptySums(): UsageSums {
  return { requests: 0, errors: 0, failovers: 0, latencyMs: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

/** Adds one row (a record counts as one request) to running sums. */
export function addTo(sums: UsageSums, row: UsageRow): void {
  if (row.kind === 'request') {
    sums.requests++;
    if (row.outcome !== 'ok') sums.errors++;
  } else {
    sums.requests += row.requests;
    sums.errors += row.errors;
  }
  sums.failovers += row.failovers;
  sums.latencyMs += row.latencyMs;
  sums.inputTokens += row.inputTokens;
  sums.outputTokens += row.outputTokens;
  sums.cacheReadTokens += row.cacheReadTokens;
  sums.cacheWriteTokens += row.cacheWriteTokens;
}

export function groupOf(row: UsageRow): UsageGroup {
  const model = row.kind === 'request' ? (row.servedModel ?? row.model) : row.model;
  return { pool: row.pool, key: row.key, keyMasked: row.keyMasked, model, agent: row.agent, protocol: row.protocol };
}

/** A UTC hour's or day's start. */
export function bucketStart(at: number, grain: 'hour' | 'day'): number {
  const size = grain === 'hour' ? HOUR_MS : DAY_MS;
  return Math.floor(at / size) * size;
}

/** Folds rows into rollups of one grain, merged per group and bucket (with any rollups already there). */
class Folder {
  private readonly rollups = new Map<string, UsageRollup>();
  /**
   * Rollups of this grain taken as they came, not copied: most rows of a store already are one, and copying
   * tens of thousands of them at every open was most of its time. One is copied before anything adds to it,
   * so the rows passed in are never changed.
   */
  private readonly borrowed = new Set<UsageRollup>();

  constructor(private readonly grain: 'hour' | 'day') {}

  add(row: UsageRow): void {
    const model = row.kind === 'request' ? (row.servedModel ?? row.model) : row.model;
    const at = bucketStart(row.at, this.grain);
    // Joined with a separator no name holds (the file's names are JSON strings of printable text).
    const id = `${at}\u0000${row.pool}\u0000${row.key}\u0000${model}\u0000${row.agent}\u0000${row.protocol}`;
    let rollup = this.rollups.get(id);
    if (!rollup) {
      if (row.kind === this.grain && row.at === at) {
        this.rollups.set(id, row);
        this.borrowed.add(row);
        return;
      }
      rollup = { kind: this.grain, at, ...groupOf(row), ...emptySums() };
      if (rollup.keyMasked === undefined) delete rollup.keyMasked;
      this.rollups.set(id, rollup);
    } else if (this.borrowed.has(rollup)) {
      this.borrowed.delete(rollup);
      rollup = { ...rollup };
      this.rollups.set(id, rollup);
    }
    rollup.keyMasked ??= row.keyMasked;
    addTo(rollup, row);
  }

  rows(): UsageRollup[] {
    return [...this.rollups.values()];
  }
}

/** Records summed into hourly rollups, one per group and hour (a store may hold a second one until it is compacted). */
export function rollUpHours(records: readonly UsageRecord[]): UsageRollup[] {
  const hours = new Folder('hour');
  for (const record of records) hours.add(record);
  return hours.rows();
}

/**
 * The store after time has passed: raw records past their window (or beyond `maxRaw`) become hourly rollups,
 * hourly rollups past theirs become daily, and nothing older than the retention is kept. Pure and idempotent:
 * the same rows and time give the same result, in time order.
 */
export function compact(rows: readonly UsageRow[], now: number, policy: RetentionPolicy): UsageRow[] {
  const oldest = now - policy.retentionMs;
  const raw = rows.filter((r): r is UsageRecord => r.kind === 'request').sort((a, b) => a.at - b.at);
  const keepFrom = Math.max(0, raw.length - policy.maxRaw);
  const hours = new Folder('hour');
  const days = new Folder('day');
  const keptRaw: UsageRecord[] = [];
  raw.forEach((record, i) => {
    if (i >= keepFrom && record.at >= now - policy.rawMs) keptRaw.push(record);
    else hours.add(record);
  });
  for (const row of rows) {
    if (row.kind === 'hour') hours.add(row);
    else if (row.kind === 'day') days.add(row);
  }
  const keptHours: UsageRollup[] = [];
  for (const hour of hours.rows()) {
    if (hour.at >= bucketStart(now - policy.hourlyMs, 'hour')) keptHours.push(hour);
    else days.add(hour);
  }
  const all: UsageRow[] = [...days.rows(), ...keptHours, ...keptRaw];
  // A rollup stays while any part of its hour or day is within the retention.
  return all.filter((row) => row.at + spanOf(row) > oldest).sort((a, b) => a.at - b.at);
}

function spanOf(row: UsageRow): number {
  return row.kind === 'day' ? DAY_MS : row.kind === 'hour' ? HOUR_MS : 0;
}
