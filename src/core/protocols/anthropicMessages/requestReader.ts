import { noteOnce, type Conversation, type ImagePart, type Part, type TextPart, type ToolChoice } from '../../conversation/conversation';
import { decodeCarriedReasoning, isCarriedReasoning } from '../../conversation/reasoningCarry';
import { asWire, contentText, numberOr, stringOr, wireArray, type Wire } from '../wire';

/**
 * An Anthropic Messages request (what Claude Code sends) read into our conversation model. Thinking blocks are
 * kept with what binds them: Anthropic's own signature, or the carrier of a Chat provider's reasoning state that
 * an earlier translated answer put in the signature (docs/ARCHITECTURE.md §9); writers decide who gets them back.
 */
export function readMessagesRequest(request: Wire): Conversation {
  const notCarried: string[] = [];
  const system = contentText(request.system, '\n\n');
  const conversation: Conversation = {
    system: system ? [system] : [],
    turns: wireArray(request.messages).map((message) =>
      message.role === 'assistant'
        ? { role: 'assistant', parts: assistantParts(message.content, notCarried) }
        : { role: 'user', parts: userParts(message.content, notCarried) },
    ),
    tools: [],
    stop: Array.isArray(request.stop_sequences) ? request.stop_sequences.filter((s): s is string => typeof s === 'string') : [],
    stream: request.stream === true,
    notCarried,
  };
  if (typeof request.max_tokens === 'number') conversation.maxTokens = request.max_tokens;
  if (typeof request.temperature === 'number') conversation.temperature = request.temperature;
  if (typeof request.top_p === 'number') conversation.topP = request.top_p;
  if (typeof request.top_k === 'number') conversation.topK = request.top_k;
  for (const tool of wireArray(request.tools)) {
    // Server tools (web search, code execution …) run at Anthropic: no other provider can run them.
    if (tool.type !== undefined && tool.type !== 'custom') {
      notCarried.push(`the server tool ${stringOr(tool.name, stringOr(tool.type, ''))}`);
      continue;
    }
    conversation.tools.push({
      name: stringOr(tool.name, ''),
      parameters: asWire(tool.input_schema) ?? { type: 'object', properties: {} },
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
    });
  }
  const choice = asWire(request.tool_choice);
  const mode = toolChoice(choice);
  if (mode) conversation.toolChoice = mode;
  if (choice?.disable_parallel_tool_use === true) conversation.parallelToolCalls = false;
  const thinking = asWire(request.thinking);
  // `adaptive` lets the model decide how long to think: the middle effort says the same to a reasoning model.
  if (thinking?.type === 'enabled' || thinking?.type === 'adaptive') {
    conversation.reasoning = {
      effort: thinking.type === 'adaptive' ? 'medium' : effortFor(thinking.budget_tokens),
      askedAs: 'thinking',
      turnsThinkingOn: true,
    };
  }
  const userId = asWire(request.metadata)?.user_id;
  if (typeof userId === 'string') conversation.user = userId;
  return conversation;
}

/** Blocks of a message whose content may be a plain string. */
function blocksOf(content: unknown): Wire[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : wireArray(content);
}

function userParts(content: unknown, notes: string[]): Part[] {
  const parts: Part[] = [];
  for (const block of blocksOf(content)) {
    if (block.type === 'tool_result') {
      const results: (TextPart | ImagePart)[] = [];
      for (const part of blocksOf(block.content)) {
        if (part.type === 'text') results.push({ kind: 'text', text: stringOr(part.text, '') });
        else if (part.type === 'image') {
          const image = imagePart(part);
          if (image) results.push(image);
          else noteOnce(notes, 'an image source the target cannot take');
        } else noteOnce(notes, `a ${stringOr(part.type, 'unknown')} block in a tool result`);
      }
      parts.push({ kind: 'tool-result', id: stringOr(block.tool_use_id, ''), content: results, error: block.is_error === true });
    } else if (block.type === 'text') {
      parts.push({ kind: 'text', text: stringOr(block.text, '') });
    } else if (block.type === 'image') {
      const image = imagePart(block);
      if (image) parts.push(image);
      else noteOnce(notes, 'an image source the target cannot take');
    } else {
      notes.push(`a ${stringOr(block.type, 'unknown')} block`);
    }
  }
  return parts;
}

function assistantParts(content: unknown, notes: string[]): Part[] {
  const parts: Part[] = [];
  for (const block of blocksOf(content)) {
    if (block.type === 'text') parts.push({ kind: 'text', text: stringOr(block.text, '') });
    else if (block.type === 'tool_use') {
      parts.push({ kind: 'tool-call', id: stringOr(block.id, ''), name: stringOr(block.name, ''), arguments: JSON.stringify(block.input ?? {}) });
    } else if (block.type === 'thinking') {
      const carried = decodeCarriedReasoning(block.signature);
      const text = stringOr(block.thinking, '');
      if (carried) parts.push({ kind: 'reasoning', text, state: { kind: 'carried', carried } });
      // A carrier we cannot read any more (cut, edited) binds the reasoning to nobody: no provider gets it.
      else if (isCarriedReasoning(block.signature)) parts.push({ kind: 'reasoning', text, state: { kind: 'unbound' } });
      else
        parts.push({
          kind: 'reasoning',
          text,
          state: typeof block.signature === 'string' ? { kind: 'anthropic', signature: block.signature } : { kind: 'unbound' },
        });
    } else if (block.type === 'redacted_thinking') {
      parts.push({ kind: 'reasoning', text: '', state: { kind: 'anthropic', redactedData: stringOr(block.data, '') } });
    } else {
      notes.push(`a ${stringOr(block.type, 'unknown')} block`);
    }
  }
  return parts;
}

function imagePart(block: Wire): ImagePart | undefined {
  const source = asWire(block.source);
  if (source?.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { kind: 'image', url: `data:${source.media_type};base64,${source.data}` };
  }
  if (source?.type === 'url' && typeof source.url === 'string') return { kind: 'image', url: source.url };
  return undefined;
}

function toolChoice(choice: Wire | undefined): ToolChoice | undefined {
  if (choice?.type === 'any') return { mode: 'required' };
  if (choice?.type === 'none') return { mode: 'none' };
  if (choice?.type === 'tool' && typeof choice.name === 'string') return { mode: 'function', name: choice.name };
  if (choice?.type === 'auto') return { mode: 'auto' };
  return undefined;
}

/** A thinking budget as an effort: Anthropic's minimum budget is 1024 tokens; past 16k a model thinks at length. */
function effortFor(budget: unknown): 'low' | 'medium' | 'high' {
  const tokens = numberOr(budget, 0);
  if (tokens >= 16_000) return 'high';
  if (tokens >= 4_000) return 'medium';
  return 'low';
}
