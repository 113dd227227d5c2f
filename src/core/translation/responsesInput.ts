import { asWire, stringOr, wireArray, type TranslationNotes, type Wire } from './wire';

/** A part of a user turn or of a tool's output that both Chat and Anthropic can carry. */
export type InputPart = { type: 'text'; text: string } | { type: 'image'; url: string; detail: string | undefined };

interface FunctionCall {
  callId: string;
  name: string;
  /** The arguments as the model wrote them: a JSON text, not always valid. */
  arguments: string;
}

/**
 * A Responses request's conversation in the terms both target protocols share: `system` for instructions and
 * system or developer messages, assistant turns with their function calls, and each call's output as a `tool`
 * turn right after the assistant turn that made the call.
 */
export type Turn =
  | { role: 'system'; text: string }
  | { role: 'user'; parts: InputPart[] }
  | { role: 'assistant'; text: string; calls: FunctionCall[] }
  | { role: 'tool'; callId: string; output: InputPart[] };

/** A function tool as both targets take it: the JSON Schema goes across untouched. */
export interface FunctionTool {
  name: string;
  description: string | undefined;
  parameters: Wire;
  strict: boolean | undefined;
}

export type ToolChoice = { mode: 'auto' | 'none' | 'required' } | { mode: 'function'; name: string };

/** Names a loss once per request: a long Codex history would otherwise repeat it for every item. */
export function noteOnce(notes: TranslationNotes, what: string): void {
  if (!notes.dropped.includes(what)) notes.dropped.push(what);
}

const TEXT_PARTS = new Set(['input_text', 'output_text', 'text']);

/** The parts of a message's or an output's content: text and images; files and audio cannot be carried. */
function inputParts(content: unknown, notes: TranslationNotes): InputPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const parts: InputPart[] = [];
  for (const part of wireArray(content)) {
    if (TEXT_PARTS.has(stringOr(part.type, ''))) parts.push({ type: 'text', text: stringOr(part.text, '') });
    else if (part.type === 'refusal') parts.push({ type: 'text', text: stringOr(part.refusal, '') });
    else if (part.type === 'input_image' && typeof part.image_url === 'string' && part.image_url !== '') {
      parts.push({ type: 'image', url: part.image_url, detail: typeof part.detail === 'string' && part.detail !== 'auto' ? part.detail : undefined });
    } else if (part.type === 'input_image') {
      // A file_id names a file uploaded to OpenAI: another provider cannot fetch it.
      noteOnce(notes, 'an image given by file_id');
    } else noteOnce(notes, `a ${stringOr(part.type, 'unknown')} part`);
  }
  return parts;
}

function textOf(parts: InputPart[]): string {
  return parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
}

/**
 * Reads `instructions` and `input` (a string, or items) into turns. Consecutive function calls — and calls right
 * after the assistant's text — become one assistant turn, as Chat and Anthropic carry parallel calls. Reasoning
 * items are dropped: encrypted reasoning belongs to the provider and organisation that made it (DESIGN §10), and
 * no other provider can read it. Items of OpenAI-hosted tools and references to stored items cannot be carried.
 */
export function responsesTurns(request: Wire, notes: TranslationNotes): Turn[] {
  const turns: Turn[] = [];
  if (typeof request.instructions === 'string' && request.instructions !== '') turns.push({ role: 'system', text: request.instructions });
  if (typeof request.input === 'string') {
    if (request.input !== '') turns.push({ role: 'user', parts: [{ type: 'text', text: request.input }] });
    return turns;
  }
  for (const item of wireArray(request.input)) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      const parts = inputParts(item.content, notes);
      if (item.role === 'system' || item.role === 'developer') turns.push({ role: 'system', text: textOf(parts) });
      else if (item.role === 'assistant') {
        if (parts.some((p) => p.type === 'image')) noteOnce(notes, 'an image in an assistant message');
        turns.push({ role: 'assistant', text: textOf(parts), calls: [] });
      } else turns.push({ role: 'user', parts });
    } else if (type === 'function_call') {
      const call = { callId: stringOr(item.call_id, ''), name: stringOr(item.name, ''), arguments: stringOr(item.arguments, '') };
      const last = turns.at(-1);
      if (last?.role === 'assistant') last.calls.push(call);
      else turns.push({ role: 'assistant', text: '', calls: [call] });
    } else if (type === 'function_call_output') {
      turns.push({ role: 'tool', callId: stringOr(item.call_id, ''), output: inputParts(item.output, notes) });
    } else if (type === 'reasoning') {
      noteOnce(notes, 'reasoning history');
    } else {
      noteOnce(notes, `a ${stringOr(type, 'unknown')} item`);
    }
  }
  return pairCalls(turns, notes);
}

/**
 * Both targets refuse a call without its output and an output without its call, and want the outputs right
 * after the turn that made the calls. A Responses history may break that (an output whose call was stored at
 * OpenAI under previous_response_id, a call the client never answered), so each output is moved up to its call,
 * and what has no partner is dropped and named.
 */
function pairCalls(turns: Turn[], notes: TranslationNotes): Turn[] {
  const outputs = new Map<string, { turn: Turn; at: number }>();
  turns.forEach((turn, at) => {
    if (turn.role === 'tool' && !outputs.has(turn.callId)) outputs.set(turn.callId, { turn, at });
  });
  const placed = new Set<Turn>();
  const out: Turn[] = [];
  turns.forEach((turn, at) => {
    if (turn.role === 'tool') {
      if (!placed.has(turn)) noteOnce(notes, 'a function_call_output without its function_call');
      return;
    }
    if (turn.role !== 'assistant' || turn.calls.length === 0) {
      out.push(turn);
      return;
    }
    const answered: { call: FunctionCall; output: Turn }[] = [];
    for (const call of turn.calls) {
      const output = outputs.get(call.callId);
      if (output && output.at > at && !placed.has(output.turn)) {
        placed.add(output.turn);
        answered.push({ call, output: output.turn });
      } else noteOnce(notes, 'a function_call without its output');
    }
    if (turn.text === '' && answered.length === 0) return;
    out.push({ ...turn, calls: answered.map((a) => a.call) });
    out.push(...answered.map((a) => a.output));
  });
  return out;
}

/** The function tools of a Responses request; OpenAI's hosted tools and custom (free-form) tools cannot be carried. */
export function functionTools(tools: unknown, notes: TranslationNotes): FunctionTool[] {
  const out: FunctionTool[] = [];
  for (const tool of wireArray(tools)) {
    if (tool.type !== 'function') {
      noteOnce(notes, `the built-in tool ${stringOr(tool.name, stringOr(tool.type, 'unknown'))}`);
      continue;
    }
    out.push({
      name: stringOr(tool.name, ''),
      description: typeof tool.description === 'string' ? tool.description : undefined,
      parameters: asWire(tool.parameters) ?? { type: 'object', properties: {} },
      strict: typeof tool.strict === 'boolean' ? tool.strict : undefined,
    });
  }
  return out;
}

/**
 * Responses' tool_choice. A choice of an allowed subset keeps its mode (all tools stay offered); a choice of a
 * hosted tool, which was dropped, falls back to `auto`.
 */
export function toolChoice(choice: unknown, notes: TranslationNotes): ToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { mode: choice };
  const wire = asWire(choice);
  if (!wire) return undefined;
  if (wire.type === 'function' && typeof wire.name === 'string') return { mode: 'function', name: wire.name };
  if (wire.type === 'allowed_tools') {
    noteOnce(notes, 'tool_choice allowed_tools (every tool stays offered)');
    return { mode: wire.mode === 'required' ? 'required' : 'auto' };
  }
  noteOnce(notes, `tool_choice ${stringOr(wire.type, 'unknown')}`);
  return { mode: 'auto' };
}

/**
 * Request fields that change what the client gets and that neither target can honour, named in the notes. What
 * is meaningless away from OpenAI is dropped without a word: store, include (encrypted reasoning is never sent
 * back), metadata, prompt_cache_key, safety_identifier, stream_options, reasoning.summary.
 */
export function noteResponsesOnlyFields(request: Wire, notes: TranslationNotes): void {
  if (typeof request.previous_response_id === 'string') noteOnce(notes, 'previous_response_id (earlier turns stored at OpenAI are not sent)');
  if (request.conversation != null) noteOnce(notes, 'conversation (earlier turns stored at OpenAI are not sent)');
  if (request.prompt != null) noteOnce(notes, 'prompt (a template stored at OpenAI)');
  if (request.truncation === 'auto') noteOnce(notes, 'truncation: auto');
  if (request.background === true) noteOnce(notes, 'background');
  if (typeof request.top_logprobs === 'number') noteOnce(notes, 'top_logprobs');
  if (typeof request.max_tool_calls === 'number') noteOnce(notes, 'max_tool_calls');
  if (typeof request.service_tier === 'string' && request.service_tier !== 'auto' && request.service_tier !== 'default') noteOnce(notes, 'service_tier');
  if (asWire(request.text)?.verbosity != null) noteOnce(notes, 'text.verbosity');
}
