import type { SseEvent } from './types';

export function dataEvent(payload: unknown, phase: SseEvent['phase']): SseEvent {
  return { text: `data: ${JSON.stringify(payload)}\n\n`, phase };
}

export function typedEvent(type: string, payload: object, phase: SseEvent['phase']): SseEvent {
  return { text: `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`, phase };
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;

export const MALFORMED_EVENT: SseEvent = { text: 'data: {not json\n\n', phase: 'content' };

/** A loosely typed view of a JSON request body. */
export type Json = Record<string, unknown>;

export function asObject(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}
