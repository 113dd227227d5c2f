/**
 * Request bodies are held whole while a request is served (they are replayed
 * on every attempt), so 30 concurrent 30 MB uploads held about a gigabyte; a
 * Responses stream translated from another protocol holds its whole output
 * (its final event repeats it), and a continuable stream holds the text it
 * would continue. This budget bounds those bytes in memory at once, over all
 * requests. A request that would go over it is answered 503 with Retry-After
 * before its body is read (or, for a body of unknown length, as soon as it
 * outgrows the budget), so nothing has reached a provider and the client can
 * simply retry; an answer that would go over it is ended with the client's
 * terminal error, or is no longer continuable (docs/ARCHITECTURE.md §2).
 */
export const DEFAULT_MEMORY_BUDGET_BYTES = 128 * 1024 * 1024;

/** The share of the budget one holder (a request body, an answer) holds, grown as it fills. */
export interface MemoryLease {
  /** Takes `bytes` more; false (and nothing taken) when the budget cannot hold them. */
  grow(bytes: number): boolean;
  /** Gives everything back; safe to call twice. */
  release(): void;
}

export class MemoryBudget {
  private used = 0;

  /** `capacity` is read on each request: the largest body allowed may change with the configuration. */
  constructor(private readonly capacity: () => number) {}

  get inUse(): number {
    return this.used;
  }

  /** A lease holding `declared` bytes up front (the Content-Length), or undefined when they do not fit now. */
  reserve(declared: number): MemoryLease | undefined {
    let held = 0;
    const lease: MemoryLease = {
      grow: (bytes) => {
        if (this.used + bytes > this.capacity()) return false;
        this.used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.used -= held;
        held = 0;
      },
    };
    return lease.grow(declared) ? lease : undefined;
  }
}
