import {
  noteOnce,
  type Conversation,
  type ImagePart,
  type ReasoningPart,
  type ReasoningState,
  type TextPart,
  type ToolChoice,
  type Turn,
} from '../../conversation/conversation';
import { SKIP_THOUGHT_SIGNATURE } from '../../conversation/reasoningCarry';
import type { DialectTraits } from '../../providers/dialect';
import type { TranslationNotes, Wire } from '../wire';
import { geminiSchema } from './geminiSchema';
import { chatToolId } from './toolCallIds';

/** What the Chat target is: the route names the model, the pool's dialect says how its API differs from OpenAI's. */
export interface ChatTarget {
  model: string;
  dialect: DialectTraits;
}

const MAX_STOP_SEQUENCES = 4;

const IMAGE_NOT_SENT = '(an image was here; this provider takes none)';

/** What a Chat message's content holds. */
type ContentPart = TextPart | ImagePart;

type CarriedState = Extract<ReasoningState, { kind: 'carried' }>;

/**
 * Our conversation as an OpenAI Chat Completions request for the target's dialect (docs/ARCHITECTURE.md §9):
 * the token-limit field it takes, reasoning_effort only where the model takes it, tool schemas in Gemini's subset
 * for Gemini, and reasoning a provider needs back (DeepSeek's and Kimi's `reasoning_content`, Gemini's thought
 * signatures) given back only to the dialect that produced it. What the target cannot take is named in `notes`.
 */
export function writeChatRequest(conversation: Conversation, target: ChatTarget): { body: Wire; notes: TranslationNotes } {
  const notes = [...conversation.notCarried];
  const { dialect } = target;
  const messages: Wire[] = [];
  // One place for the system prompt, first: several providers' templates refuse a system message further down.
  for (const text of conversation.system) if (text !== '') messages.push({ role: 'system', content: text });
  messages.push(...chatMessages(conversation.turns, dialect, notes));

  const body: Wire = { model: target.model, messages };
  if (conversation.maxTokens !== undefined) body[dialect.tokenLimitField] = conversation.maxTokens;
  const reasoningModel = dialect.reasoningEffort(target.model);
  if (conversation.temperature !== undefined || conversation.topP !== undefined) {
    // OpenAI's reasoning models refuse temperature and top_p other than their defaults.
    if (reasoningModel) notes.push('temperature and top_p (the reasoning model takes neither)');
    else {
      if (conversation.temperature !== undefined) body.temperature = conversation.temperature;
      if (conversation.topP !== undefined) body.top_p = conversation.topP;
    }
  }
  if (conversation.topK !== undefined) notes.push('top_k');
  // OpenAI takes up to four stop sequences, and none on its reasoning models ("'stop' is not supported with this model").
  if (conversation.stop.length && reasoningModel) notes.push('stop sequences (the reasoning model takes none)');
  else if (conversation.stop.length) {
    body.stop = conversation.stop.slice(0, MAX_STOP_SEQUENCES);
    if (conversation.stop.length > MAX_STOP_SEQUENCES) notes.push('stop sequences past the fourth');
  }
  if (conversation.stream) {
    body.stream = true;
    // Usage comes in a last chunk only when asked for; the client's last event needs it.
    body.stream_options = { include_usage: true };
  }
  const tools = conversation.tools.map((tool) => {
    const fn: Wire = { name: tool.name, parameters: dialect.toolSchema === 'gemini-subset' ? geminiSchema(tool.parameters, notes) : tool.parameters };
    if (tool.description !== undefined) fn.description = tool.description;
    if (tool.strict !== undefined) fn.strict = tool.strict;
    return { type: 'function', function: fn };
  });
  // Chat refuses tool_choice and parallel_tool_calls without tools, which happens when only server tools came.
  if (tools.length) {
    body.tools = tools;
    if (conversation.toolChoice) body.tool_choice = chatToolChoice(conversation.toolChoice);
    if (conversation.parallelToolCalls !== undefined) body.parallel_tool_calls = conversation.parallelToolCalls;
  }
  if (conversation.reasoning) {
    const effort = effortStep(conversation.reasoning.effort);
    if (effort && reasoningModel) body.reasoning_effort = effort;
    else if (effort) noteOnce(notes, conversation.reasoning.askedAs);
  }
  if (conversation.responseFormat) body.response_format = conversation.responseFormat.format;
  if (conversation.user !== undefined) body.user = conversation.user;
  return { body, notes: { dropped: notes } };
}

/**
 * The turns as Chat messages. A user turn's tool results become `tool` messages first (Chat wants them right
 * after the assistant's calls); a `tool` message carries only text, so images a tool returned follow in a user
 * message — the turn's own, or one of their own after a run of results. Chat has no error flag on a result: the
 * model reads it in the text.
 */
function chatMessages(turns: Turn[], dialect: DialectTraits, notes: string[]): Wire[] {
  const messages: Wire[] = [];
  const reasoning = reasoningReturn(turns, dialect, notes);
  let toolImages: ContentPart[] = [];
  // A provider that takes no images gets a line where each was, so the model knows one was there.
  const chatContent = (parts: ContentPart[]): string | Wire[] => {
    if (dialect.images || !parts.some((p) => p.kind === 'image')) return contentOf(parts);
    noteOnce(notes, 'images (the provider takes none)');
    return contentOf(parts.map((p) => (p.kind === 'image' ? { kind: 'text', text: IMAGE_NOT_SENT } : p)));
  };
  const flushImages = (): void => {
    if (toolImages.length) messages.push({ role: 'user', content: chatContent(toolImages) });
    toolImages = [];
  };
  turns.forEach((turn, at) => {
    if (turn.role === 'assistant') {
      flushImages();
      const message = assistantMessage(turn, dialect, notes);
      if (message) messages.push(reasoning(message, at));
      return;
    }
    const results = turn.parts.filter((part) => part.kind === 'tool-result');
    if (results.length === 0) flushImages();
    const parts: ContentPart[] = [];
    for (const part of turn.parts) {
      if (part.kind === 'tool-result') {
        const text = part.content.flatMap((p) => (p.kind === 'text' ? [p.text] : [])).join('\n');
        messages.push({ role: 'tool', tool_call_id: chatToolId(part.id, dialect), content: part.error ? `Error: ${text}` : text });
        parts.push(...part.content.filter((p) => p.kind === 'image'));
      } else if (part.kind === 'text' || part.kind === 'image') parts.push(part);
      else noteOnce(notes, `a ${part.kind} in a user message`);
    }
    const own = turn.parts.some((part) => part.kind === 'text' || part.kind === 'image');
    if (!own) toolImages.push(...parts);
    else {
      const content = [...toolImages, ...parts];
      toolImages = [];
      messages.push({ role: 'user', content: chatContent(content) });
    }
  });
  flushImages();
  return messages;
}

/** An assistant turn: text as content, tool calls as tool_calls; undefined when it has neither, which Chat refuses. */
function assistantMessage(turn: Turn, dialect: DialectTraits, notes: string[]): Wire | undefined {
  const texts: string[] = [];
  const calls: Wire[] = [];
  for (const part of turn.parts) {
    if (part.kind === 'text') texts.push(part.text);
    else if (part.kind === 'tool-call') {
      calls.push({
        id: chatToolId(part.id, dialect),
        type: 'function',
        function: { name: part.name, arguments: part.arguments === '' ? '{}' : part.arguments },
      });
    } else if (part.kind !== 'reasoning') noteOnce(notes, `an ${part.kind} in an assistant message`);
  }
  const text = texts.join('');
  if (!text && calls.length === 0) return undefined;
  const message: Wire = { role: 'assistant', content: text || null };
  if (calls.length) message.tool_calls = calls;
  return message;
}

function contentOf(content: ContentPart[]): string | Wire[] {
  if (content.every((p) => p.kind === 'text')) return content.map((p) => p.text).join('\n\n');
  return content.map((p) => {
    if (p.kind === 'text') return { type: 'text', text: p.text };
    const image: Wire = { url: p.url };
    if (p.detail) image.detail = p.detail;
    return { type: 'image_url', image_url: image };
  });
}

/**
 * Reasoning given back to the provider that produced it, in the place its dialect wants it, and dropped — named
 * in the notes — for any other target (docs/ARCHITECTURE.md §9). Returns what adds it to an assistant message.
 * DeepSeek wants the reasoning_content of every assistant turn that made tool calls "in all subsequent user
 * interaction turns" (its thinking-mode guide), not only of the loop still open. Gemini 3 checks the signatures of
 * the tool loop still open — the turns after the last user message that is not only tool results — where a call
 * without a carried one gets the documented skip value; earlier calls get theirs when carried.
 */
function reasoningReturn(turns: Turn[], dialect: DialectTraits, notes: string[]): (message: Wire, at: number) => Wire {
  let lastUser = -1;
  turns.forEach((turn, at) => {
    if (turn.role === 'user' && turn.parts.some((part) => part.kind === 'text' || part.kind === 'image')) lastUser = at;
  });
  const ours = (part: ReasoningPart): part is ReasoningPart & { state: CarriedState } =>
    part.state.kind === 'carried' && part.state.carried.dialect === dialect.id && dialect.reasoningReturn !== 'none';
  for (const turn of turns) {
    for (const part of turn.parts) {
      if (part.kind !== 'reasoning' || ours(part)) continue;
      noteOnce(notes, part.state.kind === 'carried' ? `reasoning kept for ${part.state.carried.dialect}` : 'thinking history');
    }
  }
  if (dialect.reasoningReturn === 'reasoning_content') {
    return (message, at) => {
      if (message.tool_calls === undefined) return message;
      // A tool turn another model made (before a failover) has no reasoning of this provider's: it goes back empty,
      // which DeepSeek's thinking mode takes, where a missing field refuses the whole request. Another model's
      // reasoning is never sent in its place (it belongs to that provider).
      const text = turns[at].parts.flatMap((part) => (part.kind === 'reasoning' && ours(part) ? [part.text] : [])).join('');
      return { ...message, reasoning_content: text };
    };
  }
  if (dialect.reasoningReturn === 'thought_signature') {
    const signatures = new Map<string, string>();
    for (const turn of turns) {
      for (const part of turn.parts) {
        if (part.kind !== 'reasoning' || !ours(part)) continue;
        for (const [id, signature] of Object.entries(part.state.carried.thoughtSignatures ?? {})) signatures.set(id, signature);
      }
    }
    return (message, at) => {
      const calls = message.tool_calls as Wire[] | undefined;
      if (!calls) return message;
      // The carried signatures are by the id the client sees, which the calls were written in the order of.
      const ids = turns[at].parts.flatMap((part) => (part.kind === 'tool-call' ? [part.id] : []));
      calls.forEach((call, i) => {
        const signature = signatures.get(ids[i]) ?? (at > lastUser ? SKIP_THOUGHT_SIGNATURE : undefined);
        if (signature !== undefined) call.extra_content = { google: { thought_signature: signature } };
      });
      return message;
    };
  }
  return (message) => message;
}

function chatToolChoice(choice: ToolChoice): Wire[string] {
  return choice.mode === 'function' ? { type: 'function', function: { name: choice.name } } : choice.mode;
}

/**
 * An effort as Chat's reasoning_effort. `minimal` and `xhigh` are OpenAI's own steps: the nearest step other
 * providers know is sent. `none` asks for no reasoning, which is what leaving the field out does.
 */
function effortStep(effort: string): string | undefined {
  if (effort === 'low' || effort === 'medium' || effort === 'high') return effort;
  if (effort === 'minimal') return 'low';
  if (effort === 'xhigh') return 'high';
  return undefined;
}
