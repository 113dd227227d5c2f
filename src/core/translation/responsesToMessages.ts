import type { MessagesTarget } from './chatRequestToMessages';
import { addToTurns, type MessagesTurn } from './messagesTurns';
import { functionTools, noteOnce, noteResponsesOnlyFields, responsesTurns, toolChoice, type InputPart, type ToolChoice } from './responsesInput';
import { asWire, toolArguments, type TranslationNotes, type Wire } from './wire';

/**
 * Anthropic takes tool ids of letters, digits, `_` and `-` only; ids from another provider (some write
 * `functions.ls:0`) are rewritten the same way in the call and in its result, so the pair still matches.
 */
function toolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_') || 'call';
}

/** A part as an Anthropic block; undefined for an image Anthropic cannot take (only base64 data or an http(s) URL). */
function block(part: InputPart, notes: TranslationNotes): Wire | undefined {
  if (part.type === 'text') return part.text === '' ? undefined : { type: 'text', text: part.text };
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  if (/^https?:\/\//i.test(part.url)) return { type: 'image', source: { type: 'url', url: part.url } };
  noteOnce(notes, 'an image source the target cannot take');
  return undefined;
}

function blocks(parts: InputPart[], notes: TranslationNotes): Wire[] {
  return parts.flatMap((part) => {
    const translated = block(part, notes);
    return translated ? [translated] : [];
  });
}

/**
 * An OpenAI Responses request (what Codex sends) as an Anthropic Messages request: instructions and system or
 * developer messages become the system prompt, function calls tool_use blocks, their outputs tool_result blocks at
 * the head of the next user turn, and turns of one role in a row are merged (Anthropic alternates roles).
 * Reasoning items are dropped (they belong to the provider that made them); what else cannot be carried — hosted
 * tools, reasoning.effort, text.format, anything stored at OpenAI — is named in `notes`.
 */
export function responsesToMessages(request: Wire, target: MessagesTarget): { body: Wire; notes: TranslationNotes } {
  const notes: TranslationNotes = { dropped: [] };
  const system: string[] = [];
  const turns: MessagesTurn[] = [];
  const add = (role: MessagesTurn['role'], content: Wire[]): void => addToTurns(turns, role, content);
  for (const turn of responsesTurns(request, notes)) {
    if (turn.role === 'system') system.push(turn.text);
    else if (turn.role === 'user') add('user', blocks(turn.parts, notes));
    else if (turn.role === 'assistant') {
      const content: Wire[] = turn.text === '' ? [] : [{ type: 'text', text: turn.text }];
      for (const call of turn.calls) content.push({ type: 'tool_use', id: toolId(call.callId), name: call.name, input: toolArguments(call.arguments) });
      add('assistant', content);
    } else {
      const result: Wire = { type: 'tool_result', tool_use_id: toolId(turn.callId) };
      const content = blocks(turn.output, notes);
      if (content.length) result.content = content.every((b) => b.type === 'text') ? content.map((b) => b.text).join('\n') : content;
      add('user', [result]);
    }
  }

  const limit = request.max_output_tokens;
  const body: Wire = { model: target.model, max_tokens: typeof limit === 'number' ? limit : target.defaultMaxTokens, messages: turns };
  const systemText = system.filter((s) => s !== '').join('\n\n');
  if (systemText) body.system = systemText;
  if (typeof request.temperature === 'number') {
    // Responses' scale goes to 2, Anthropic's to 1.
    body.temperature = Math.min(request.temperature, 1);
    if (request.temperature > 1) noteOnce(notes, 'temperature above 1 (sent as 1)');
  }
  if (typeof request.top_p === 'number') {
    // Current Claude models refuse temperature and top_p together; temperature is the one clients usually mean.
    if (body.temperature === undefined) body.top_p = request.top_p;
    else noteOnce(notes, 'top_p (with temperature)');
  }
  if (request.stream === true) body.stream = true;
  const tools = functionTools(request.tools, notes).map((tool) => {
    const out: Wire = { name: tool.name, input_schema: tool.parameters };
    if (tool.description !== undefined) out.description = tool.description;
    if (tool.strict === true) noteOnce(notes, 'strict function schemas');
    return out;
  });
  const choice = toolChoice(request.tool_choice, notes);
  if (tools.length) {
    body.tools = tools;
    const anthropicChoice = messagesToolChoice(choice, request.parallel_tool_calls === false);
    if (anthropicChoice) body.tool_choice = anthropicChoice;
  }
  if (typeof request.user === 'string') body.metadata = { user_id: request.user };
  // Thinking is not turned on for an effort: with thinking, Anthropic wants each earlier assistant turn of a tool
  // loop to open with its signed thinking block, and the reasoning history was dropped above.
  const effort = asWire(request.reasoning)?.effort;
  if (typeof effort === 'string' && effort !== 'none') noteOnce(notes, 'reasoning.effort');
  const format = asWire(asWire(request.text)?.format)?.type;
  if (format === 'json_schema' || format === 'json_object') noteOnce(notes, 'text.format');
  noteResponsesOnlyFields(request, notes);
  return { body, notes };
}

function messagesToolChoice(choice: ToolChoice | undefined, noParallel: boolean): Wire | undefined {
  let out: Wire | undefined;
  if (choice?.mode === 'required') out = { type: 'any' };
  else if (choice?.mode === 'none') out = { type: 'none' };
  else if (choice?.mode === 'function') out = { type: 'tool', name: choice.name };
  else if (choice?.mode === 'auto' || noParallel) out = { type: 'auto' };
  if (out && noParallel && out.type !== 'none') out.disable_parallel_tool_use = true;
  return out;
}
