import { noteOnce, type Conversation, type ImagePart, type ReasoningState, type TextPart, type ToolChoice, type Turn } from '../../conversation/conversation';
import { anthropicToolId } from '../../conversation/reasoningCarry';
import { toolArguments, type TranslationNotes, type Wire } from '../wire';
import { anthropicInputSchema } from './inputSchema';

/** What the Anthropic target needs said about itself; the route decides, the writer only follows. */
export interface MessagesTarget {
  /** The upstream model name, as the route says. */
  model: string;
  /** Anthropic requires max_tokens; a client of another protocol may leave it out. */
  defaultMaxTokens: number;
}

interface MessagesTurn {
  role: 'user' | 'assistant';
  content: Wire[];
}

/**
 * Our conversation as an Anthropic Messages request: the system prompt in one place, tool calls as tool_use blocks
 * and their results as tool_result blocks at the head of the next user turn, turns of one role in a row merged
 * (Anthropic alternates roles and refuses empty turns and empty text blocks). Tool ids are rewritten to the pattern
 * Anthropic takes, alike in a call and its result. Reasoning goes back only with Anthropic's own signature: reasoning
 * another provider produced (our carrier included) is never sent here (docs/ARCHITECTURE.md §9).
 */
export function writeMessagesRequest(conversation: Conversation, target: MessagesTarget): { body: Wire; notes: TranslationNotes } {
  const notes = [...conversation.notCarried];
  const turns: MessagesTurn[] = [];
  for (const turn of conversation.turns) addToTurns(turns, turn.role, turn.role === 'assistant' ? assistantBlocks(turn, notes) : userBlocks(turn, notes));
  for (const turn of turns) if (turn.role === 'user') turn.content.sort((a, b) => resultsFirst(a) - resultsFirst(b));
  endPrefill(turns);

  const maxTokens = conversation.maxTokens ?? target.defaultMaxTokens;
  const body: Wire = { model: target.model, max_tokens: maxTokens, messages: turns };
  const systemText = conversation.system.filter((s) => s !== '').join('\n\n');
  if (systemText) body.system = systemText;
  if (conversation.temperature !== undefined) {
    // OpenAI's scale goes to 2, Anthropic's to 1.
    body.temperature = Math.min(conversation.temperature, 1);
    if (conversation.temperature > 1) notes.push('temperature above 1 (sent as 1)');
  }
  if (conversation.topP !== undefined) {
    // Current Claude models refuse the pair ("`temperature` and `top_p` cannot both be specified for this model");
    // temperature is the one clients usually mean.
    if (body.temperature === undefined) body.top_p = conversation.topP;
    else noteOnce(notes, 'top_p (with temperature)');
  }
  if (conversation.topK !== undefined) body.top_k = conversation.topK;
  if (conversation.stop.length) body.stop_sequences = conversation.stop;
  if (conversation.stream) body.stream = true;
  const tools = conversation.tools.map((tool) => {
    const out: Wire = { name: tool.name, input_schema: anthropicInputSchema(tool.parameters, notes) };
    if (tool.description !== undefined) out.description = tool.description;
    if (tool.strict === true) noteOnce(notes, 'strict function schemas');
    return out;
  });
  if (tools.length) {
    body.tools = tools;
    const choice = messagesToolChoice(conversation.toolChoice, conversation.parallelToolCalls === false);
    if (choice) body.tool_choice = choice;
  }
  if (conversation.user !== undefined) body.metadata = { user_id: conversation.user };
  const { reasoning } = conversation;
  if (reasoning && !thinkingFor(reasoning, conversation.turns, maxTokens, body) && reasoning.effort !== 'none') noteOnce(notes, reasoning.askedAs);
  if (conversation.responseFormat) noteOnce(notes, conversation.responseFormat.askedAs);
  return { body, notes: { dropped: notes } };
}

/** Blocks for the role of the last turn join it (Anthropic alternates roles), and no blocks add nothing. */
function addToTurns(turns: MessagesTurn[], role: MessagesTurn['role'], content: Wire[]): void {
  if (content.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...content);
  else turns.push({ role, content });
}

/**
 * A conversation ending on an assistant turn asks Anthropic to continue it (a prefill), which it refuses when the
 * text ends in whitespace ("final assistant content cannot end with trailing whitespace"): the whitespace goes.
 */
function endPrefill(turns: MessagesTurn[]): void {
  const last = turns.at(-1);
  const block = last?.role === 'assistant' ? last.content.at(-1) : undefined;
  if (!last || block?.type !== 'text' || typeof block.text !== 'string') return;
  block.text = block.text.trimEnd();
  if (block.text !== '') return;
  last.content.pop();
  if (last.content.length === 0) turns.pop();
}

/** Anthropic wants a user turn's tool_result blocks before anything else in it. */
function resultsFirst(block: Wire): number {
  return block.type === 'tool_result' ? 0 : 1;
}

function userBlocks(turn: Turn, notes: string[]): Wire[] {
  const out: Wire[] = [];
  for (const part of turn.parts) {
    if (part.kind === 'tool-result') {
      const result: Wire = { type: 'tool_result', tool_use_id: anthropicToolId(part.id) };
      const content = contentBlocks(part.content, notes);
      if (content.length) result.content = content.every((b) => b.type === 'text') ? content.map((b) => b.text).join('\n') : content;
      if (part.error) result.is_error = true;
      out.push(result);
    } else if (part.kind === 'text' || part.kind === 'image') out.push(...contentBlocks([part], notes));
    else noteOnce(notes, `a ${part.kind} in a user message`);
  }
  return out;
}

function assistantBlocks(turn: Turn, notes: string[]): Wire[] {
  const out: Wire[] = [];
  for (const part of turn.parts) {
    if (part.kind === 'text') out.push(...contentBlocks([part], notes));
    else if (part.kind === 'tool-call') out.push({ type: 'tool_use', id: anthropicToolId(part.id), name: part.name, input: toolArguments(part.arguments) });
    else if (part.kind === 'reasoning') {
      const block = thinkingBlock(part.state);
      if (block) out.push({ ...block, ...(block.type === 'thinking' ? { thinking: part.text } : {}) });
      else if (part.state.kind === 'carried') noteOnce(notes, `reasoning kept for ${part.state.carried.dialect}`);
    } else noteOnce(notes, `an ${part.kind} in an assistant message`);
  }
  return out;
}

/** Anthropic's own signed or redacted thinking; undefined for reasoning it would refuse (a signature it did not make). */
function thinkingBlock(state: ReasoningState): Wire | undefined {
  if (state.kind !== 'anthropic') return undefined;
  if (state.redactedData !== undefined) return { type: 'redacted_thinking', data: state.redactedData };
  return { type: 'thinking', signature: state.signature };
}

/** The image types Anthropic takes; it refuses the request over any other. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Text and images as Anthropic blocks: empty text is left out (Anthropic refuses it), images only as base64 or http(s). */
function contentBlocks(parts: (TextPart | ImagePart)[], notes: string[]): Wire[] {
  const out: Wire[] = [];
  for (const part of parts) {
    if (part.kind === 'text') {
      if (part.text !== '') out.push({ type: 'text', text: part.text });
      continue;
    }
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
    if (data && !IMAGE_TYPES.has(data[1])) noteOnce(notes, `an image of a type Anthropic does not take (${data[1]})`);
    else if (data) out.push({ type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } });
    else if (/^https?:\/\//i.test(part.url)) out.push({ type: 'image', source: { type: 'url', url: part.url } });
    else noteOnce(notes, 'an image source the target cannot take');
  }
  return out;
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

/** Anthropic's thinking budget for an effort: its minimum is 1,024 tokens; past 16k a model thinks at length. */
const THINKING_BUDGETS: Partial<Record<string, number>> = { minimal: 1_024, low: 1_024, medium: 4_096, high: 16_000, xhigh: 32_000 };

/**
 * Turns the client's effort into a thinking budget where Anthropic would take it, and says whether it did. Not
 * with a sampling setting or a forced tool (Anthropic refuses both with thinking on), nor when the budget leaves
 * no room in max_tokens, nor in the middle of a tool loop: with thinking on, Anthropic wants the turn that made
 * the calls to start with its signed thinking, which a client of another protocol never has to send back.
 */
function thinkingFor(reasoning: NonNullable<Conversation['reasoning']>, turns: Turn[], maxTokens: number, body: Wire): boolean {
  const budget = reasoning.turnsThinkingOn ? THINKING_BUDGETS[reasoning.effort] : undefined;
  if (budget === undefined || body.temperature !== undefined || body.top_p !== undefined) return false;
  const forced = (body.tool_choice as Wire | undefined)?.type;
  if (forced === 'any' || forced === 'tool') return false;
  const last = turns.at(-1);
  if (last?.role !== 'user' || last.parts.some((part) => part.kind === 'tool-result')) return false;
  if (maxTokens <= budget) return false;
  body.thinking = { type: 'enabled', budget_tokens: budget };
  return true;
}
