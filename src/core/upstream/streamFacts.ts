import type { SseEvent } from '../protocols/sse';
import type { StreamFacts } from '../protocols/protocol';

/** Whether an SSE event is the provider reporting an error in-band. */
export function isErrorEvent(event: SseEvent): boolean {
  if (event.name === 'error' || event.name === 'response.failed') return true;
  const data = event.data;
  if (!data || !data.includes('"error"')) return false;
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null) return false;
    const fields = parsed as Record<string, unknown>;
    return Boolean(fields.error) || fields.type === 'error';
  } catch {
    return false;
  }
}

export function parseEventJson(event: SseEvent): unknown {
  try {
    return event.data ? JSON.parse(event.data) : undefined;
  } catch {
    return undefined;
  }
}

const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;

/** Keeps what a Responses terminal error must repeat: the response id, model and sequence. */
export function noteStreamFacts(event: SseEvent, facts: StreamFacts): void {
  const data = event.data;
  if (!data) return;
  const seq = SEQUENCE.exec(data);
  if (seq) facts.lastSequence = Number(seq[1]);
  if (event.name === 'response.created' || (facts.responseId === undefined && event.name === 'message_start')) {
    const parsed = parseEventJson(event) as
      { response?: { id?: string; model?: string; created_at?: number }; message?: { id?: string; model?: string } } | undefined;
    const source = parsed?.response ?? parsed?.message;
    if (source) {
      facts.responseId = source.id;
      facts.model = source.model;
      facts.createdAt = parsed?.response?.created_at;
    }
  }
}
