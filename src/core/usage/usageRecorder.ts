import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { RequestSummary } from '../status';
import type { Pricer } from './price';
import { compact, retentionPolicy, rollUpHours, type RetentionPolicy } from './rollup';
import { appendUsageRows, readUsageFile, rewriteUsageFile, setAsideUsageFile } from './usageFile';
import { queryUsage, type UsageQuery, type UsageReport } from './usageQuery';
import { recordFromSummary, type UsageRecord, type UsageRow } from './usageRecord';

export interface UsageRecorderOptions {
  /** The JSON-lines file; one process writes it (the headless bridge, or the VS Code window that owns the bridge). */
  file: string;
  /** Days of history kept (default 90). */
  retentionDays?: number;
  clock: Clock;
  logger: Logger;
  /** How often buffered records are appended (default 5 s). */
  flushMs?: number;
  /** How often the file is compacted into rollups (default 1 h). */
  compactMs?: number;
}

/** What the status API and the hosts read: a report over the store. */
export interface UsageSource {
  query(query: UsageQuery): UsageReport;
}

/**
 * The usage store's writer (docs/ARCHITECTURE.md §10). `record` turns a finished request's summary into its record
 * and keeps it (the request path pays for one small object and writes nothing); a timer appends the new records
 * to the file in one write, and another compacts the store into rollups. Memory holds at most half again the raw
 * records' bound at any rate: past it the oldest are summed into hours at once, and the next flush rewrites the
 * file instead of appending. A file it cannot read is set aside and a write that fails is logged: usage is never
 * worth failing a request or the bridge for.
 */
export class UsageRecorder implements UsageSource {
  /** Hourly and daily sums, and hourly sums of records rolled up since the last compaction. */
  private rollups: UsageRow[] = [];
  /** The raw records, oldest first. */
  private raw: UsageRecord[] = [];
  /** Records the file does not have yet, when it is to be appended to. */
  private unwritten: UsageRecord[] = [];
  /** Memory rolled up records the file may hold raw, or has never seen: the next flush rewrites it. */
  private rewriteDue = false;
  private readonly policy: RetentionPolicy;
  private flushTimer: NodeJS.Timeout | undefined;
  private compactTimer: NodeJS.Timeout | undefined;
  /** Every file operation, one after another. */
  private chain: Promise<void> = Promise.resolve();
  private writeFailing = false;
  private opened = false;
  /** Prices for the reports, from the current config; set by the bridge. */
  private pricer: Pricer | undefined;

  constructor(private readonly options: UsageRecorderOptions) {
    this.policy = retentionPolicy(options.retentionDays);
  }

  get file(): string {
    return this.options.file;
  }

  /** Reads the file (setting a damaged one aside), compacts it, and starts the timers. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    // Read again at every start: another window may have owned the bridge, and written the file, in between.
    await this.serialise(() => this.load());
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushMs ?? 5_000);
    this.flushTimer.unref();
    this.compactTimer = setInterval(() => void this.compactNow(), this.options.compactMs ?? 3_600_000);
    this.compactTimer.unref();
  }

  /** A finished request: in the store now, written with the next batch. */
  record(summary: RequestSummary): void {
    const record = recordFromSummary(summary, this.options.clock.now());
    this.raw.push(record);
    if (!this.rewriteDue) this.unwritten.push(record);
    if (this.raw.length > this.policy.maxRaw * 1.5) this.rollUpOldest();
  }

  query(query: UsageQuery): UsageReport {
    return queryUsage(this.rows(), query, this.options.clock.now(), this.pricer);
  }

  /** The rows at or after `from` (epoch ms), the newest records included: the history caps count from. */
  rowsSince(from: number): UsageRow[] {
    return this.rows().filter((row) => row.at >= from);
  }

  /** The prices reports use from now on (a config change re-prices the whole history). */
  setPricer(pricer: Pricer): void {
    this.pricer = pricer;
  }

  /** Writes what is new: the records since the last flush appended, or the file rewritten after a roll-up. */
  flush(): Promise<void> {
    return this.serialise(async () => {
      if (this.rewriteDue) return this.rewrite();
      const batch = this.unwritten;
      this.unwritten = [];
      if (batch.length) await this.writing(appendUsageRows(this.options.file, batch));
    });
  }

  /** Rolls old records up and drops what is past the retention, rewriting the file when that changed anything. */
  compactNow(): Promise<void> {
    return this.serialise(() => this.rewrite(false));
  }

  /** Writes what is buffered and stops the timers; the bridge calls it when it stops. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.compactTimer);
    this.flushTimer = this.compactTimer = undefined;
    this.opened = false;
    await this.flush();
  }

  private rows(): UsageRow[] {
    return [...this.rollups, ...this.raw];
  }

  /**
   * The raw records past their bound become hourly sums now, the rollups they may join untouched (a second sum for
   * an hour adds up the same in every report, and compaction merges them): under heavy traffic this runs every few
   * hundred milliseconds, and walking a long history each time would cost more than the records.
   */
  private rollUpOldest(): void {
    const oldest = this.raw.splice(0, this.raw.length - this.policy.maxRaw);
    this.rollups.push(...rollUpHours(oldest));
    this.rewriteDue = true;
    this.unwritten = [];
  }

  private async load(): Promise<void> {
    const { file, logger, clock } = this.options;
    let contents;
    try {
      contents = await readUsageFile(file);
    } catch (error) {
      logger.warn(`usage: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); recording goes on`);
      return;
    }
    // Records of this run so far (recorded before the store was opened) come after the file's.
    this.setRows([...contents.rows, ...this.rollups, ...this.raw]);
    if (contents.badLines > 0) {
      try {
        const aside = await setAsideUsageFile(file, clock.now());
        logger.warn(`usage: ${file} had ${contents.badLines} damaged line(s); set aside as ${aside}, the ${contents.rows.length} good record(s) kept`);
      } catch (error) {
        logger.warn(`usage: ${file} is damaged and could not be set aside (${(error as Error).message})`);
      }
    }
    // A missing file is made (owner-only, at once), and a damaged file's good rows are written; a compact one is left as it is.
    await this.rewrite(contents.missing || contents.badLines > 0);
  }

  /**
   * Compacts the store and writes it whole. Unless `force`, a compaction that changed nothing (the same rows, as
   * `compact` keeps what it does not change) writes nothing: the hourly compaction of an idle store is free.
   */
  private async rewrite(force = true): Promise<void> {
    const before = this.rows();
    const after = compact(before, this.options.clock.now(), this.policy);
    const changed = force || this.rewriteDue || this.unwritten.length > 0 || !sameRows(before, after);
    this.setRows(after);
    this.rewriteDue = false;
    this.unwritten = [];
    if (changed) await this.writing(rewriteUsageFile(this.options.file, after));
  }

  /** A write that fails leaves the file behind memory: the next flush writes it whole (once the disk takes it again). */
  private async writing(write: Promise<void>): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.rewriteDue = true;
      this.unwritten = [];
      throw error;
    }
  }

  private setRows(rows: UsageRow[]): void {
    this.rollups = [];
    this.raw = [];
    for (const row of rows) {
      if (row.kind === 'request') this.raw.push(row);
      else this.rollups.push(row);
    }
    this.raw.sort((a, b) => a.at - b.at);
  }

  private serialise(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).then(
      () => {
        if (this.writeFailing) this.options.logger.info(`usage: writing ${this.options.file} works again`);
        this.writeFailing = false;
      },
      (error: unknown) => {
        // Logged once per run of failures: a full disk must not fill the log too.
        if (!this.writeFailing)
          this.options.logger.warn(
            `usage: cannot write ${this.options.file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); records are kept in memory`,
          );
        this.writeFailing = true;
      },
    );
    return this.chain;
  }
}

/** The same rows, the same objects in the same order: `compact` returns what it left unchanged as it was. */
function sameRows(a: readonly UsageRow[], b: readonly UsageRow[]): boolean {
  if (a.length !== b.length) return false;
  const was = new Set(a);
  return b.every((row) => was.has(row));
}
