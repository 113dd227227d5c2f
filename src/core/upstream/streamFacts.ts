import type { SseEvent } from '../protocols/sse';
import type { StreamFacts } from '../protocols/protocol';

/**
 * Token counts as providers report them; `max` because some repeat cumulative totals in later events.
 * `input` is the provider's own figure: OpenAI's counts the cached tokens too (`cachedInInput`), Anthropic's
 * does not (its cache reads and writes are counted beside it).
 */
export interface UsageSeen {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** The cache read came as OpenAI's `cached_tokens`, a part of `input` rather than beside it. */
  cachedInInput?: boolean;
}

export function emptyUsage(): UsageSeen {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

const INPUT = /"(?:input_tokens|prompt_tokens)"\s*:\s*(\d+)/;
const OUTPUT = /"(?:output_tokens|completion_tokens)"\s*:\s*(\d+)/;
/** Anthropic's cache fields; OpenAI's `cached_tokens` (Chat `prompt_tokens_details`, Responses `input_tokens_details`). */
const CACHE_READ = /"cache_read_input_tokens"\s*:\s*(\d+)/;
const CACHE_WRITE = /"cache_creation_input_tokens"\s*:\s*(\d+)/;
const CACHED = /"cached_tokens"\s*:\s*(\d+)/;

/** Reads token counts out of a JSON text without parsing it (hot path: only texts that carry a usage are searched). */
export function scanUsage(text: string, usage: UsageSeen): void {
  if (!text.includes('"usage"')) return;
  const input = INPUT.exec(text);
  const output = OUTPUT.exec(text);
  if (input) usage.input = Math.max(usage.input, Number(input[1]));
  if (output) usage.output = Math.max(usage.output, Number(output[1]));
  if (!text.includes('cache')) return;
  const read = CACHE_READ.exec(text);
  if (read) usage.cacheRead = Math.max(usage.cacheRead, Number(read[1]));
  const write = CACHE_WRITE.exec(text);
  if (write) usage.cacheWrite = Math.max(usage.cacheWrite, Number(write[1]));
  const cached = read ? undefined : CACHED.exec(text);
  if (cached) {
    usage.cacheRead = Math.max(usage.cacheRead, Number(cached[1]));
    usage.cachedInInput = true;
  }
}

const MODEL = /"model"\s*:\s*"([^"\\]{1,200})"/;

/**
 * The model an answer names (the one that served it, which a provider may resolve from an alias), from a JSON
 * text without parsing it; a quote inside a JSON string is escaped, so the prompt or answer text cannot forge it.
 */
export function scanModel(text: string): string | undefined {
  return MODEL.exec(text)?.[1];
}

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
    const parsed = parseEventJson(event) as { response?: { id?: string; model?: string; created_at?: number }; message?: { id?: string; model?: string } } | undefined;
    const source = parsed?.response ?? parsed?.message;
    if (source) {
      facts.responseId = source.id;
      facts.model = source.model;
      facts.createdAt = parsed?.response?.created_at;
    }
  }
}
