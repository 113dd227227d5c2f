import { samplingFor, type ChatTarget } from './messagesToChat';
import { functionTools, noteOnce, noteResponsesOnlyFields, responsesTurns, toolChoice, type InputPart, type ToolChoice, type Turn } from './responsesInput';
import { asWire, type TranslationNotes, type Wire } from './wire';

/**
 * An OpenAI Responses request (what Codex sends) as a Chat Completions request for a provider without the
 * Responses API. Reasoning items are dropped (they belong to the provider that made them), OpenAI's hosted tools
 * cannot be carried, and nothing stored at OpenAI (previous_response_id) can be; all named in `notes`.
 */
export function responsesToChat(request: Wire, target: ChatTarget): { body: Wire; notes: TranslationNotes } {
  const notes: TranslationNotes = { dropped: [] };
  const body: Wire = { model: target.model, messages: chatMessages(responsesTurns(request, notes)) };
  if (typeof request.max_output_tokens === 'number') body[target.tokenLimitField] = request.max_output_tokens;
  samplingFor(request, target, body, notes);
  if (request.stream === true) {
    body.stream = true;
    // Usage comes in a last chunk only when asked for; response.completed needs it.
    body.stream_options = { include_usage: true };
  }
  const tools = functionTools(request.tools, notes).map((tool) => {
    const fn: Wire = { name: tool.name, parameters: tool.parameters };
    if (tool.description !== undefined) fn.description = tool.description;
    if (tool.strict !== undefined) fn.strict = tool.strict;
    return { type: 'function', function: fn };
  });
  const choice = toolChoice(request.tool_choice, notes);
  // Chat refuses tool_choice and parallel_tool_calls without tools, which happens when only hosted tools came.
  if (tools.length) {
    body.tools = tools;
    if (choice) body.tool_choice = chatToolChoice(choice);
    if (typeof request.parallel_tool_calls === 'boolean') body.parallel_tool_calls = request.parallel_tool_calls;
  }
  const effort = reasoningEffort(asWire(request.reasoning)?.effort);
  if (effort) {
    if (target.reasoningEffort) body.reasoning_effort = effort;
    else noteOnce(notes, 'reasoning.effort');
  }
  const format = responseFormat(asWire(asWire(request.text)?.format));
  if (format) body.response_format = format;
  if (typeof request.user === 'string') body.user = request.user;
  noteResponsesOnlyFields(request, notes);
  return { body, notes };
}

function chatContent(parts: InputPart[]): string | Wire[] {
  if (parts.every((p) => p.type === 'text')) return parts.map((p) => p.text).join('\n\n');
  return parts.map((p) => {
    if (p.type === 'text') return { type: 'text', text: p.text };
    const image: Wire = { url: p.url };
    if (p.detail) image.detail = p.detail;
    return { type: 'image_url', image_url: image };
  });
}

/**
 * Turns as Chat messages. System and developer messages go as `system`, which every OpenAI-compatible provider
 * knows (not all know `developer`). A tool message carries only text, so images a tool returned follow the run
 * of tool messages in a user message, where the model still sees them.
 */
function chatMessages(turns: Turn[]): Wire[] {
  const messages: Wire[] = [];
  let toolImages: InputPart[] = [];
  const flushImages = (): void => {
    if (toolImages.length) messages.push({ role: 'user', content: chatContent(toolImages) });
    toolImages = [];
  };
  for (const turn of turns) {
    if (turn.role !== 'tool') flushImages();
    if (turn.role === 'system') {
      if (turn.text !== '') messages.push({ role: 'system', content: turn.text });
    } else if (turn.role === 'user') {
      if (turn.parts.length) messages.push({ role: 'user', content: chatContent(turn.parts) });
    } else if (turn.role === 'assistant') {
      // An assistant turn always has text or calls here: Chat refuses one with neither.
      const message: Wire = { role: 'assistant', content: turn.text === '' ? null : turn.text };
      if (turn.calls.length) {
        message.tool_calls = turn.calls.map((call) => ({ id: call.callId, type: 'function', function: { name: call.name, arguments: call.arguments === '' ? '{}' : call.arguments } }));
      }
      messages.push(message);
    } else {
      const text = turn.output.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
      messages.push({ role: 'tool', tool_call_id: turn.callId, content: text });
      toolImages.push(...turn.output.filter((p) => p.type === 'image'));
    }
  }
  flushImages();
  return messages;
}

function chatToolChoice(choice: ToolChoice): Wire[string] {
  return choice.mode === 'function' ? { type: 'function', function: { name: choice.name } } : choice.mode;
}

/**
 * Responses' effort as Chat's reasoning_effort. `minimal` and `xhigh` are OpenAI's own steps: the nearest step
 * other providers know is sent. `none` asks for no reasoning, which is what leaving the field out does.
 */
function reasoningEffort(effort: unknown): string | undefined {
  if (effort === 'low' || effort === 'medium' || effort === 'high') return effort;
  if (effort === 'minimal') return 'low';
  if (effort === 'xhigh') return 'high';
  return undefined;
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
