import { asWireObject, numberOr, type MessagesPosition, type TranscriptSink, type WireObject } from './transcriptState';

/** Reads one Anthropic Messages event into the transcript. */
export function readMessagesEvent(name: string, json: WireObject, position: MessagesPosition, sink: TranscriptSink): void {
  switch (name) {
    case 'message_start': {
      const message = asWireObject(json.message);
      if (!message) return;
      if (typeof message.id === 'string') position.id = message.id;
      if (typeof message.model === 'string') position.model = message.model;
      noteUsage(asWireObject(message.usage), sink);
      return;
    }
    case 'content_block_start': {
      const index = numberOr(json.index, position.nextIndex);
      position.nextIndex = Math.max(position.nextIndex, index + 1);
      const type = asWireObject(json.content_block)?.type;
      if (type === 'text') position.openIndex = index;
      else sink.block(blockReason(type));
      return;
    }
    case 'content_block_delta': {
      const delta = asWireObject(json.delta);
      if (delta?.type === 'text_delta' && typeof delta.text === 'string') sink.appendText(delta.text);
      else if (delta?.type !== 'citations_delta') sink.block(blockReason(delta?.type));
      return;
    }
    case 'content_block_stop':
      if (position.openIndex === json.index) position.openIndex = undefined;
      return;
    case 'message_delta':
      noteUsage(asWireObject(json.usage), sink);
      sink.finish();
      return;
    case 'message_stop':
    case 'error':
      sink.terminate();
      return;
    default:
      return;
  }
}

function blockReason(type: unknown): string {
  if (type === 'thinking' || type === 'redacted_thinking' || type === 'thinking_delta' || type === 'signature_delta') return 'a thinking block';
  if (type === 'tool_use' || type === 'server_tool_use' || type === 'input_json_delta') return 'a tool call';
  return `a ${typeof type === 'string' ? type : 'non-text'} block`;
}

function noteUsage(usage: WireObject | undefined, sink: TranscriptSink): void {
  if (!usage) return;
  const u = sink.usage;
  u.input = numberOr(usage.input_tokens, u.input);
  u.output = numberOr(usage.output_tokens, u.output);
  u.cacheCreationInput = numberOr(usage.cache_creation_input_tokens, u.cacheCreationInput);
  u.cacheReadInput = numberOr(usage.cache_read_input_tokens, u.cacheReadInput);
}
