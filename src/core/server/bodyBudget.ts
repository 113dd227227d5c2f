/**
 * Request bodies are held whole while a request is served (they are replayed
 * on every attempt), so 30 concurrent 30 MB uploads held about a gigabyte.
 * This budget bounds the bytes of request bodies in memory at once; a request
 * that would go over it is answered 503 with Retry-After before its body is
 * read (or, for a body of unknown length, as soon as it outgrows the budget),
 * so nothing has reached a provider and the client can simply retry.
 */
export const DEFAULT_BODY_BUDGET_BYTES = 128 * 1024 * 1024;

/** The share of the budget one request holds, grown as its body arrives. */
export interface BodyLease {
  /** Takes `bytes` more; false (and nothing taken) when the budget cannot hold them. */
  grow(bytes: number): boolean;
  /** Gives everything back; safe to call twice. */
  release(): void;
}

export class BodyBudget {
  private used = 0;

  /** `capacity` is read on each request: the largest body allowed may change with the configuration. */
  constructor(private readonly capacity: () => number) {}

  get inUse(): number {
    return this.used;
  }

  /** A lease holding `declared` bytes up front (the Content-Length), or undefined when they do not fit now. */
  reserve(declared: number): BodyLease | undefined {
    let held = 0;
    const lease: BodyLease = {
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
