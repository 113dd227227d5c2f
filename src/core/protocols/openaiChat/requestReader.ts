import type { Conversation, ImagePart, Part, ToolChoice } from '../../conversation/conversation';
import { asWire, contentText, stringOr, wireArray, type Wire } from '../wire';

/** Chat fields no other format has a place for: named, since each changes what the client gets. */
const CHAT_ONLY_FIELDS = ['n', 'logprobs', 'seed', 'presence_penalty', 'frequency_penalty'] as const;

/**
 * An OpenAI Chat Completions request read into our conversation model: system and developer messages as the
 * system prompt, each message a turn, a tool message a user turn holding the call's result (Chat has no error
 * flag on a result). What no other format takes (n > 1, logprobs, seed, penalties) is named in `notCarried`.
 */
export function readChatRequest(request: Wire): Conversation {
  const notCarried: string[] = [];
  const stop =
    typeof request.stop === 'string' ? [request.stop] : Array.isArray(request.stop) ? request.stop.filter((s): s is string => typeof s === 'string') : [];
  const conversation: Conversation = { system: [], turns: [], tools: [], stop, stream: request.stream === true, notCarried };
  for (const message of wireArray(request.messages)) {
    if (message.role === 'system' || message.role === 'developer') conversation.system.push(contentText(message.content, '\n'));
    else if (message.role === 'assistant') conversation.turns.push({ role: 'assistant', parts: assistantParts(message, notCarried) });
    else if (message.role === 'tool') {
      const text = contentText(message.content, '\n');
      conversation.turns.push({
        role: 'user',
        parts: [{ kind: 'tool-result', id: stringOr(message.tool_call_id, ''), content: text === '' ? [] : [{ kind: 'text', text }], error: false }],
      });
    } else conversation.turns.push({ role: 'user', parts: contentParts(message.content, notCarried) });
  }
  const limit = typeof request.max_completion_tokens === 'number' ? request.max_completion_tokens : request.max_tokens;
  if (typeof limit === 'number') conversation.maxTokens = limit;
  if (typeof request.temperature === 'number') conversation.temperature = request.temperature;
  if (typeof request.top_p === 'number') conversation.topP = request.top_p;
  for (const tool of wireArray(request.tools)) {
    const fn = asWire(tool.function);
    if (tool.type !== 'function' || !fn) {
      notCarried.push(`a ${stringOr(tool.type, 'unknown')} tool`);
      continue;
    }
    conversation.tools.push({
      name: stringOr(fn.name, ''),
      parameters: asWire(fn.parameters) ?? { type: 'object', properties: {} },
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
    });
  }
  const choice = toolChoice(request.tool_choice);
  if (choice) conversation.toolChoice = choice;
  if (typeof request.parallel_tool_calls === 'boolean') conversation.parallelToolCalls = request.parallel_tool_calls;
  if (typeof request.user === 'string') conversation.user = request.user;
  if (typeof request.reasoning_effort === 'string')
    conversation.reasoning = { effort: request.reasoning_effort, askedAs: 'reasoning_effort', turnsThinkingOn: true };
  const format = asWire(request.response_format);
  if (format) conversation.responseFormat = { format, askedAs: 'response_format' };
  for (const field of CHAT_ONLY_FIELDS) {
    if (request[field] !== undefined && request[field] !== null && !(field === 'n' && request.n === 1)) notCarried.push(field);
  }
  return conversation;
}

/** A user message's content: text and images; audio and files have no place elsewhere. */
function contentParts(content: unknown, notes: string[]): Part[] {
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }];
  const parts: Part[] = [];
  for (const part of wireArray(content)) {
    if (part.type === 'text') parts.push({ kind: 'text', text: stringOr(part.text, '') });
    else if (part.type === 'image_url') {
      const image = asWire(part.image_url);
      const out: ImagePart = { kind: 'image', url: stringOr(image?.url, '') };
      if (image?.detail === 'low' || image?.detail === 'high') out.detail = image.detail;
      parts.push(out);
    } else notes.push(`a ${stringOr(part.type, 'unknown')} part`);
  }
  return parts;
}

function assistantParts(message: Wire, notes: string[]): Part[] {
  const parts: Part[] = contentParts(message.content, notes).filter((part) => part.kind === 'text');
  for (const call of wireArray(message.tool_calls)) {
    const fn = asWire(call.function);
    parts.push({ kind: 'tool-call', id: stringOr(call.id, ''), name: stringOr(fn?.name, ''), arguments: stringOr(fn?.arguments, '') });
  }
  return parts;
}

function toolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === 'required' || choice === 'none' || choice === 'auto') return { mode: choice };
  const named = asWire(asWire(choice)?.function)?.name;
  return typeof named === 'string' ? { mode: 'function', name: named } : undefined;
}
