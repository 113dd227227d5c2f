import { asWire, contentText, numberOr, stringOr, wireArray, type TranslationNotes, type Wire } from './wire';

/** What the target needs said about itself; the route decides, the translator only follows. */
export interface ChatTarget {
  /** The upstream model name, as the route says. */
  model: string;
  /**
   * OpenAI's reasoning models refuse `max_tokens` and take `max_completion_tokens`; most other
   * OpenAI-compatible providers know only `max_tokens`.
   */
  tokenLimitField: 'max_tokens' | 'max_completion_tokens';
  /**
   * The target takes `reasoning_effort`: OpenAI's reasoning models (o-series, gpt-5), which refuse `temperature` and
   * `top_p` other than their defaults, so neither is sent to them.
   */
  reasoningEffort: boolean;
}

/** Temperature and top_p as the Chat target takes them: left out for a reasoning model, which refuses them. */
export function samplingFor(request: Wire, target: ChatTarget, body: Wire, notes: TranslationNotes): void {
  const asked = typeof request.temperature === 'number' || typeof request.top_p === 'number';
  if (asked && target.reasoningEffort) {
    notes.dropped.push('temperature and top_p (the reasoning model takes neither)');
    return;
  }
  if (typeof request.temperature === 'number') body.temperature = request.temperature;
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
}

/**
 * An Anthropic Messages request as an OpenAI Chat Completions request for another provider.
 * Thinking blocks are dropped: their signatures belong to the account that produced them
 * (docs/TRANSLATION.md). What cannot be carried is named in `notes` for the log.
 */
export function messagesToChat(request: Wire, target: ChatTarget): { body: Wire; notes: TranslationNotes } {
  const notes: TranslationNotes = { dropped: [] };
  const messages: Wire[] = [];
  const system = contentText(request.system, '\n\n');
  if (system) messages.push({ role: 'system', content: system });
  for (const message of wireArray(request.messages)) {
    if (message.role === 'assistant') messages.push(...assistantMessages(message.content, notes));
    else messages.push(...userMessages(message.content, notes));
  }

  const body: Wire = { model: target.model, messages };
  if (typeof request.max_tokens === 'number') body[target.tokenLimitField] = request.max_tokens;
  samplingFor(request, target, body, notes);
  if (typeof request.top_k === 'number') notes.dropped.push('top_k');
  const stop = Array.isArray(request.stop_sequences) ? request.stop_sequences.filter((s): s is string => typeof s === 'string') : [];
  if (stop.length) body.stop = stop;
  if (request.stream === true) {
    body.stream = true;
    // Usage comes in a last chunk only when asked for; the client's message_delta needs it.
    body.stream_options = { include_usage: true };
  }
  const tools = wireArray(request.tools).flatMap((tool) => chatTool(tool, notes));
  if (tools.length) body.tools = tools;
  Object.assign(body, toolChoice(asWire(request.tool_choice), tools.length > 0));
  const thinking = asWire(request.thinking);
  // `adaptive` lets the model decide how long to think: the middle effort says the same to a reasoning model.
  if (thinking?.type === 'enabled' || thinking?.type === 'adaptive') {
    if (target.reasoningEffort) body.reasoning_effort = thinking.type === 'adaptive' ? 'medium' : effortFor(thinking.budget_tokens);
    else notes.dropped.push('thinking');
  }
  const userId = asWire(request.metadata)?.user_id;
  if (typeof userId === 'string') body.user = userId;
  return { body, notes };
}

/** Blocks of a message whose content may be a plain string. */
function blocksOf(content: unknown): Wire[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : wireArray(content);
}

/**
 * A user turn: tool results first, each as its own `tool` message (Chat wants them right after the
 * assistant's calls), then the rest as one user message. Images inside a tool result cannot ride on a
 * `tool` message, so they follow in that user message.
 */
function userMessages(content: unknown, notes: TranslationNotes): Wire[] {
  const out: Wire[] = [];
  const parts: Wire[] = [];
  for (const block of blocksOf(content)) {
    if (block.type === 'tool_result') {
      const result = toolResult(block);
      out.push({ role: 'tool', tool_call_id: stringOr(block.tool_use_id, ''), content: result.text });
      parts.push(...result.images);
    } else if (block.type === 'text') {
      parts.push({ type: 'text', text: stringOr(block.text, '') });
    } else if (block.type === 'image') {
      const image = imagePart(block);
      if (image) parts.push(image);
      else notes.dropped.push('an image source the target cannot take');
    } else {
      notes.dropped.push(`a ${stringOr(block.type, 'unknown')} block`);
    }
  }
  if (parts.length) out.push({ role: 'user', content: parts.every((p) => p.type === 'text') ? parts.map((p) => p.text).join('\n\n') : parts });
  return out;
}

function toolResult(block: Wire): { text: string; images: Wire[] } {
  const texts: string[] = [];
  const images: Wire[] = [];
  for (const part of blocksOf(block.content)) {
    if (part.type === 'text') texts.push(stringOr(part.text, ''));
    else if (part.type === 'image') {
      const image = imagePart(part);
      if (image) images.push(image);
    }
  }
  const text = texts.join('\n');
  // Chat has no error flag on a tool result: the model reads it in the text.
  return { text: block.is_error === true ? `Error: ${text}` : text, images };
}

/** An assistant turn: text as content, tool_use blocks as tool_calls; thinking stays with its provider. */
function assistantMessages(content: unknown, notes: TranslationNotes): Wire[] {
  const texts: string[] = [];
  const calls: Wire[] = [];
  for (const block of blocksOf(content)) {
    if (block.type === 'text') texts.push(stringOr(block.text, ''));
    else if (block.type === 'tool_use') {
      calls.push({ id: stringOr(block.id, ''), type: 'function', function: { name: stringOr(block.name, ''), arguments: JSON.stringify(block.input ?? {}) } });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      if (!notes.dropped.includes('thinking history')) notes.dropped.push('thinking history');
    } else {
      notes.dropped.push(`a ${stringOr(block.type, 'unknown')} block`);
    }
  }
  const text = texts.join('');
  // Chat refuses an assistant message with neither content nor tool calls.
  if (!text && calls.length === 0) return [];
  const message: Wire = { role: 'assistant', content: text || null };
  if (calls.length) message.tool_calls = calls;
  return [message];
}

function imagePart(block: Wire): Wire | undefined {
  const source = asWire(block.source);
  if (source?.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source?.type === 'url' && typeof source.url === 'string') return { type: 'image_url', image_url: { url: source.url } };
  return undefined;
}

/** A client tool as a Chat function; the JSON Schema goes across untouched. Server tools (web search …) cannot. */
function chatTool(tool: Wire, notes: TranslationNotes): Wire[] {
  if (tool.type !== undefined && tool.type !== 'custom') {
    notes.dropped.push(`the server tool ${stringOr(tool.name, stringOr(tool.type, ''))}`);
    return [];
  }
  const fn: Wire = { name: stringOr(tool.name, ''), parameters: asWire(tool.input_schema) ?? { type: 'object', properties: {} } };
  if (typeof tool.description === 'string') fn.description = tool.description;
  return [{ type: 'function', function: fn }];
}

function toolChoice(choice: Wire | undefined, hasTools: boolean): Wire {
  if (!choice || !hasTools) return {};
  const out: Wire = {};
  if (choice.type === 'any') out.tool_choice = 'required';
  else if (choice.type === 'none') out.tool_choice = 'none';
  else if (choice.type === 'tool' && typeof choice.name === 'string') out.tool_choice = { type: 'function', function: { name: choice.name } };
  else if (choice.type === 'auto') out.tool_choice = 'auto';
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

/** A thinking budget as an effort: Anthropic's minimum budget is 1024 tokens; past 16k a model thinks at length. */
function effortFor(budget: unknown): 'low' | 'medium' | 'high' {
  const tokens = numberOr(budget, 0);
  if (tokens >= 16_000) return 'high';
  if (tokens >= 4_000) return 'medium';
  return 'low';
}
