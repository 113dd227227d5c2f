import { asWire, numberOr, stringOr, type Wire } from '../protocols/wire';
import type { ChatPosition, MessagesPosition, ResponsesPosition, StreamPosition } from './transcriptState';

/**
 * Notes where the client's message stands after one of its events: the ids, indices and sequence a splice must
 * continue. What the answer says (its text, tool calls, end) is read by the format's event reader; this is only
 * the place in the client's stream.
 */
export function notePosition(position: StreamPosition, name: string, json: Wire): void {
  (NOTERS[position.endpoint] as (position: StreamPosition, name: string, json: Wire) => void)(position, name, json);
}

/** Each format's noter, by the endpoint the position names (an event's type is its SSE name or its `type` field). */
const NOTERS: { [E in StreamPosition['endpoint']]: (position: Extract<StreamPosition, { endpoint: E }>, name: string, json: Wire) => void } = {
  messages: (position, name, json) => noteMessages(position, name || stringOr(json.type, ''), json),
  chat: (position, _name, json) => noteChat(position, json),
  responses: (position, name, json) => noteResponses(position, stringOr(json.type, name), json),
};

function noteMessages(position: MessagesPosition, type: string, json: Wire): void {
  if (type === 'message_start') {
    const message = asWire(json.message);
    if (typeof message?.id === 'string') position.id = message.id;
    if (typeof message?.model === 'string') position.model = message.model;
  } else if (type === 'content_block_start') {
    const index = numberOr(json.index, position.nextIndex);
    position.nextIndex = Math.max(position.nextIndex, index + 1);
    if (asWire(json.content_block)?.type === 'text') position.openIndex = index;
  } else if (type === 'content_block_stop' && position.openIndex === json.index) {
    position.openIndex = undefined;
  }
}

function noteChat(position: ChatPosition, json: Wire): void {
  if (position.id === undefined && typeof json.id === 'string') position.id = json.id;
  if (position.model === undefined && typeof json.model === 'string') position.model = json.model;
  if (position.created === undefined) position.created = numberOr(json.created, undefined);
  if (position.systemFingerprint === undefined && typeof json.system_fingerprint === 'string') position.systemFingerprint = json.system_fingerprint;
}

function noteResponses(position: ResponsesPosition, type: string, json: Wire): void {
  position.lastSequence = numberOr(json.sequence_number, position.lastSequence);
  switch (type) {
    case 'response.created':
    case 'response.in_progress':
    case 'response.queued': {
      const response = asWire(json.response);
      if (!response) return;
      position.response ??= response;
      if (typeof response.id === 'string') position.id ??= response.id;
      if (typeof response.model === 'string') position.model ??= response.model;
      position.createdAt ??= numberOr(response.created_at, undefined);
      return;
    }
    case 'response.output_item.added': {
      const item = asWire(json.item) ?? {};
      const outputIndex = numberOr(json.output_index, position.nextOutputIndex);
      position.nextOutputIndex = Math.max(position.nextOutputIndex, outputIndex + 1);
      if (item.type === 'message' && typeof item.id === 'string') position.openItem = { id: item.id, outputIndex, item, parts: [] };
      return;
    }
    case 'response.content_part.added': {
      const open = position.openItem;
      if (!open) return;
      const part = asWire(json.part) ?? {};
      const contentIndex = numberOr(json.content_index, open.parts.length);
      open.parts[contentIndex] = { ...part, text: typeof part.text === 'string' ? part.text : '' };
      open.openPart = contentIndex;
      return;
    }
    case 'response.output_text.delta': {
      if (typeof json.delta !== 'string') return;
      const part = position.openItem?.parts[numberOr(json.content_index, 0)];
      if (part) part.text = (typeof part.text === 'string' ? part.text : '') + json.delta;
      return;
    }
    case 'response.content_part.done':
      if (position.openItem && position.openItem.openPart === json.content_index) position.openItem.openPart = undefined;
      return;
    case 'response.output_item.done': {
      const item = asWire(json.item);
      if (item) position.doneItems[numberOr(json.output_index, position.doneItems.length)] = item;
      if (position.openItem && position.openItem.id === item?.id) position.openItem = undefined;
      return;
    }
    default:
      return;
  }
}
