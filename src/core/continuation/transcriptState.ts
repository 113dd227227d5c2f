/** A JSON object as it came off the wire. */
export type WireObject = Record<string, unknown>;

/** Token counts the committed stream reported so far (undefined: not reported yet). */
export interface ReportedUsage {
  input?: number;
  output?: number;
  cacheCreationInput?: number;
  cacheReadInput?: number;
}

/** Anthropic Messages: where the client's message stands. */
export interface MessagesPosition {
  endpoint: 'messages';
  id?: string;
  model?: string;
  /** The text block the client has open, if any (no content_block_stop yet). */
  openIndex?: number;
  /** The index a new content block takes. */
  nextIndex: number;
}

/** OpenAI Chat Completions: what every chunk repeats. */
export interface ChatPosition {
  endpoint: 'chat';
  id?: string;
  model?: string;
  created?: number;
  systemFingerprint?: string;
}

/** The message item a Responses client has open: its id, place and text parts so far. */
interface OpenResponsesItem {
  id: string;
  outputIndex: number;
  item: WireObject;
  /** Content parts by content_index, text accumulated from the deltas. */
  parts: WireObject[];
  /** The content_index whose part is open (no content_part.done yet). */
  openPart?: number;
}

/** OpenAI Responses: the response, its finished output items and the item still open. */
export interface ResponsesPosition {
  endpoint: 'responses';
  id?: string;
  model?: string;
  createdAt?: number;
  /** The response object of response.created: the base of the final one. */
  response?: WireObject;
  lastSequence?: number;
  openItem?: OpenResponsesItem;
  /** Items the client saw completed (output_item.done), by output_index. */
  doneItems: WireObject[];
  /** The output_index a new item takes. */
  nextOutputIndex: number;
}

export type StreamPosition = MessagesPosition | ChatPosition | ResponsesPosition;

/** What a reader learns from one event: text delivered, a reason the answer cannot be continued, its end. */
export interface TranscriptSink {
  usage: ReportedUsage;
  appendText(text: string): void;
  block(reason: string): void;
  /** The answer reached its last content (finish_reason, message_delta): nothing is left to continue. */
  finish(): void;
  terminate(): void;
}

export function asWireObject(value: unknown): WireObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as WireObject) : undefined;
}

export function numberOr(value: unknown, fallback: number): number;
export function numberOr(value: unknown, fallback: number | undefined): number | undefined;
export function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
