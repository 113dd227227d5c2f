import type { Conversation, Part, Tool, ToolChoice, Turn } from '../../conversation/conversation';
import { noteOnce } from '../../conversation/conversation';
import { asWire, stringOr, wireArray, type Wire } from '../wire';

/** Gemini request fields no other format has a place for: named, since each changes what the client gets. */
const GEMINI_ONLY_FIELDS = ['safetySettings', 'cachedContent'] as const;
const GENERATION_ONLY_FIELDS = [
  'candidateCount',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
  'responseLogprobs',
  'responseModalities',
  'speechConfig',
  'mediaResolution',
] as const;

/** The thinking budget's rough effort step: Gemini counts tokens where other formats name a step. */
function budgetEffort(budget: number): string {
  if (budget === 0) return 'none';
  if (budget < 0 || budget > 16_384) return 'high';
  return budget > 2_048 ? 'medium' : 'low';
}

/**
 * Pairs Gemini's function responses with their calls. Gemini names a call's result by the function's name (an id
 * only where the provider gave one), so a call without an id gets one here, made up from its place in the history,
 * and each response takes the earliest open call of its name.
 */
class CallPairs {
  private open: { id: string; name: string }[] = [];
  private made = 0;

  call(fc: Wire): string {
    const id = stringOr(fc.id, '') || `call_${this.made}`;
    this.made++;
    this.open.push({ id, name: stringOr(fc.name, '') });
    return id;
  }

  result(fr: Wire): string {
    const given = stringOr(fr.id, '');
    const name = stringOr(fr.name, '');
    const at = this.open.findIndex((c) => (given !== '' ? c.id === given : c.name === name));
    if (at === -1) return given || `call_${name}_unpaired`;
    return this.open.splice(at, 1)[0].id;
  }
}

/** A function response's `response` object as a result's text: its `output` or `result` when that is all it holds, else its JSON. */
function responseText(response: Wire | undefined): string {
  if (!response) return '';
  const keys = Object.keys(response);
  if (
    keys.length === 1 &&
    typeof response[keys[0]] === 'string' &&
    (keys[0] === 'output' || keys[0] === 'result' || keys[0] === 'content' || keys[0] === 'error')
  )
    return response[keys[0]] as string;
  return JSON.stringify(response);
}

function contentParts(content: Wire, pairs: CallPairs, notes: string[]): Part[] {
  const parts: Part[] = [];
  const signatures: Record<string, string> = {};
  for (const part of wireArray(content.parts)) {
    const call = asWire(part.functionCall);
    const result = asWire(part.functionResponse);
    const inline = asWire(part.inlineData);
    const file = asWire(part.fileData);
    if (call) {
      const id = pairs.call(call);
      if (typeof part.thoughtSignature === 'string') signatures[id] = part.thoughtSignature;
      parts.push({ kind: 'tool-call', id, name: stringOr(call.name, ''), arguments: JSON.stringify(asWire(call.args) ?? {}) });
    } else if (result) {
      const response = asWire(result.response);
      const text = responseText(response);
      parts.push({
        kind: 'tool-result',
        id: pairs.result(result),
        content: text === '' ? [] : [{ kind: 'text', text }],
        error: response !== undefined && response.error !== undefined,
      });
    } else if (typeof part.text === 'string') {
      // Thought summaries are for reading: no provider takes them back as such.
      if (part.thought === true) parts.push({ kind: 'reasoning', text: part.text, state: { kind: 'unbound' } });
      else parts.push({ kind: 'text', text: part.text });
    } else if (inline && stringOr(inline.mimeType, '').startsWith('image/')) {
      parts.push({ kind: 'image', url: `data:${stringOr(inline.mimeType, '')};base64,${stringOr(inline.data, '')}` });
    } else if (file && stringOr(file.mimeType, '').startsWith('image/')) {
      parts.push({ kind: 'image', url: stringOr(file.fileUri, '') });
    } else if (inline || file) noteOnce(notes, 'files other than images');
    else noteOnce(notes, `a ${Object.keys(part).find((k) => k !== 'thoughtSignature') ?? 'empty'} part`);
  }
  // Gemini's thought signatures, kept for a Gemini target of another format (its OpenAI-compatible endpoint).
  if (Object.keys(signatures).length > 0)
    parts.unshift({ kind: 'reasoning', text: '', state: { kind: 'carried', carried: { dialect: 'gemini', thoughtSignatures: signatures } } });
  return parts;
}

function systemTexts(instruction: unknown): string[] {
  if (typeof instruction === 'string') return [instruction];
  return wireArray(asWire(instruction)?.parts)
    .filter((part) => typeof part.text === 'string')
    .map((part) => part.text as string);
}

function readTools(tools: unknown, notes: string[]): Tool[] {
  const out: Tool[] = [];
  for (const tool of wireArray(tools)) {
    for (const key of Object.keys(tool)) if (key !== 'functionDeclarations') noteOnce(notes, `the ${key} tool`);
    for (const fn of wireArray(tool.functionDeclarations)) {
      out.push({
        name: stringOr(fn.name, ''),
        parameters: asWire(fn.parametersJsonSchema) ?? asWire(fn.parameters) ?? { type: 'object', properties: {} },
        ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      });
    }
  }
  return out;
}

function readToolChoice(config: Wire | undefined): ToolChoice | undefined {
  const calling = asWire(config?.functionCallingConfig);
  const mode = stringOr(calling?.mode, '');
  if (mode === 'NONE') return { mode: 'none' };
  if (mode === 'AUTO' || mode === 'VALIDATED') return { mode: 'auto' };
  if (mode !== 'ANY') return undefined;
  const allowed = Array.isArray(calling?.allowedFunctionNames) ? (calling.allowedFunctionNames as unknown[]) : [];
  return allowed.length === 1 && typeof allowed[0] === 'string' ? { mode: 'function', name: allowed[0] } : { mode: 'required' };
}

/**
 * A Gemini generateContent request read into our conversation model: `systemInstruction` as the system prompt,
 * each content a turn (`model` is the assistant), function calls and responses paired into tool calls and results,
 * the generation config as limits and sampling. Whether it streams is the path's, not the body's: the caller says.
 * Each call's thought signature is kept, bound to Gemini, for a Gemini target reached in another format.
 */
export function readGeminiRequest(request: Wire): Conversation {
  const notCarried: string[] = [];
  const conversation: Conversation = { system: systemTexts(request.systemInstruction), turns: [], tools: [], stop: [], stream: false, notCarried };
  const pairs = new CallPairs();
  for (const content of wireArray(request.contents)) {
    const turn: Turn = { role: content.role === 'model' ? 'assistant' : 'user', parts: contentParts(content, pairs, notCarried) };
    conversation.turns.push(turn);
  }
  conversation.tools = readTools(request.tools, notCarried);
  const choice = readToolChoice(asWire(request.toolConfig));
  if (choice) conversation.toolChoice = choice;
  const config = asWire(request.generationConfig) ?? {};
  if (typeof config.maxOutputTokens === 'number') conversation.maxTokens = config.maxOutputTokens;
  if (typeof config.temperature === 'number') conversation.temperature = config.temperature;
  if (typeof config.topP === 'number') conversation.topP = config.topP;
  if (typeof config.topK === 'number') conversation.topK = config.topK;
  if (Array.isArray(config.stopSequences)) conversation.stop = config.stopSequences.filter((s): s is string => typeof s === 'string');
  const schema = asWire(config.responseJsonSchema) ?? asWire(config.responseSchema);
  if (schema)
    conversation.responseFormat = { format: { type: 'json_schema', json_schema: { name: 'response', schema } }, askedAs: 'generationConfig.responseSchema' };
  else if (config.responseMimeType === 'application/json')
    conversation.responseFormat = { format: { type: 'json_object' }, askedAs: 'generationConfig.responseMimeType' };
  const thinking = asWire(config.thinkingConfig);
  const effort =
    typeof thinking?.thinkingLevel === 'string'
      ? thinking.thinkingLevel.toLowerCase()
      : typeof thinking?.thinkingBudget === 'number'
        ? budgetEffort(thinking.thinkingBudget)
        : undefined;
  if (effort !== undefined) conversation.reasoning = { effort, askedAs: 'thinkingConfig', turnsThinkingOn: effort !== 'none' };
  for (const field of GENERATION_ONLY_FIELDS)
    if (config[field] !== undefined && !(field === 'candidateCount' && config.candidateCount === 1)) notCarried.push(field);
  for (const field of GEMINI_ONLY_FIELDS) if (request[field] !== undefined) notCarried.push(field);
  return conversation;
}
