import type { CancelSignal } from './cancel';

/** Time as the core sees it; tests substitute a manual clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: CancelSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal ? abortReason(signal) : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** What an aborted sleep rejects with: the abort's own reason (callers tell who aborted by it), always an Error. */
function abortReason(signal: CancelSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
