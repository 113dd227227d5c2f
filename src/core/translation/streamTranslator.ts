import type { StreamFacts } from '../protocols/protocol';
import type { SseEvent } from '../protocols/sse';

export type { PieceRedactor } from '../protocols/answerStream';

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
  /**
   * Characters of the answer held for a later event (a Responses stream's last event repeats its whole output);
   * 0 for a translator that passes everything on. The relay caps it and counts it in the memory budget.
   */
  readonly heldChars: number;
  /** What a terminal error written now must repeat, where the client's protocol has any (Responses: id, sequence). */
  readonly facts?: StreamFacts;
}
