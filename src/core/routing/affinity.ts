/**
 * Remembers which key served a conversation, so that prompt caches and
 * account-bound state (Responses `previous_response_id`, encrypted reasoning)
 * stay with the key that produced them. Bounded: the oldest entries go first.
 */
export interface KeyRef {
  pool: string;
  key: string;
}

export class AffinityTable {
  private readonly entries = new Map<string, KeyRef>();

  constructor(private readonly capacity = 20_000) {}

  get(id: string): KeyRef | undefined {
    return this.entries.get(id);
  }

  remember(id: string, ref: KeyRef): void {
    const existing = this.entries.get(id);
    if (existing && existing.pool === ref.pool && existing.key === ref.key) return;
    this.entries.delete(id);
    this.entries.set(id, ref);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Headers by which agents name their session. */
const SESSION_HEADERS = ['x-session-id', 'session_id', 'session-id', 'x-claude-code-session-id', 'conversation_id', 'x-conversation-id'];

export function sessionIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of SESSION_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value) return `session:${value}`;
  }
  return undefined;
}
