import { splicedEvent, type SpliceContext, type SplicedEvent, type SpliceMapper } from './spliceContext';
import { asWire, numberOr, type Wire } from '../protocols/wire';
import type { ResponsesPosition } from './transcriptState';

const PREAMBLE = new Set(['response.created', 'response.in_progress', 'response.queued']);
const FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** A message item of the continuation as the client sees it: the client's open item it extends, or a new one. */
interface TrackedItem {
  id: string;
  outputIndex: number;
  /** Continuation content_index → the client's. */
  partOf: Map<number, number>;
}

/**
 * OpenAI Responses: the continuation's first message item becomes the rest of the
 * item the client has open (same item_id, output_index and, when its text part is
 * still open, content_index); later items take the next output indices; every
 * event gets the next sequence_number; the final response is the whole answer
 * under the original id, with its full output and usage.
 */
export class ResponsesSplice implements SpliceMapper {
  /** Continuation output_index → the client's. */
  private readonly indexOf = new Map<number, number>();
  /** Continuation output indices left out (its reasoning items). */
  private readonly dropped = new Set<number>();
  /** Continuation output_index → its message item, whose text goes through the whitespace join. */
  private readonly messages = new Map<number, TrackedItem>();
  private sawItem = false;
  /** Where the continuation's latest text delta went (the client's item, output and content index). */
  private textAt: Wire | undefined;
  private sequence: number;

  /** The client's position, which the transcript keeps current as spliced events are written. */
  constructor(
    private readonly context: SpliceContext,
    private readonly position: ResponsesPosition,
  ) {
    this.sequence = position.lastSequence ?? -1;
  }

  map(name: string, json: Wire): SplicedEvent[] {
    const type = typeof json.type === 'string' ? json.type : name;
    if (PREAMBLE.has(type)) return [];
    if (FINAL.has(type)) {
      const held = this.endText();
      const closing = this.closeOpenItem();
      return [...held, ...closing.events, this.event(type, { ...json, response: this.finalResponse(asWire(json.response) ?? {}, closing.item) })];
    }
    if (type === 'response.output_item.added') return this.addItem(json);
    if (json.output_index === undefined) return [this.event(type, json)];
    const own = numberOr(json.output_index, -1);
    const outputIndex = this.indexOf.get(own);
    if (this.dropped.has(own) || outputIndex === undefined) return [];
    const message = this.messages.get(own);
    if (!message) return [this.event(type, { ...json, output_index: outputIndex })];
    return this.messageEvent(type, json, message);
  }

  private addItem(json: Wire): SplicedEvent[] {
    const own = numberOr(json.output_index, -1);
    const item = asWire(json.item) ?? {};
    // Reasoning items belong to the continuation target's account (encrypted content) and hold no answer text.
    if (item.type === 'reasoning') {
      this.dropped.add(own);
      return [];
    }
    const first = !this.sawItem;
    this.sawItem = true;
    const open = this.position.openItem;
    if (first && item.type === 'message' && open) {
      this.messages.set(own, { id: open.id, outputIndex: open.outputIndex, partOf: new Map() });
      this.indexOf.set(own, open.outputIndex);
      return [];
    }
    const out = this.closeOpenItem().events;
    const outputIndex = this.position.nextOutputIndex;
    this.indexOf.set(own, outputIndex);
    if (item.type === 'message' && typeof item.id === 'string') this.messages.set(own, { id: item.id, outputIndex, partOf: new Map() });
    out.push(this.event('response.output_item.added', { ...json, output_index: outputIndex }));
    return out;
  }

  /** Text events of a message item: joined onto the delivered text, and the done events repeat the text the client has. */
  private messageEvent(type: string, json: Wire, message: TrackedItem): SplicedEvent[] {
    const at = { item_id: message.id, output_index: message.outputIndex };
    const open = this.position.openItem?.id === message.id ? this.position.openItem : undefined;
    if (type === 'response.output_item.done') {
      const item: Wire = { ...(asWire(json.item) ?? {}), id: message.id };
      if (open) item.content = open.parts;
      return [this.event(type, { ...json, output_index: message.outputIndex, item })];
    }
    const own = numberOr(json.content_index, 0);
    if (type === 'response.content_part.added') {
      // The text part the client has open continues; any other part follows the client's parts.
      const contentIndex = own === 0 && open?.openPart !== undefined ? open.openPart : (open?.parts.length ?? own);
      message.partOf.set(own, contentIndex);
      if (contentIndex === open?.openPart) return [];
      return [this.event(type, { ...json, ...at, content_index: contentIndex })];
    }
    const contentIndex = message.partOf.get(own) ?? own;
    const mapped = { ...json, ...at, content_index: contentIndex };
    const part = open?.parts[contentIndex];
    switch (type) {
      case 'response.output_text.delta': {
        this.textAt = { ...at, content_index: contentIndex };
        const delta = typeof json.delta === 'string' ? this.context.text(json.delta) : json.delta;
        return delta === '' ? [] : [this.event(type, { ...mapped, delta })];
      }
      case 'response.output_text.done': {
        // The position learns of the held text only once its delta is written: the done event adds it itself.
        const held = this.context.endText();
        const events = held ? [this.textDelta({ ...at, content_index: contentIndex }, held)] : [];
        return [...events, this.event(type, { ...mapped, text: part ? (typeof part.text === 'string' ? part.text : '') + held : json.text })];
      }
      case 'response.content_part.done':
        return [this.event(type, { ...mapped, part: { ...(asWire(json.part) ?? {}), text: part?.text } })];
      default:
        return [this.event(type, mapped)];
    }
  }

  /** The text held back while it might repeat the delivered text, where the continuation's text was going. */
  private endText(): SplicedEvent[] {
    const held = this.context.endText();
    return held && this.textAt ? [this.textDelta(this.textAt, held)] : [];
  }

  private textDelta(at: Wire, delta: string): SplicedEvent {
    return this.event('response.output_text.delta', { type: 'response.output_text.delta', ...at, delta, logprobs: [] });
  }

  /** Ends the client's open item with what it has, before an item of another kind or the end of the response. */
  private closeOpenItem(): { events: SplicedEvent[]; item?: { outputIndex: number; item: Wire } } {
    const open = this.position.openItem;
    if (!open || [...this.messages.values()].some((message) => message.id === open.id)) return { events: [] };
    const out: SplicedEvent[] = [];
    const at = { item_id: open.id, output_index: open.outputIndex };
    if (open.openPart !== undefined) {
      const part = open.parts[open.openPart] ?? { type: 'output_text', text: '', annotations: [] };
      out.push(
        this.event('response.output_text.done', { type: 'response.output_text.done', ...at, content_index: open.openPart, text: part.text, logprobs: [] }),
      );
      out.push(this.event('response.content_part.done', { type: 'response.content_part.done', ...at, content_index: open.openPart, part }));
    }
    const item = { ...open.item, status: 'completed', content: open.parts };
    out.push(this.event('response.output_item.done', { type: 'response.output_item.done', output_index: open.outputIndex, item }));
    return { events: out, item: { outputIndex: open.outputIndex, item } };
  }

  /** The continuation's final response object, as the one answer the client started receiving. */
  private finalResponse(response: Wire, closed: { outputIndex: number; item: Wire } | undefined): Wire {
    const position = this.position;
    const original = position.response ?? {};
    const out: Wire = { ...response, id: position.id ?? response.id, model: position.model ?? response.model };
    if (position.createdAt !== undefined) out.created_at = position.createdAt;
    if ('max_output_tokens' in original) out.max_output_tokens = original.max_output_tokens;
    // doneItems is indexed by output_index and may have holes: spread, they read undefined.
    const output: (Wire | undefined)[] = [...position.doneItems];
    if (closed) output[closed.outputIndex] = closed.item;
    out.output = output.filter((item) => item !== undefined);
    const usage = asWire(response.usage);
    if (usage) {
      const merged = this.context.mergedTokens(usage.input_tokens, usage.output_tokens);
      const input = merged.input ?? 0;
      out.usage = { ...usage, input_tokens: input, output_tokens: merged.output, total_tokens: input + merged.output };
    }
    return out;
  }

  private event(type: string, json: Wire): SplicedEvent {
    this.sequence += 1;
    return splicedEvent(type, { ...json, sequence_number: this.sequence });
  }
}
