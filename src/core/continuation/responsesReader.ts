import { asWireObject, numberOr, type ResponsesPosition, type TranscriptSink, type WireObject } from './transcriptState';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

/** Reads one Responses event into the transcript. */
export function readResponsesEvent(name: string, json: WireObject, position: ResponsesPosition, sink: TranscriptSink): void {
  const type = typeof json.type === 'string' ? json.type : name;
  position.lastSequence = numberOr(json.sequence_number, position.lastSequence);
  if (TERMINAL.has(type)) {
    noteUsage(asWireObject(asWireObject(json.response)?.usage), sink);
    sink.terminate();
    return;
  }
  switch (type) {
    case 'response.created':
    case 'response.in_progress':
    case 'response.queued': {
      const response = asWireObject(json.response);
      if (!response) return;
      position.response ??= response;
      if (typeof response.id === 'string') position.id ??= response.id;
      if (typeof response.model === 'string') position.model ??= response.model;
      position.createdAt ??= numberOr(response.created_at, undefined);
      return;
    }
    case 'response.output_item.added': {
      const item = asWireObject(json.item) ?? {};
      const outputIndex = numberOr(json.output_index, position.nextOutputIndex);
      position.nextOutputIndex = Math.max(position.nextOutputIndex, outputIndex + 1);
      if (item.type === 'message' && typeof item.id === 'string') position.openItem = { id: item.id, outputIndex, item, parts: [] };
      else sink.block(itemReason(item.type));
      return;
    }
    case 'response.content_part.added': {
      const part = asWireObject(json.part) ?? {};
      const open = position.openItem;
      if (part.type !== 'output_text') sink.block(part.type === 'refusal' ? 'a refusal' : `a ${String(part.type)} part`);
      if (!open) return;
      const contentIndex = numberOr(json.content_index, open.parts.length);
      open.parts[contentIndex] = { ...part, text: typeof part.text === 'string' ? part.text : '' };
      open.openPart = contentIndex;
      return;
    }
    case 'response.output_text.delta': {
      if (typeof json.delta !== 'string') return;
      sink.appendText(json.delta);
      const part = position.openItem?.parts[numberOr(json.content_index, 0)];
      if (part) part.text = (typeof part.text === 'string' ? part.text : '') + json.delta;
      return;
    }
    case 'response.content_part.done':
      if (position.openItem && position.openItem.openPart === json.content_index) position.openItem.openPart = undefined;
      return;
    case 'response.output_item.done': {
      const item = asWireObject(json.item);
      if (item) position.doneItems[numberOr(json.output_index, position.doneItems.length)] = item;
      if (position.openItem && position.openItem.id === item?.id) position.openItem = undefined;
      return;
    }
    case 'response.refusal.delta':
      sink.block('a refusal');
      return;
    default:
      return;
  }
}

function itemReason(type: unknown): string {
  if (type === 'reasoning') return 'reasoning';
  if (typeof type === 'string' && (type.endsWith('_call') || type === 'function_call')) return 'a tool call';
  return `a ${typeof type === 'string' ? type : 'non-message'} item`;
}

function noteUsage(usage: WireObject | undefined, sink: TranscriptSink): void {
  if (!usage) return;
  sink.usage.input = numberOr(usage.input_tokens, sink.usage.input);
  sink.usage.output = numberOr(usage.output_tokens, sink.usage.output);
}
