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

/** Lines the file may hold beyond the rows in memory (raw records memory has summed) before it is rewritten. */
const REWRITE_SLACK = 10_000;

/** What the status API and the hosts read: a report over the store. */
export interface UsageSource {
  query(query: UsageQuery): UsageReport;
}

/**
 * The usage store's writer (docs/ARCHITECTURE.md §10). `record` turns a finished request's summary into its record
 * and keeps it (the request path pays for one small object and writes nothing); a timer appends what is new to the
 * file in one write, and another compacts the store. Memory holds at most half again the raw records' bound at any
 * rate: past it the oldest are summed into hours at once. The file may keep some of those raw a while longer (they
 * add up the same) and is rewritten only when it has grown well past memory, at the hourly compaction when that
 * changed anything, or after a failed write. Nothing is written before the file has been read, so a file that could
 * not be read is never replaced. Usage is never worth failing a request or the bridge for: problems are logged.
 *
 * What memory holds is the file's rows plus `unwritten` and `unwrittenSums` (the rows of a failed write among them).
 */
export class UsageRecorder implements UsageSource {
  /** Hourly and daily sums, hourly sums of records rolled up since the last compaction among them. */
  private rollups: UsageRow[] = [];
  /** The raw records, oldest first. */
  private raw: UsageRecord[] = [];
  /** The newest raw records, which the file does not have yet. */
  private unwritten: UsageRecord[] = [];
  /** Hourly sums (also in `rollups`) of records rolled up before the file had them. */
  private unwrittenSums: UsageRow[] = [];
  /** Hourly sums `rollUpOldest` made since the last compaction. */
  private spilledSums = 0;
  /** Lines the file holds, as this recorder wrote them. */
  private fileLines = 0;
  /** The file has been read (or made): it may be written. */
  private loaded = false;
  /** A write failed: the file is behind memory and is rewritten whole at the next flush. */
  private rewriteDue = false;
  private readFailing = false;
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
    this.loaded = false;
    await this.serialise(() => this.load());
    // Closed while it was reading: no timers for a store this recorder no longer owns.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may have run during the await
    if (!this.opened) return;
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushMs ?? 5_000);
    this.flushTimer.unref();
    this.compactTimer = setInterval(() => void this.compactNow(), this.options.compactMs ?? 3_600_000);
    this.compactTimer.unref();
  }

  /** A finished request: in the store now, written with the next batch. */
  record(summary: RequestSummary): void {
    const record = recordFromSummary(summary, this.options.clock.now());
    this.raw.push(record);
    this.unwritten.push(record);
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

  /** Writes what is new: appended, or the whole store when the file has grown well past memory or a write failed. */
  flush(): Promise<void> {
    return this.serialise(async () => {
      if (!this.loaded) return this.load();
      if (this.rewriteDue || this.fileLines > this.rollups.length + this.raw.length + REWRITE_SLACK) return this.rewrite();
      const batch: UsageRow[] = [...this.unwrittenSums, ...this.unwritten];
      this.unwritten = [];
      this.unwrittenSums = [];
      if (!batch.length) return;
      await this.writing(appendUsageRows(this.options.file, batch), batch);
      this.fileLines += batch.length;
    });
  }

  /** Rolls old records up and drops what is past the retention, rewriting the file when that changed anything. */
  compactNow(): Promise<void> {
    return this.serialise(() => (this.loaded ? this.rewrite(false) : this.load()));
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
   * hundred milliseconds, and walking a long history each time would cost more than the records. The file keeps the
   * ones it has raw; the sums of the others are written with the next batch.
   */
  private rollUpOldest(): void {
    const count = this.raw.length - this.policy.maxRaw;
    const written = this.raw.length - this.unwritten.length;
    const oldest = this.raw.splice(0, count);
    const sums = rollUpHours(oldest.slice(0, Math.min(count, written)));
    if (count > written) {
      const neverWritten = rollUpHours(this.unwritten.splice(0, count - written));
      sums.push(...neverWritten);
      this.unwrittenSums.push(...neverWritten);
    }
    this.rollups.push(...sums);
    // Records of many groups (keys, models, agents) make a sum each: past a bound the sums are merged in memory.
    this.spilledSums += sums.length;
    if (this.spilledSums > this.policy.maxRaw) this.compactMemory();
  }

  /**
   * Compacts memory without writing: the newest records stay raw as the same objects, so those still to be written
   * stay so; one that compaction summed (more than the bound arrived between two flushes) is written raw.
   */
  private compactMemory(): void {
    const after = compact(this.rows(), this.options.clock.now(), this.policy);
    this.rollups = [];
    this.raw = [];
    for (const row of after) {
      if (row.kind === 'request') this.raw.push(row);
      else this.rollups.push(row);
    }
    const kept = new Set<UsageRow>(this.raw);
    this.unwrittenSums.push(...this.unwritten.filter((record) => !kept.has(record)));
    this.unwritten = this.unwritten.filter((record) => kept.has(record));
    this.spilledSums = 0;
  }

  /** Reads the file into the store (what memory holds that the file does not is kept), and makes it compact. */
  private async load(): Promise<void> {
    const { file, logger, clock } = this.options;
    let contents;
    try {
      contents = await readUsageFile(file);
    } catch (error) {
      // Tried again at every flush; said once. Nothing is written meanwhile: the file may hold a long history.
      if (!this.readFailing)
        logger.warn(
          `usage: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); records are kept in memory until it can be read`,
        );
      this.readFailing = true;
      return;
    }
    if (this.readFailing) logger.info(`usage: reading ${file} works again`);
    this.readFailing = false;
    this.loaded = true;
    const news = this.unwritten.length + this.unwrittenSums.length;
    // This run's records the file does not have (recorded before it was read, or never written) come after its rows.
    this.setRows([...contents.rows, ...this.unwrittenSums, ...this.unwritten]);
    // At open nothing is writing it any more: a torn last line is an interrupted write, and damage.
    const damaged = contents.badLines + (contents.torn ? 1 : 0);
    if (damaged > 0) {
      try {
        const aside = await setAsideUsageFile(file, clock.now());
        logger.warn(`usage: ${file} had ${damaged} damaged line(s); set aside as ${aside}, the ${contents.rows.length} good record(s) kept`);
      } catch (error) {
        logger.warn(`usage: ${file} is damaged and could not be set aside (${(error as Error).message})`);
      }
    }
    this.fileLines = contents.rows.length;
    // A missing file is made (owner-only, at once), a damaged file's good rows and this run's records are written;
    // a compact file is left as it is.
    await this.rewrite(contents.missing || damaged > 0 || news > 0);
  }

  /**
   * Compacts the store and writes it whole. Unless `force`, a compaction that changed nothing (the same rows, as
   * `compact` keeps what it does not change) writes nothing: the hourly compaction of an idle store is free.
   */
  private async rewrite(force = true): Promise<void> {
    const before = this.rows();
    const after = compact(before, this.options.clock.now(), this.policy);
    const lacking: UsageRow[] = [...this.unwrittenSums, ...this.unwritten];
    const changed = force || this.rewriteDue || lacking.length > 0 || !sameRows(before, after);
    this.setRows(after);
    if (!changed) return;
    await this.writing(rewriteUsageFile(this.options.file, after), lacking);
    this.fileLines = after.length;
    this.rewriteDue = false;
  }

  /**
   * A write that fails leaves the file behind memory: the next flush writes the whole store, and until then the
   * rows the file lacks stay among those still to be written (a reopen in between merges them with the file).
   */
  private async writing(write: Promise<void>, lacking: UsageRow[]): Promise<void> {
    try {
      await write;
    } catch (error) {
      this.rewriteDue = true;
      this.unwrittenSums = [...lacking, ...this.unwrittenSums];
      throw error;
    }
    if (this.writeFailing) this.options.logger.info(`usage: writing ${this.options.file} works again`);
    this.writeFailing = false;
  }

  /** The store as compaction left it: nothing in it is unwritten until the next record. */
  private setRows(rows: UsageRow[]): void {
    this.rollups = [];
    this.raw = [];
    this.unwritten = [];
    this.unwrittenSums = [];
    this.spilledSums = 0;
    for (const row of rows) {
      if (row.kind === 'request') this.raw.push(row);
      else this.rollups.push(row);
    }
    this.raw.sort((a, b) => a.at - b.at);
  }

  private serialise(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).then(
      () => undefined,
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
