import { splicedEvent, type SpliceContext, type SplicedEvent, type SpliceMapper } from './spliceContext';
import { asWire, type Wire } from '../protocols/wire';
import type { ChatPosition } from './transcriptState';

/** Reasoning the continuation target streams beside the text: its own, and no part of the answer. */
const REASONING_FIELDS = ['reasoning_content', 'reasoning', 'reasoning_details', 'thinking'];

/**
 * OpenAI Chat Completions: every chunk keeps the id, created and model the client
 * already has, the opening role chunk goes, the text loses what repeats the delivered
 * text, and the usage chunk covers the whole answer.
 */
export class ChatSplice implements SpliceMapper {
  constructor(
    private readonly context: SpliceContext,
    private readonly position: ChatPosition,
  ) {}

  map(_name: string, json: Wire): SplicedEvent[] {
    // An error after the continuation started is the stream's end, in the client's own format already.
    if (json.error !== undefined) return [splicedEvent('', json)];
    const position = this.position;
    const chunk: Wire = { ...json };
    if (position.id !== undefined) chunk.id = position.id;
    if (position.model !== undefined) chunk.model = position.model;
    if (position.created !== undefined) chunk.created = position.created;
    if (position.systemFingerprint !== undefined && 'system_fingerprint' in chunk) chunk.system_fingerprint = position.systemFingerprint;
    const choices = Array.isArray(json.choices) ? json.choices.map((choice) => this.choice(asWire(choice) ?? {})) : [];
    if (Array.isArray(json.choices)) chunk.choices = choices;
    const usage = asWire(json.usage);
    if (usage) chunk.usage = this.usage(usage);
    const carries = choices.some((choice) => choice.finish_reason != null || Object.keys(asWire(choice.delta) ?? {}).length > 0);
    return carries || usage ? [splicedEvent('', chunk)] : [];
  }

  private choice(choice: Wire): Wire {
    // The client had its role chunk at the start of the answer, and reasoning is not spliced.
    const delta: Wire = Object.fromEntries(
      Object.entries(asWire(choice.delta) ?? {}).filter(([field]) => field !== 'role' && !REASONING_FIELDS.includes(field)),
    );
    // Text held back while it might repeat the delivered text comes out before the answer's text ends.
    const textEnds = choice.finish_reason != null || delta.tool_calls != null || delta.function_call != null;
    const content = (typeof delta.content === 'string' ? this.context.text(delta.content) : '') + (textEnds ? this.context.endText() : '');
    if (content) delta.content = content;
    else delete delta.content;
    if (delta.refusal === null) delete delta.refusal;
    return { ...choice, delta };
  }

  private usage(usage: Wire): Wire {
    const merged = this.context.mergedTokens(usage.prompt_tokens, usage.completion_tokens);
    const input = merged.input ?? 0;
    return { ...usage, prompt_tokens: input, completion_tokens: merged.output, total_tokens: input + merged.output };
  }
}
