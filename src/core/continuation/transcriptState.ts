import type { Wire } from '../protocols/wire';

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
  item: Wire;
  /** Content parts by content_index, text accumulated from the deltas. */
  parts: Wire[];
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
  response?: Wire;
  lastSequence?: number;
  openItem?: OpenResponsesItem;
  /** Items the client saw completed (output_item.done), by output_index. */
  doneItems: Wire[];
  /** The output_index a new item takes. */
  nextOutputIndex: number;
}

export type StreamPosition = MessagesPosition | ChatPosition | ResponsesPosition;
