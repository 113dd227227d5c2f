import {
  noteOnce,
  type Conversation,
  type ImagePart,
  type Part,
  type ReasoningPart,
  type TextPart,
  type Tool,
  type ToolChoice,
} from '../../conversation/conversation';
import { decodeCarriedReasoning } from '../../conversation/reasoningCarry';
import { asWire, stringOr, wireArray, type Wire } from '../wire';

type InputPart = TextPart | ImagePart;

interface FunctionCall {
  callId: string;
  name: string;
  /** The arguments as the model wrote them: a JSON text, not always valid. */
  arguments: string;
}

/**
 * A Responses request's conversation as read, before calls and outputs are paired: `system` for instructions and
 * system or developer messages, assistant turns with their reasoning and function calls, and each call's output as
 * a `tool` turn.
 */
type ItemTurn =
  | { role: 'system'; text: string }
  | { role: 'user'; parts: InputPart[] }
  | { role: 'assistant'; text: string; calls: FunctionCall[]; reasoning: ReasoningPart[] }
  | { role: 'tool'; callId: string; output: InputPart[] };

/**
 * An OpenAI Responses request (what Codex sends) read into our conversation model. Reasoning items are kept only
 * when their `encrypted_content` is our carrier of a Chat provider's state (docs/ARCHITECTURE.md §9): OpenAI's own
 * encrypted reasoning belongs to the organisation that made it (DESIGN §10), and no other provider can read it.
 * OpenAI-hosted tools and anything stored at OpenAI (previous_response_id) cannot be carried; all named.
 */
export function readResponsesRequest(request: Wire): Conversation {
  const notCarried: string[] = [];
  const turns = responsesTurns(request, notCarried);
  const conversation: Conversation = {
    system: [],
    turns: [],
    tools: functionTools(request.tools, notCarried),
    stop: [],
    stream: request.stream === true,
    notCarried,
  };
  for (const turn of turns) {
    if (turn.role === 'system') conversation.system.push(turn.text);
    else if (turn.role === 'user') conversation.turns.push({ role: 'user', parts: turn.parts });
    else if (turn.role === 'assistant') {
      const parts: Part[] = [...turn.reasoning];
      if (turn.text !== '') parts.push({ kind: 'text', text: turn.text });
      for (const call of turn.calls) parts.push({ kind: 'tool-call', id: call.callId, name: call.name, arguments: call.arguments });
      conversation.turns.push({ role: 'assistant', parts });
    } else conversation.turns.push({ role: 'user', parts: [{ kind: 'tool-result', id: turn.callId, content: turn.output, error: false }] });
  }
  if (typeof request.max_output_tokens === 'number') conversation.maxTokens = request.max_output_tokens;
  if (typeof request.temperature === 'number') conversation.temperature = request.temperature;
  if (typeof request.top_p === 'number') conversation.topP = request.top_p;
  const choice = toolChoice(request.tool_choice, notCarried);
  if (choice) conversation.toolChoice = choice;
  if (typeof request.parallel_tool_calls === 'boolean') conversation.parallelToolCalls = request.parallel_tool_calls;
  const effort = asWire(request.reasoning)?.effort;
  if (typeof effort === 'string') conversation.reasoning = { effort, askedAs: 'reasoning.effort', turnsThinkingOn: false };
  const format = responseFormat(asWire(asWire(request.text)?.format));
  if (format) conversation.responseFormat = { format, askedAs: 'text.format' };
  if (typeof request.user === 'string') conversation.user = request.user;
  noteResponsesOnlyFields(request, notCarried);
  return conversation;
}

const TEXT_PARTS = new Set(['input_text', 'output_text', 'text']);

/** The parts of a message's or an output's content: text and images; files and audio cannot be carried. */
function inputParts(content: unknown, notes: string[]): InputPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  const parts: InputPart[] = [];
  for (const part of wireArray(content)) {
    if (TEXT_PARTS.has(stringOr(part.type, ''))) parts.push({ kind: 'text', text: stringOr(part.text, '') });
    else if (part.type === 'refusal') parts.push({ kind: 'text', text: stringOr(part.refusal, '') });
    else if (part.type === 'input_image' && typeof part.image_url === 'string' && part.image_url !== '') {
      // Chat takes low, high or auto; auto is what leaving it out says, and a newer step (original) is not known there.
      const image: ImagePart = { kind: 'image', url: part.image_url };
      if (part.detail === 'low' || part.detail === 'high') image.detail = part.detail;
      parts.push(image);
    } else if (part.type === 'input_image') {
      // A file_id names a file uploaded to OpenAI: another provider cannot fetch it.
      noteOnce(notes, 'an image given by file_id');
    } else noteOnce(notes, `a ${stringOr(part.type, 'unknown')} part`);
  }
  return parts;
}

function textOf(parts: InputPart[]): string {
  return parts.flatMap((p) => (p.kind === 'text' ? [p.text] : [])).join('');
}

/**
 * Reads `instructions` and `input` (a string, or items) into turns. Consecutive function calls — and calls right
 * after the assistant's text — become one assistant turn, as Chat and Anthropic carry parallel calls. A reasoning
 * item that carries a Chat provider's state goes with the assistant turn that follows it; any other is dropped.
 * Items of OpenAI-hosted tools and references to stored items cannot be carried.
 */
function responsesTurns(request: Wire, notes: string[]): ItemTurn[] {
  const turns: ItemTurn[] = [];
  let reasoning: ReasoningPart[] = [];
  const assistantTurn = (text: string, calls: FunctionCall[]): ItemTurn => {
    const turn: ItemTurn = { role: 'assistant', text, calls, reasoning };
    reasoning = [];
    return turn;
  };
  if (typeof request.instructions === 'string' && request.instructions !== '') turns.push({ role: 'system', text: request.instructions });
  if (typeof request.input === 'string') {
    if (request.input !== '') turns.push({ role: 'user', parts: [{ kind: 'text', text: request.input }] });
    return turns;
  }
  for (const item of wireArray(request.input)) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      const parts = inputParts(item.content, notes);
      if (item.role === 'system' || item.role === 'developer') turns.push({ role: 'system', text: textOf(parts) });
      else if (item.role === 'assistant') {
        if (parts.some((p) => p.kind === 'image')) noteOnce(notes, 'an image in an assistant message');
        turns.push(assistantTurn(textOf(parts), []));
      } else turns.push({ role: 'user', parts });
    } else if (type === 'function_call') {
      const call = { callId: stringOr(item.call_id, ''), name: stringOr(item.name, ''), arguments: stringOr(item.arguments, '') };
      const last = turns.at(-1);
      if (last?.role === 'assistant') {
        last.calls.push(call);
        last.reasoning.push(...reasoning);
        reasoning = [];
      } else turns.push(assistantTurn('', [call]));
    } else if (type === 'function_call_output') {
      turns.push({ role: 'tool', callId: stringOr(item.call_id, ''), output: inputParts(item.output, notes) });
    } else if (type === 'reasoning') {
      const carried = decodeCarriedReasoning(item.encrypted_content);
      if (carried) reasoning.push({ kind: 'reasoning', text: reasoningText(item), state: { kind: 'carried', carried } });
      else noteOnce(notes, 'reasoning history');
    } else {
      noteOnce(notes, `a ${stringOr(type, 'unknown')} item`);
    }
  }
  return pairCalls(turns, notes);
}

/** A reasoning item's text: its full content where the provider gave it, else its summary. */
function reasoningText(item: Wire): string {
  const content = wireArray(item.content).filter((part) => part.type === 'reasoning_text');
  const parts = content.length > 0 ? content : wireArray(item.summary);
  return parts.map((part) => stringOr(part.text, '')).join('');
}

/**
 * Both targets refuse a call without its output and an output without its call, and want the outputs right
 * after the turn that made the calls. A Responses history may break that (an output whose call was stored at
 * OpenAI under previous_response_id, a call the client never answered), so each output is moved up to its call,
 * and what has no partner is dropped and named.
 */
function pairCalls(turns: ItemTurn[], notes: string[]): ItemTurn[] {
  const outputs = new Map<string, { turn: ItemTurn; at: number }>();
  turns.forEach((turn, at) => {
    if (turn.role === 'tool' && !outputs.has(turn.callId)) outputs.set(turn.callId, { turn, at });
  });
  const placed = new Set<ItemTurn>();
  const out: ItemTurn[] = [];
  turns.forEach((turn, at) => {
    if (turn.role === 'tool') {
      if (!placed.has(turn)) noteOnce(notes, 'a function_call_output without its function_call');
      return;
    }
    if (turn.role !== 'assistant' || turn.calls.length === 0) {
      out.push(turn);
      return;
    }
    const answered: { call: FunctionCall; output: ItemTurn }[] = [];
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
function functionTools(tools: unknown, notes: string[]): Tool[] {
  const out: Tool[] = [];
  for (const tool of wireArray(tools)) {
    if (tool.type !== 'function') {
      noteOnce(notes, `the built-in tool ${stringOr(tool.name, stringOr(tool.type, 'unknown'))}`);
      continue;
    }
    out.push({
      name: stringOr(tool.name, ''),
      parameters: asWire(tool.parameters) ?? { type: 'object', properties: {} },
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    });
  }
  return out;
}

/**
 * Responses' tool_choice. A choice of an allowed subset keeps its mode (all tools stay offered); a choice of a
 * hosted tool, which was dropped, falls back to `auto`.
 */
function toolChoice(choice: unknown, notes: string[]): ToolChoice | undefined {
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
function noteResponsesOnlyFields(request: Wire, notes: string[]): void {
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

/** Responses' text.format as Chat's response_format: the same JSON Schema, one level deeper. */
function responseFormat(format: Wire | undefined): Wire | undefined {
  if (format?.type === 'json_object') return { type: 'json_object' };
  if (format?.type !== 'json_schema') return undefined;
  const schema: Wire = { name: format.name ?? 'response', schema: format.schema ?? {} };
  if (typeof format.description === 'string') schema.description = format.description;
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}
