import { noteOnce, type Conversation, type ImagePart, type Part, type ToolChoice, type Turn } from '../../conversation/conversation';
import { SKIP_THOUGHT_SIGNATURE } from '../../conversation/reasoningCarry';
import type { DialectTraits } from '../../providers/dialect';
import { contentText, toolArguments, type TranslationNotes, type Wire } from '../wire';

/** Gemini takes up to five stop sequences. */
const MAX_STOP_SEQUENCES = 5;

/** The thinking budget for an effort step (Gemini 2.5 counts tokens; Gemini 3 maps a budget to its own levels). */
const EFFORT_BUDGET: Partial<Record<string, number>> = { minimal: 512, low: 1_024, medium: 8_192, high: 24_576, xhigh: 32_768 };

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** An image as a Gemini part: inline bytes from a data URL, else the address as file data. */
function imagePart(image: ImagePart): Wire {
  const m = DATA_URL.exec(image.url);
  if (m) return { inlineData: { mimeType: m[1], data: m[2] } };
  const ext = /\.(png|jpe?g|gif|webp)(\?|$)/i.exec(image.url)?.[1]?.toLowerCase();
  return { fileData: { mimeType: `image/${ext === 'jpg' || ext === undefined ? 'jpeg' : ext}`, fileUri: image.url } };
}

/** The thought signature of each call this dialect's provider made, by the call's id as the client sees it. */
function ownSignatures(turns: Turn[], dialect: DialectTraits, notes: string[]): Map<string, string> {
  const signatures = new Map<string, string>();
  for (const turn of turns) {
    for (const part of turn.parts) {
      if (part.kind !== 'reasoning') continue;
      if (part.state.kind === 'carried' && part.state.carried.dialect === dialect.id) {
        for (const [id, signature] of Object.entries(part.state.carried.thoughtSignatures ?? {})) signatures.set(id, signature);
      } else if (part.text !== '' || part.state.kind !== 'unbound') {
        noteOnce(notes, part.state.kind === 'carried' ? `reasoning kept for ${part.state.carried.dialect}` : 'thinking history');
      }
    }
  }
  return signatures;
}

/** A result's text: Gemini takes a function's response as an object, the output or the error under their names. */
function resultResponse(part: Extract<Part, { kind: 'tool-result' }>, notes: string[]): Wire {
  if (part.content.some((c) => c.kind === 'image')) noteOnce(notes, 'images in tool results');
  const text = contentText(
    part.content.map((c) => (c.kind === 'text' ? { type: 'text', text: c.text } : {})),
    '\n',
  );
  return part.error ? { error: text } : { output: text };
}

function geminiParts(turn: Turn, names: Map<string, string>, signatures: Map<string, string>, notes: string[]): Wire[] {
  const parts: Wire[] = [];
  for (const part of turn.parts) {
    if (part.kind === 'text') {
      if (part.text !== '') parts.push({ text: part.text });
    } else if (part.kind === 'image') parts.push(imagePart(part));
    else if (part.kind === 'tool-call') {
      names.set(part.id, part.name);
      // Gemini 3 refuses a function call of the current turn without its signature; one from another model
      // (before a failover) gets the documented value that skips the check.
      parts.push({
        functionCall: { name: part.name, args: toolArguments(part.arguments) },
        thoughtSignature: signatures.get(part.id) ?? SKIP_THOUGHT_SIGNATURE,
      });
    } else if (part.kind === 'tool-result') {
      parts.push({ functionResponse: { name: names.get(part.id) ?? part.id, response: resultResponse(part, notes) } });
    }
  }
  return parts;
}

function toolConfig(choice: ToolChoice): Wire {
  if (choice.mode === 'function') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
  return { functionCallingConfig: { mode: choice.mode === 'required' ? 'ANY' : choice.mode === 'none' ? 'NONE' : 'AUTO' } };
}

/**
 * Our conversation as a Gemini generateContent request (the model and the stream are the path's): the system
 * prompt as `systemInstruction`, turns as contents (`model` for the assistant, consecutive turns of one role
 * merged), tool calls and results as function calls and responses paired by name, tool schemas as
 * `parametersJsonSchema` (Gemini takes JSON Schema there as it is), limits and sampling in `generationConfig`.
 * Each call goes with its thought signature when the history holds Gemini's own, else with the value that skips
 * the check; reasoning any other provider made is dropped and named in `notes`.
 */
export function writeGeminiRequest(conversation: Conversation, dialect: DialectTraits): { body: Wire; notes: TranslationNotes } {
  const notes = [...conversation.notCarried];
  const signatures = ownSignatures(conversation.turns, dialect, notes);
  const names = new Map<string, string>();
  const contents: Wire[] = [];
  for (const turn of conversation.turns) {
    const parts = geminiParts(turn, names, signatures, notes);
    if (parts.length === 0) continue;
    const role = turn.role === 'assistant' ? 'model' : 'user';
    const last = contents.at(-1);
    if (last && last.role === role) (last.parts as Wire[]).push(...parts);
    else contents.push({ role, parts });
  }
  const body: Wire = { contents };
  const system = conversation.system.filter((text) => text !== '');
  if (system.length) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  if (conversation.tools.length) {
    body.tools = [
      {
        functionDeclarations: conversation.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          parametersJsonSchema: tool.parameters,
        })),
      },
    ];
  }
  if (conversation.toolChoice) body.toolConfig = toolConfig(conversation.toolChoice);
  if (conversation.parallelToolCalls === false) notes.push('parallel_tool_calls');
  const config: Wire = {};
  if (conversation.maxTokens !== undefined) config.maxOutputTokens = conversation.maxTokens;
  if (conversation.temperature !== undefined) config.temperature = conversation.temperature;
  if (conversation.topP !== undefined) config.topP = conversation.topP;
  if (conversation.topK !== undefined) config.topK = conversation.topK;
  if (conversation.stop.length) {
    config.stopSequences = conversation.stop.slice(0, MAX_STOP_SEQUENCES);
    if (conversation.stop.length > MAX_STOP_SEQUENCES) notes.push('stop sequences past the fifth');
  }
  const format = conversation.responseFormat?.format;
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const schema = (format.json_schema as Wire | undefined)?.schema;
    if (schema !== undefined) config.responseJsonSchema = schema;
  } else if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  else if (conversation.responseFormat) noteOnce(notes, conversation.responseFormat.askedAs);
  // Gemini's thinking models think by default: a client that did not ask outright leaves the model its own budget.
  const reasoning = conversation.reasoning;
  if (reasoning && (reasoning.turnsThinkingOn || reasoning.effort === 'none')) {
    const budget = reasoning.effort === 'none' ? 0 : EFFORT_BUDGET[reasoning.effort];
    if (budget !== undefined) config.thinkingConfig = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
    else noteOnce(notes, reasoning.askedAs);
  }
  if (Object.keys(config).length) body.generationConfig = config;
  if (conversation.user !== undefined) notes.push('user');
  return { body, notes: { dropped: notes } };
}
