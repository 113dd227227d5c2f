import { asWire, contentText, stringOr, toolArguments, wireArray, type TranslationNotes, type Wire } from './wire';
import { addToTurns, type MessagesTurn } from './messagesTurns';

/** What the Anthropic target needs said about itself; the route decides, the translator only follows. */
export interface MessagesTarget {
  /** The upstream model name, as the route says. */
  model: string;
  /** Anthropic requires max_tokens; a Chat client may leave it out. */
  defaultMaxTokens: number;
}

/** A Chat content part as an Anthropic block; undefined for a part Anthropic cannot take. */
function block(part: Wire): Wire | undefined {
  if (part.type === 'text') return { type: 'text', text: stringOr(part.text, '') };
  if (part.type === 'image_url') {
    const url = stringOr(asWire(part.image_url)?.url, '');
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
    if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  }
  return undefined;
}

function blocks(content: unknown, notes: TranslationNotes): Wire[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return wireArray(content).flatMap((part) => {
    const translated = block(part);
    if (!translated) notes.dropped.push(`a ${stringOr(part.type, 'unknown')} part`);
    return translated ? [translated] : [];
  });
}

/**
 * An OpenAI Chat Completions request as an Anthropic Messages request for another provider: system and
 * developer messages become the system prompt, tool calls tool_use blocks, tool messages tool_result blocks in
 * the user turn right after, and turns of one role in a row are merged (Anthropic alternates roles). What cannot
 * be carried (n > 1, response_format, logprobs, reasoning_effort) is named in `notes` for the log.
 */
export function chatRequestToMessages(request: Wire, target: MessagesTarget): { body: Wire; notes: TranslationNotes } {
  const notes: TranslationNotes = { dropped: [] };
  const system: string[] = [];
  const turns: MessagesTurn[] = [];
  const add = (role: MessagesTurn['role'], content: Wire[]): void => addToTurns(turns, role, content);
  for (const message of wireArray(request.messages)) {
    if (message.role === 'system' || message.role === 'developer') system.push(contentText(message.content, '\n'));
    else if (message.role === 'assistant') add('assistant', assistantBlocks(message, notes));
    else if (message.role === 'tool') {
      const text = contentText(message.content, '\n');
      const result: Wire = { type: 'tool_result', tool_use_id: stringOr(message.tool_call_id, '') };
      if (text !== '') result.content = text;
      add('user', [result]);
    } else add('user', blocks(message.content, notes));
  }

  const limit = typeof request.max_completion_tokens === 'number' ? request.max_completion_tokens : request.max_tokens;
  const body: Wire = { model: target.model, max_tokens: typeof limit === 'number' ? limit : target.defaultMaxTokens, messages: turns };
  const systemText = system.filter((s) => s !== '').join('\n\n');
  if (systemText) body.system = systemText;
  if (typeof request.temperature === 'number') {
    // Chat's scale goes to 2, Anthropic's to 1.
    body.temperature = Math.min(request.temperature, 1);
    if (request.temperature > 1) notes.dropped.push('temperature above 1 (sent as 1)');
  }
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  const stop = typeof request.stop === 'string' ? [request.stop] : Array.isArray(request.stop) ? request.stop.filter((s): s is string => typeof s === 'string') : [];
  if (stop.length) body.stop_sequences = stop;
  if (request.stream === true) body.stream = true;
  const tools = wireArray(request.tools).flatMap((tool) => messagesTool(tool, notes));
  if (tools.length) {
    body.tools = tools;
    const choice = toolChoice(request.tool_choice, request.parallel_tool_calls === false);
    if (choice) body.tool_choice = choice;
  }
  if (typeof request.user === 'string') body.metadata = { user_id: request.user };
  if (request.reasoning_effort !== undefined && request.reasoning_effort !== null && !thinkingFor(request, body)) notes.dropped.push('reasoning_effort');
  for (const field of ['n', 'response_format', 'logprobs', 'seed', 'presence_penalty', 'frequency_penalty']) {
    if (request[field] !== undefined && request[field] !== null && !(field === 'n' && request.n === 1)) notes.dropped.push(field);
  }
  return { body, notes };
}

/** Anthropic's thinking budget for an effort: its minimum is 1,024 tokens; past 16k a model thinks at length. */
const THINKING_BUDGETS: Partial<Record<string, number>> = { minimal: 1_024, low: 1_024, medium: 4_096, high: 16_000, xhigh: 32_000 };

/**
 * Turns `reasoning_effort` into a thinking budget where Anthropic would take it, and says whether it did. Not
 * with a sampling setting or a forced tool (Anthropic refuses both with thinking on), nor when the budget
 * leaves no room in max_tokens, nor in the middle of a tool loop: with thinking on, Anthropic wants the turn
 * that made the calls to start with its signed thinking, which a Chat client never has to send back.
 */
function thinkingFor(request: Wire, body: Wire): boolean {
  const budget = typeof request.reasoning_effort === 'string' ? THINKING_BUDGETS[request.reasoning_effort] : undefined;
  if (budget === undefined || body.temperature !== undefined || body.top_p !== undefined) return false;
  const forced = asWire(body.tool_choice)?.type;
  if (forced === 'any' || forced === 'tool') return false;
  if (wireArray(request.messages).at(-1)?.role !== 'user') return false;
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
  if (maxTokens <= budget) return false;
  body.thinking = { type: 'enabled', budget_tokens: budget };
  return true;
}

function assistantBlocks(message: Wire, notes: TranslationNotes): Wire[] {
  const out = blocks(message.content, notes).filter((b) => b.type === 'text');
  for (const call of wireArray(message.tool_calls)) {
    const fn = asWire(call.function);
    out.push({ type: 'tool_use', id: stringOr(call.id, ''), name: stringOr(fn?.name, ''), input: toolArguments(fn?.arguments) });
  }
  return out;
}

function messagesTool(tool: Wire, notes: TranslationNotes): Wire[] {
  const fn = asWire(tool.function);
  if (tool.type !== 'function' || !fn) {
    notes.dropped.push(`a ${stringOr(tool.type, 'unknown')} tool`);
    return [];
  }
  const out: Wire = { name: stringOr(fn.name, ''), input_schema: asWire(fn.parameters) ?? { type: 'object', properties: {} } };
  if (typeof fn.description === 'string') out.description = fn.description;
  return [out];
}

function toolChoice(choice: unknown, noParallel: boolean): Wire | undefined {
  const named = asWire(asWire(choice)?.function)?.name;
  let out: Wire | undefined;
  if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (typeof named === 'string') out = { type: 'tool', name: named };
  else if (choice === 'auto' || noParallel) out = { type: 'auto' };
  if (out && noParallel && out.type !== 'none') out.disable_parallel_tool_use = true;
  return out;
}
