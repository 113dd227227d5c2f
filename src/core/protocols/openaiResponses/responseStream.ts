import type { StreamFacts } from '../protocol';
import type { SseEvent } from '../sse';
import type { Wire } from '../wire';

/** Token counts in the Responses sense: `inputTokens` includes the cached ones, `outputTokens` the reasoning ones. */
export interface ResponsesUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

/**
 * How an answer ended, in Responses terms: tool calls are a `completed` response with function_call items; an
 * answer cut by the token limit or a content filter is `incomplete` with that reason (what Codex reports).
 */
export type ResponsesEnding = 'completed' | 'max_output_tokens' | 'content_filter';

type OpenItem =
  | { kind: 'message'; index: number; id: string; parts: Wire[]; part: { type: 'output_text' | 'refusal'; text: string } | undefined }
  | { kind: 'call'; index: number; id: string; callId: string; name: string; args: string }
  | { kind: 'reasoning'; index: number; id: string; summary: string | undefined; encrypted: string };

function usageWire(usage: ResponsesUsage): Wire {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function partWire(part: { type: 'output_text' | 'refusal'; text: string }): Wire {
  return part.type === 'output_text' ? { type: 'output_text', text: part.text, annotations: [], logprobs: [] } : { type: 'refusal', refusal: part.text };
}

/**
 * Writes one answer as the typed events of an OpenAI Responses stream — response.created and in_progress, each
 * output item added, its content streamed and done, then response.completed or response.incomplete with usage —
 * with sequence numbers 0, 1, 2…, output and content indices, and item ids. The Responses answer writer drives it,
 * streamed or not, so a non-streamed answer has exactly the output items the stream would have built. Items follow one another: opening the next closes the one before, as OpenAI
 * does, so a client can act on a finished function call before the answer ends.
 */
export class ResponsesWriter {
  private sequence = 0;
  private id = 'resp_keybridge';
  private started = false;
  private finished = false;
  private readonly output: Wire[] = [];
  private open: OpenItem | undefined;
  private final: Wire | undefined;
  /** Text and argument characters held for the output items, which the last event repeats whole. */
  private held = 0;

  constructor(
    private readonly model: string,
    private readonly createdAt: number,
  ) {}

  /** The finished response object (what response.completed carried); undefined before `finish`. */
  get response(): Wire | undefined {
    return this.final;
  }

  /** Characters of text and arguments held: the final response object carries them all. */
  get heldChars(): number {
    return this.held;
  }

  /** The id, model and last sequence number the client has seen, for a response.failed that fits the stream. */
  get facts(): StreamFacts {
    return { responseId: this.id, model: this.model, createdAt: this.createdAt, lastSequence: this.sequence - 1 };
  }

  /** response.created and response.in_progress, under an id made from the upstream's own. */
  start(upstreamId: string): SseEvent[] {
    if (this.started) return [];
    this.started = true;
    this.id = `resp_${upstreamId}`;
    const response = this.responseObject('in_progress', null, null);
    return [this.event('response.created', { response }), this.event('response.in_progress', { response })];
  }

  text(delta: string): SseEvent[] {
    return this.content('output_text', delta);
  }

  refusal(delta: string): SseEvent[] {
    return this.content('refusal', delta);
  }

  /** Opens a function_call item; its arguments follow through `functionArguments`. */
  functionCall(callId: string, name: string): SseEvent[] {
    if (this.finished) return [];
    const out = [...this.ensureStarted(), ...this.closeItem('completed')];
    const index = this.output.length;
    this.open = { kind: 'call', index, id: `fc_${this.tail()}_${index}`, callId, name, args: '' };
    out.push(this.event('response.output_item.added', { output_index: index, item: this.callItem(this.open, 'in_progress') }));
    return out;
  }

  /**
   * Opens a reasoning item whose `encrypted_content` is `encrypted` (what the client returns verbatim); its
   * summary text follows through `reasoningSummary`.
   */
  reasoningItem(encrypted: string): SseEvent[] {
    if (this.finished) return [];
    const out = [...this.ensureStarted(), ...this.closeItem('completed')];
    const index = this.output.length;
    this.open = { kind: 'reasoning', index, id: `rs_${this.tail()}_${index}`, summary: undefined, encrypted };
    out.push(this.event('response.output_item.added', { output_index: index, item: this.reasoningWire(this.open, []) }));
    return out;
  }

  /** Summary text of the open reasoning item, as it came. */
  reasoningSummary(delta: string): SseEvent[] {
    const item = this.open;
    if (item?.kind !== 'reasoning' || delta === '') return [];
    const out: SseEvent[] = [];
    if (item.summary === undefined) {
      item.summary = '';
      out.push(
        this.event('response.reasoning_summary_part.added', {
          item_id: item.id,
          output_index: item.index,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        }),
      );
    }
    item.summary += delta;
    this.held += delta.length;
    out.push(this.event('response.reasoning_summary_text.delta', { item_id: item.id, output_index: item.index, summary_index: 0, delta }));
    return out;
  }

  /** What the open item is, if one is open. */
  get openKind(): OpenItem['kind'] | undefined {
    return this.open?.kind;
  }

  /** An argument fragment of the open call, passed on the moment it came (never buffered to the end). */
  functionArguments(delta: string): SseEvent[] {
    if (this.open?.kind !== 'call' || delta === '') return [];
    this.open.args += delta;
    this.held += delta.length;
    return [this.event('response.function_call_arguments.delta', { item_id: this.open.id, output_index: this.open.index, delta })];
  }

  /** Closes the open item (a call whose upstream block ended), so the client has it before the answer ends. */
  closeOpenItem(): SseEvent[] {
    return this.closeItem('completed');
  }

  /** Closes what is open and ends the response; once. */
  finish(ending: ResponsesEnding, usage: ResponsesUsage): SseEvent[] {
    if (this.finished) return [];
    const out = [...this.ensureStarted(), ...this.closeItem(ending === 'completed' ? 'completed' : 'incomplete')];
    this.finished = true;
    if (ending === 'completed') {
      this.final = this.responseObject('completed', null, usageWire(usage));
      out.push(this.event('response.completed', { response: this.final }));
    } else {
      this.final = this.responseObject('incomplete', { reason: ending }, usageWire(usage));
      out.push(this.event('response.incomplete', { response: this.final }));
    }
    return out;
  }

  private ensureStarted(): SseEvent[] {
    return this.started ? [] : this.start('keybridge');
  }

  /** Text or refusal into the open message item, opening the item or the part when the open one is of another kind. */
  private content(type: 'output_text' | 'refusal', delta: string): SseEvent[] {
    if (delta === '' || this.finished) return [];
    const out = this.ensureStarted();
    if (this.open?.kind !== 'message') {
      out.push(...this.closeItem('completed'));
      const index = this.output.length;
      this.open = { kind: 'message', index, id: `msg_${this.tail()}_${index}`, parts: [], part: undefined };
      out.push(this.event('response.output_item.added', { output_index: index, item: this.messageItem(this.open, 'in_progress') }));
    }
    const item = this.open;
    if (item.part?.type !== type) {
      out.push(...this.closePart(item));
      item.part = { type, text: '' };
      out.push(
        this.event('response.content_part.added', { item_id: item.id, output_index: item.index, content_index: item.parts.length, part: partWire(item.part) }),
      );
    }
    item.part.text += delta;
    this.held += delta.length;
    const at = { item_id: item.id, output_index: item.index, content_index: item.parts.length };
    out.push(
      type === 'output_text'
        ? this.event('response.output_text.delta', { ...at, delta, logprobs: [] })
        : this.event('response.refusal.delta', { ...at, delta }),
    );
    return out;
  }

  private closePart(item: OpenItem & { kind: 'message' }): SseEvent[] {
    const part = item.part;
    if (!part) return [];
    item.part = undefined;
    const at = { item_id: item.id, output_index: item.index, content_index: item.parts.length };
    const done =
      part.type === 'output_text'
        ? this.event('response.output_text.done', { ...at, text: part.text, logprobs: [] })
        : this.event('response.refusal.done', { ...at, refusal: part.text });
    const wire = partWire(part);
    item.parts.push(wire);
    return [done, this.event('response.content_part.done', { ...at, part: wire })];
  }

  private closeItem(status: 'completed' | 'incomplete'): SseEvent[] {
    const item = this.open;
    if (!item) return [];
    this.open = undefined;
    const out: SseEvent[] = [];
    let wire: Wire;
    if (item.kind === 'message') {
      out.push(...this.closePart(item));
      wire = this.messageItem(item, status);
    } else if (item.kind === 'reasoning') {
      const summary = item.summary === undefined ? [] : [{ type: 'summary_text', text: item.summary }];
      if (item.summary !== undefined) {
        const at = { item_id: item.id, output_index: item.index, summary_index: 0 };
        out.push(this.event('response.reasoning_summary_text.done', { ...at, text: item.summary }));
        out.push(this.event('response.reasoning_summary_part.done', { ...at, part: summary[0] }));
      }
      wire = this.reasoningWire(item, summary);
    } else {
      // A call without arguments still needs a JSON object: clients parse the arguments as one.
      if (item.args === '') {
        item.args = '{}';
        out.push(this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: item.index, delta: item.args }));
      }
      out.push(this.event('response.function_call_arguments.done', { item_id: item.id, output_index: item.index, name: item.name, arguments: item.args }));
      wire = this.callItem(item, status);
    }
    this.output.push(wire);
    out.push(this.event('response.output_item.done', { output_index: item.index, item: wire }));
    return out;
  }

  private messageItem(item: OpenItem & { kind: 'message' }, status: string): Wire {
    // An item is added before its first part: while in progress its parts are still none.
    return { id: item.id, type: 'message', status, role: 'assistant', content: item.parts };
  }

  private reasoningWire(item: OpenItem & { kind: 'reasoning' }, summary: Wire[]): Wire {
    return { id: item.id, type: 'reasoning', summary, encrypted_content: item.encrypted };
  }

  private callItem(item: OpenItem & { kind: 'call' }, status: string): Wire {
    return { id: item.id, type: 'function_call', status, arguments: item.args, call_id: item.callId, name: item.name };
  }

  /**
   * The response object as far as the translator knows it. The fields that echo the client's request (tools,
   * instructions, temperature…) are left out: a translator sees only the answer, and guessing them would mislead.
   */
  private responseObject(status: string, incomplete: Wire | null, usage: Wire | null): Wire {
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      error: null,
      incomplete_details: incomplete,
      model: this.model,
      // The in-progress object is written once, by `start`, before any output item.
      output: [...this.output],
      usage,
    };
  }

  private tail(): string {
    return this.id.slice('resp_'.length);
  }

  private event(type: string, payload: Wire): SseEvent {
    return { name: type, data: JSON.stringify({ type, sequence_number: this.sequence++, ...payload }) };
  }
}
