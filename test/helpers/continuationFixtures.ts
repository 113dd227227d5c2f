import type { SseEvent } from '../../src/core/protocols/sse';
import type { FakeProvider } from '../fakeProvider/fakeProvider';

/** One SSE event as SseScanner yields it; unnamed when `name` is ''. */
export function sse(name: string, payload: unknown): SseEvent {
  return { name, data: JSON.stringify(payload) };
}

/** Encodes events the way a provider writes them. */
export function sseBytes(events: SseEvent[]): string {
  return events.map((e) => (e.name ? `event: ${e.name}\ndata: ${e.data}\n\n` : `data: ${e.data}\n\n`)).join('');
}

export type StreamEndpoint = 'messages' | 'chat' | 'responses';

/** Where each endpoint lives on the fake provider, and the headers carrying a key. */
export function endpointUrl(fake: FakeProvider, endpoint: StreamEndpoint): string {
  if (endpoint === 'messages') return `${fake.anthropicBaseUrl}/v1/messages`;
  return `${fake.openaiBaseUrl}/${endpoint === 'chat' ? 'chat/completions' : 'responses'}`;
}

export function keyHeaders(endpoint: StreamEndpoint, key: string): Record<string, string> {
  return endpoint === 'messages' ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${key}` };
}

/** A streamed request for each endpoint, as an agent would send it. */
export function streamedBody(endpoint: StreamEndpoint, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (endpoint === 'messages')
    return { model: 'claude-test', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Say the sentence.' }], ...extra };
  if (endpoint === 'chat')
    return { model: 'gpt-test', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Say the sentence.' }], ...extra };
  return { model: 'gpt-test', stream: true, store: false, input: 'Say the sentence.', ...extra };
}

/** Events before the n-th text delta (inclusive) in the fake's streams: preamble and opening events first. */
export function eventsThroughDelta(endpoint: StreamEndpoint, deltas: number): number {
  if (endpoint === 'messages') return 3 + deltas; // message_start, content_block_start, ping
  if (endpoint === 'chat') return 1 + deltas; // the role chunk
  return 4 + deltas; // response.created, response.in_progress, output_item.added, content_part.added
}
