import type { LedgerEntry } from './types';

interface Waiter {
  pred: (e: LedgerEntry) => boolean;
  resolve: (e: LedgerEntry) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Every request the fake received, updated in place as it proceeds; waiters are checked on each update. */
export class Ledger {
  readonly entries: LedgerEntry[] = [];
  private waiters: Waiter[] = [];

  add(entry: LedgerEntry): void {
    this.entries.push(entry);
    this.updated(entry);
  }

  /** Call after any change to an entry (also entries dropped from the list by clear()). */
  updated(entry: LedgerEntry): void {
    if (this.waiters.length === 0) return;
    for (const w of this.waiters.slice()) {
      if (matches(w.pred, entry)) this.settle(w, () => w.resolve(entry));
    }
  }

  clear(): void {
    // In place: callers may hold the array.
    this.entries.length = 0;
  }

  waitFor(pred: (e: LedgerEntry) => boolean, timeoutMs: number): Promise<LedgerEntry> {
    const found = this.entries.find((e) => matches(pred, e));
    if (found) return Promise.resolve(found);
    return new Promise<LedgerEntry>((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.settle(w, () => reject(new Error(`fake provider: no ledger entry matched within ${timeoutMs} ms (${this.entries.length} entries)`)));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  rejectAll(reason: string): void {
    for (const w of this.waiters.slice()) this.settle(w, () => w.reject(new Error(reason)));
  }

  private settle(w: Waiter, fn: () => void): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    clearTimeout(w.timer);
    fn();
  }
}

function matches(pred: (e: LedgerEntry) => boolean, e: LedgerEntry): boolean {
  try {
    return pred(e);
  } catch {
    return false;
  }
}
