import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { RequestSummary } from '../status';
import type { Pricer } from './price';
import { compact, retentionPolicy, type RetentionPolicy } from './rollup';
import { appendUsageRows, readUsageFile, rewriteUsageFile, setAsideUsageFile } from './usageFile';
import { queryUsage, type UsageQuery, type UsageReport } from './usageQuery';
import { recordFromSummary, type UsageRow } from './usageRecord';

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
 * The usage store's writer (docs/ARCHITECTURE.md §10). `record` only keeps the finished request's summary in a
 * buffer (the request path pays one array push); a timer turns the buffer into records and appends them to the
 * file in one write, and another compacts the file into rollups. A file it cannot read is set aside and a write
 * that fails is logged: usage is never worth failing a request or the bridge for.
 */
export class UsageRecorder implements UsageSource {
  private rows: UsageRow[] = [];
  private pending: { summary: RequestSummary; at: number }[] = [];
  /** Records in `rows` that the file does not have yet. */
  private unwritten: UsageRow[] = [];
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

  /** A finished request: kept in memory now, written with the next batch. */
  record(summary: RequestSummary): void {
    this.pending.push({ summary, at: this.options.clock.now() });
  }

  query(query: UsageQuery): UsageReport {
    this.absorb();
    return queryUsage(this.rows, query, this.options.clock.now(), this.pricer);
  }

  /** The rows at or after `from` (epoch ms), what is buffered included: the history caps count from. */
  rowsSince(from: number): UsageRow[] {
    this.absorb();
    return this.rows.filter((row) => row.at >= from);
  }

  /** The prices reports use from now on (a config change re-prices the whole history). */
  setPricer(pricer: Pricer): void {
    this.pricer = pricer;
  }

  /** Appends what the buffer holds (compacting instead when the raw records outgrow their bound). */
  flush(): Promise<void> {
    return this.serialise(async () => {
      this.absorb();
      if (this.rows.length > this.policy.maxRaw * 1.5) return this.rewrite();
      const batch = this.unwritten;
      this.unwritten = [];
      if (batch.length) await appendUsageRows(this.options.file, batch);
    });
  }

  /** Rolls old records up and drops what is past the retention, rewriting the file. */
  compactNow(): Promise<void> {
    return this.serialise(() => this.rewrite());
  }

  /** Writes what is buffered and stops the timers; the bridge calls it when it stops. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.compactTimer);
    this.flushTimer = this.compactTimer = undefined;
    this.opened = false;
    await this.flush();
  }

  /** Turns buffered summaries into records: in the store's rows, and still to be written. */
  private absorb(): void {
    if (!this.pending.length) return;
    const batch = this.pending.map(({ summary, at }) => recordFromSummary(summary, at));
    this.pending = [];
    this.rows.push(...batch);
    this.unwritten.push(...batch);
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
    this.absorb();
    this.rows = [...contents.rows, ...this.unwritten];
    if (contents.badLines > 0) {
      try {
        const aside = await setAsideUsageFile(file, clock.now());
        logger.warn(`usage: ${file} had ${contents.badLines} damaged line(s); set aside as ${aside}, the ${contents.rows.length} good record(s) kept`);
      } catch (error) {
        logger.warn(`usage: ${file} is damaged and could not be set aside (${(error as Error).message})`);
      }
    }
    await this.rewrite();
  }

  private async rewrite(): Promise<void> {
    this.absorb();
    this.rows = compact(this.rows, this.options.clock.now(), this.policy);
    this.unwritten = [];
    await rewriteUsageFile(this.options.file, this.rows);
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
