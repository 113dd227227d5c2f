/**
 * What the request path listens to for "the client went away" (or "the bridge is stopping"): the part of
 * AbortSignal it uses, so an AbortSignal (key tests, timeouts) serves wherever a request's signal does.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * One relayed request's cancellation, with AbortController's semantics for what the request path uses: listeners
 * run once, in the order added, when `abort` is first called; one added twice runs once; one added after the abort
 * never runs; `reason` is the abort's. A node AbortController costs several microseconds per request in its
 * EventTarget machinery (about 4 % of a small relayed request's CPU, ARCHITECTURE §2); this holds the two or three
 * listeners a request has (undici's, a backoff's sleep) in an array. undici takes it as a signal: it reads
 * `aborted` and `reason` and calls `addEventListener`/`removeEventListener`.
 */
export class RequestCancel implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted && !this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at !== -1) this.listeners.splice(at, 1);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        // As an EventTarget does: the other listeners still run, and the error is the process's to report.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }
}
