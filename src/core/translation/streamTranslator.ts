import type { SseEvent } from '../protocols/sse';

/**
 * One upstream stream turned into the client's protocol, event by event. A translator only maps shapes: the
 * relay around it keeps the commit gate, backpressure, deadlines and terminal errors (docs/ARCHITECTURE.md §2).
 */
export interface StreamTranslator {
  /** The client's events for one upstream event (none, one or several); nothing after the answer ended. */
  push(upstream: SseEvent): SseEvent[];
  /** Closes the client's answer (open blocks, finish, usage, the final event); nothing when it is closed already. */
  end(): SseEvent[];
  /**
   * The upstream said how its answer ended (a finish or stop reason). A stream that ends cleanly without that
   * was cut short, and is ended with the client's terminal error rather than passed off as complete.
   */
  readonly finishSeen: boolean;
}
