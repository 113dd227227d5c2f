import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logger';

interface ControlFile {
  stopped: boolean;
  at: number;
}

const CONTROL_FILE = 'bridge-control.json';

/**
 * "Stopped by the user", shared by every window of the machine through a file
 * in global storage: a Stop in one window stops the bridge in all of them, and
 * a window that opens later does not start it again.
 */
export class SharedStopFlag {
  private readonly path: string;

  constructor(
    private readonly stateDir: string,
    private readonly logger: Logger,
  ) {
    this.path = join(stateDir, CONTROL_FILE);
  }

  isSet(): boolean {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<ControlFile>;
      return parsed.stopped === true;
    } catch {
      return false;
    }
  }

  set(stopped: boolean): void {
    try {
      mkdirSync(this.stateDir, { recursive: true });
      // Written whole and renamed into place: another window polling the file never reads half of it.
      const temp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ stopped, at: Date.now() } satisfies ControlFile));
      renameSync(temp, this.path);
    } catch (error) {
      this.logger.warn(`could not write the shared stop flag: ${(error as Error).message}`);
    }
  }
}
