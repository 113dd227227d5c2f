import { asWireObject, numberOr, type ChatPosition, type TranscriptSink, type WireObject } from './transcriptState';

/** Delta fields in which OpenAI-compatible providers (DeepSeek, OpenRouter, vLLM…) stream reasoning. */
const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'reasoning_details', 'thinking'];

/** Reads one Chat Completions chunk into the transcript. */
export function readChatChunk(json: WireObject, position: ChatPosition, sink: TranscriptSink): void {
  if (json.error !== undefined) {
    sink.terminate();
    return;
  }
  if (position.id === undefined && typeof json.id === 'string') position.id = json.id;
  if (position.model === undefined && typeof json.model === 'string') position.model = json.model;
  if (position.created === undefined) position.created = numberOr(json.created, undefined);
  if (position.systemFingerprint === undefined && typeof json.system_fingerprint === 'string') position.systemFingerprint = json.system_fingerprint;
  const usage = asWireObject(json.usage);
  if (usage) {
    sink.usage.input = numberOr(usage.prompt_tokens, sink.usage.input);
    sink.usage.output = numberOr(usage.completion_tokens, sink.usage.output);
  }
  if (!Array.isArray(json.choices)) return;
  for (const raw of json.choices) {
    const choice = asWireObject(raw);
    if (!choice) continue;
    // One continuation answers one choice; n > 1 would need one per choice.
    if (numberOr(choice.index, 0) !== 0) sink.block('several choices');
    const delta = asWireObject(choice.delta) ?? {};
    if (delta.tool_calls != null || delta.function_call != null) sink.block('a tool call');
    if (REASONING_FIELDS.some((field) => hasContent(delta[field]))) sink.block('reasoning');
    if (hasContent(delta.refusal)) sink.block('a refusal');
    if (typeof delta.content === 'string') sink.appendText(delta.content);
    if (choice.finish_reason != null) sink.finish();
  }
}

function hasContent(value: unknown): boolean {
  if (value == null) return false;
  if (typeof value === 'string') return value.length > 0;
  return !Array.isArray(value) || value.length > 0;
}
