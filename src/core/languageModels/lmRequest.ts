/**
 * A chat request from VS Code's language model API as the request an agent would send the bridge. The
 * conversation is written once, as Anthropic Messages; a model offered on the OpenAI protocol gets it as
 * Chat Completions through the same translator the bridge uses for its cross-protocol routes. No `vscode`
 * import: lmMessages.ts turns VS Code's parts into these plain ones.
 */
import type { Protocol } from '../config';
import { anthropicInputSchema } from '../protocols/anthropicMessages/inputSchema';
import { readMessagesRequest } from '../protocols/anthropicMessages/requestReader';
import { writeChatRequest } from '../protocols/openaiChat/requestWriter';
import { writeGeminiRequest } from '../protocols/geminiGenerate/requestWriter';
import type { WireFormat } from '../protocols/protocol';
import { primaryFormat } from '../protocols/table';
import type { TranslationNotes, Wire } from '../protocols/wire';
import { dialectTraits } from '../providers/dialect';

export type LmContent = { kind: 'text'; text: string } | { kind: 'image'; mimeType: string; data: Uint8Array };

export type LmPart =
  | LmContent
  | { kind: 'toolCall'; callId: string; name: string; input: unknown }
  | { kind: 'toolResult'; callId: string; content: LmContent[]; isError: boolean };

export interface LmMessage {
  role: 'system' | 'user' | 'assistant';
  parts: LmPart[];
}

interface LmTool {
  name: string;
  description: string;
  inputSchema?: object;
}

export interface LmChatRequest {
  messages: LmMessage[];
  tools: LmTool[];
  /** `required`: the model must call one of the tools. */
  toolMode: 'auto' | 'required';
  /** The caller's model options; the few with one meaning in both protocols are passed on. */
  modelOptions?: Readonly<Record<string, unknown>>;
}

/** The model the request is for, as offeredModels.ts describes it. */
export interface LmTarget {
  protocol: Protocol;
  model: string;
  maxOutputTokens: number;
}

/** Anthropic's image types; anything else is not sent as an image. */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Anthropic tool ids are `[A-Za-z0-9_-]+`; VS Code passes on whatever id the model or a tool gave. */
const toolId = (id: string): string => id.replace(/[^A-Za-z0-9_-]/g, '_') || 'call';

/** The body to POST to the bridge in the model's protocol (always streamed), and what could not be carried. */
export function bridgeRequestBody(target: LmTarget, request: LmChatRequest): { body: Wire; notes: TranslationNotes } {
  const notes: TranslationNotes = { dropped: [] };
  const messages = anthropicMessages(target, request, notes);
  const write = FROM_MESSAGES[primaryFormat(target.protocol).id];
  if (!write) throw new Error(`no request writer for ${primaryFormat(target.protocol).label}`);
  return write(messages, target, request, notes);
}

type BodyWriter = (messages: Wire, target: LmTarget, request: LmChatRequest, notes: TranslationNotes) => { body: Wire; notes: TranslationNotes };

/** From the Messages body built here to the format the model's protocol speaks (each protocol's primary format). */
const FROM_MESSAGES: Partial<Record<WireFormat['id'], BodyWriter>> = {
  anthropicMessages: (messages, _target, _request, notes) => ({ body: messages, notes }),
  openaiChat(messages, target, request, notes) {
    // A token limit only when the caller set one: OpenAI's reasoning models refuse `max_tokens`.
    if (typeof request.modelOptions?.max_tokens !== 'number') delete messages.max_tokens;
    const chat = writeChatRequest(readMessagesRequest(messages), { model: target.model, dialect: dialectTraits('generic') });
    return { body: chat.body, notes: { dropped: [...notes.dropped, ...chat.notes.dropped] } };
  },
  geminiGenerate(messages, _target, _request, notes) {
    const gemini = writeGeminiRequest(readMessagesRequest(messages), dialectTraits('gemini'));
    return { body: gemini.body, notes: { dropped: [...notes.dropped, ...gemini.notes.dropped] } };
  },
};

function anthropicMessages(target: LmTarget, request: LmChatRequest, notes: TranslationNotes): Wire {
  const system: string[] = [];
  const turns: { role: 'user' | 'assistant'; content: Wire[] }[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') {
      system.push(...message.parts.flatMap((p) => (p.kind === 'text' ? [p.text] : [])));
      continue;
    }
    const content = message.role === 'user' ? userBlocks(message.parts, notes) : assistantBlocks(message.parts, notes);
    if (content.length === 0) continue;
    const last = turns.at(-1);
    // Anthropic wants the roles to alternate: two user messages in a row are one turn.
    if (last?.role === message.role) last.content.push(...content);
    else turns.push({ role: message.role, content });
  }
  // Tool results must open a user turn; merging turns may have put text before them.
  for (const turn of turns) if (turn.role === 'user') turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));

  const options = request.modelOptions ?? {};
  const body: Wire = {
    model: target.model,
    max_tokens: typeof options.max_tokens === 'number' ? options.max_tokens : target.maxOutputTokens,
    stream: true,
    messages: turns,
  };
  if (system.length) body.system = system.join('\n\n');
  if (typeof options.temperature === 'number') body.temperature = options.temperature;
  if (typeof options.top_p === 'number') body.top_p = options.top_p;
  const stop = stopSequences(options.stop_sequences ?? options.stop);
  if (stop.length) body.stop_sequences = stop;
  if (request.tools.length) {
    body.tools = request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: anthropicInputSchema((tool.inputSchema ?? { type: 'object', properties: {} }) as Wire, notes.dropped),
    }));
    if (request.toolMode === 'required') body.tool_choice = { type: 'any' };
  }
  return body;
}

function stopSequences(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

function userBlocks(parts: readonly LmPart[], notes: TranslationNotes): Wire[] {
  const blocks: Wire[] = [];
  for (const part of parts) {
    if (part.kind === 'toolResult') {
      const content = part.content.flatMap((c) => contentBlock(c, notes));
      blocks.push({ type: 'tool_result', tool_use_id: toolId(part.callId), content, ...(part.isError ? { is_error: true } : {}) });
    } else if (part.kind === 'toolCall') {
      notes.dropped.push('a tool call in a user message');
    } else {
      blocks.push(...contentBlock(part, notes));
    }
  }
  return blocks;
}

function assistantBlocks(parts: readonly LmPart[], notes: TranslationNotes): Wire[] {
  const blocks: Wire[] = [];
  for (const part of parts) {
    if (part.kind === 'text') {
      if (part.text) blocks.push({ type: 'text', text: part.text });
    } else if (part.kind === 'toolCall') {
      blocks.push({
        type: 'tool_use',
        id: toolId(part.callId),
        name: part.name,
        input: typeof part.input === 'object' && part.input !== null ? part.input : {},
      });
    } else {
      notes.dropped.push(`${part.kind === 'image' ? 'an image' : 'a tool result'} in an assistant message`);
    }
  }
  return blocks;
}

/** A text or image as Anthropic blocks; empty text is left out (Anthropic refuses empty text blocks). */
function contentBlock(part: LmContent, notes: TranslationNotes): Wire[] {
  if (part.kind === 'text') return part.text ? [{ type: 'text', text: part.text }] : [];
  if (IMAGE_TYPES.has(part.mimeType))
    return [{ type: 'image', source: { type: 'base64', media_type: part.mimeType, data: Buffer.from(part.data).toString('base64') } }];
  notes.dropped.push(`an attachment of type ${part.mimeType}`);
  return [];
}
