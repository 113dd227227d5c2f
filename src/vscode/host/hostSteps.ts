import type { Logger } from '../../core/logger';

/** The host's steps that move its role run one at a time, in order; a failed step is logged and the next runs. */
export class SerialSteps {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  run(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step).catch((error: unknown) => this.logger.error(`bridge host: ${(error as Error).message}`));
    this.chain = run;
    return run;
  }

  /** The last step queued, settled. */
  get settled(): Promise<void> {
    return this.chain;
  }
}

/** One pending retry of the port claim at a time; a new one replaces the old. */
export class RetryTimer {
  private timer: NodeJS.Timeout | undefined;

  schedule(ms: number, retry: () => void): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      retry();
    }, ms);
    this.timer.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
