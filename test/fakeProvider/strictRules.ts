import { asObject, type Json } from './sse';
import { must } from '../helpers/must';

/**
 * The rules real providers enforce on a request, one small function each, in our own words; each returns the
 * provider's error message (quoted as it sends it) or undefined when the request passes. strictDialects.ts picks
 * the rules a dialect plays and wraps the message in that provider's error body.
 */

/** A value from the request as the API would quote it: a string as it is, anything else as JSON. */
const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map((x) => asObject(x)) : []);

/** Chat messages after the last user message: the turn still open, where a tool loop is running. */
function openTurn(messages: Json[]): { message: Json; index: number }[] {
  let start = 0;
  messages.forEach((m, i) => {
    if (m.role === 'user') start = i + 1;
  });
  return messages.slice(start).map((message, i) => ({ message, index: start + i }));
}

// ---------- Anthropic Messages ----------

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;
const ANTHROPIC_TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/**
 * tool_use ids and the tool_result ids that answer them must match `^[a-zA-Z0-9_-]+$`: Kimi's `functions.Bash:0`
 * is refused. https://github.com/CommandCodeAI/command-code/issues/323
 */
export function anthropicToolIdPattern(body: Json): string | undefined {
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const blocks = list(must(messages[i]).content);
    for (let j = 0; j < blocks.length; j++) {
      const b = must(blocks[j]);
      if (b.type === 'tool_use' && !ANTHROPIC_ID.test(String(b.id))) {
        return `messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      }
      if (b.type === 'tool_result' && !ANTHROPIC_ID.test(String(b.tool_use_id))) {
        return `messages.${i}.content.${j}.tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      }
    }
  }
  return undefined;
}

/**
 * A tool's input_schema is an object schema, and its root may not combine schemas: one such tool fails every
 * request of the session. https://github.com/anthropics/claude-code/issues/5973
 */
export function anthropicToolSchema(body: Json): string | undefined {
  const tools = list(body.tools);
  for (let i = 0; i < tools.length; i++) {
    const tool = must(tools[i]);
    // Server tools (web_search_…, bash_…) carry a type and no schema.
    if (tool.type !== undefined && tool.type !== 'custom') continue;
    if (!ANTHROPIC_TOOL_NAME.test(String(tool.name))) return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    const schema = asObject(tool.input_schema);
    if (schema.oneOf !== undefined || schema.anyOf !== undefined || schema.allOf !== undefined) {
      return `tools.${i}.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`;
    }
    if (schema.type !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
  }
  return undefined;
}

/**
 * Claude models from 2025 on (Sonnet/Opus/Haiku 4 and later) take one of `temperature` and `top_p`, not both;
 * the Claude 3 family still takes both. https://github.com/anomalyco/opencode/issues/28930
 */
export function anthropicSamplingPair(body: Json): string | undefined {
  if (body.temperature === undefined || body.top_p === undefined) return undefined;
  if (/^claude-3/.test(String(body.model))) return undefined;
  return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
}

/**
 * With thinking on, `temperature` stays at its default of 1.
 * https://github.com/MartialBE/one-hub/issues/529
 */
export function anthropicThinkingTemperature(body: Json): string | undefined {
  const thinking = asObject(body.thinking).type;
  if ((thinking !== 'enabled' && thinking !== 'adaptive') || body.temperature === undefined || body.temperature === 1) return undefined;
  return '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking';
}

/**
 * A thinking block is sent back with the signature Anthropic gave it; any other (another account's, or a
 * carrier of ours such as `kbr1.…`) is refused. `issued` holds the signatures this fake handed out.
 */
export function anthropicThinkingSignature(body: Json, issued: ReadonlySet<string>): string | undefined {
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const blocks = list(must(messages[i]).content);
    for (let j = 0; j < blocks.length; j++) {
      const b = must(blocks[j]);
      if (b.type === 'thinking' && !issued.has(String(b.signature))) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
    }
  }
  return undefined;
}

/**
 * With thinking on, the last assistant message of an open tool loop starts with a thinking block (Anthropic:
 * "a final `assistant` message must start with a thinking block").
 */
export function anthropicThinkingFirst(body: Json): string | undefined {
  const thinking = asObject(body.thinking).type;
  if (thinking !== 'enabled' && thinking !== 'adaptive') return undefined;
  const messages = list(body.messages);
  const last = messages.length - 1;
  if (last < 1 || must(messages[last]).role !== 'user' || !list(must(messages[last]).content).some((b) => b.type === 'tool_result')) return undefined;
  const i = last - 1;
  const first = list(must(messages[i]).content).at(0);
  if (must(messages[i]).role !== 'assistant' || !first || first.type === 'thinking' || first.type === 'redacted_thinking') return undefined;
  return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
}

// ---------- OpenAI Chat Completions ----------

const OPENAI_NAME = /^[a-zA-Z0-9_-]+$/;
const IMAGE_DETAIL = new Set(['low', 'high', 'auto']);

/** What a Chat refusal names besides its message: the parameter and OpenAI's error code. */
export interface ChatRefusal {
  message: string;
  param: string | null;
  code: string | null;
}

/** image_url.detail is one of low, high, auto. https://github.com/quarkiverse/quarkus-langchain4j/issues/412 */
export function openaiImageDetail(body: Json): ChatRefusal | undefined {
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const parts = list(must(messages[i]).content);
    for (let j = 0; j < parts.length; j++) {
      const detail = asObject(must(parts[j]).image_url).detail;
      if (must(parts[j]).type === 'image_url' && detail !== undefined && !IMAGE_DETAIL.has(shown(detail))) {
        return {
          message: `Invalid value: '${shown(detail)}'. Supported values are: 'low', 'high', and 'auto'.`,
          param: `messages[${i}].content[${j}].image_url.detail`,
          code: 'invalid_value',
        };
      }
    }
  }
  return undefined;
}

/**
 * Images go in user messages only: a tool result carrying one (Claude Code reading a screenshot) is refused.
 * https://github.com/OpenHands/OpenHands/issues/7700
 */
export function openaiImageRole(body: Json): ChatRefusal | undefined {
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const m = must(messages[i]);
    if (m.role !== 'user' && list(m.content).some((part) => part.type === 'image_url')) {
      return {
        message: `Invalid 'messages[${i}]'. Image URLs are only allowed for messages with role 'user', but this message with role '${String(m.role)}' contains an image URL.`,
        param: `messages[${i}]`,
        code: 'invalid_value',
      };
    }
  }
  return undefined;
}

/**
 * Function names, declared or called, match `^[a-zA-Z0-9_-]+$`.
 * https://github.com/hackers365/xiaozhi-esp32-server-golang/issues/268
 */
export function openaiFunctionName(body: Json): ChatRefusal | undefined {
  const refuse = (param: string): ChatRefusal => ({
    message: `Invalid '${param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
    param,
    code: 'invalid_value',
  });
  const tools = list(body.tools);
  for (let i = 0; i < tools.length; i++) {
    if (!OPENAI_NAME.test(String(asObject(must(tools[i]).function).name))) return refuse(`tools[${i}].function.name`);
  }
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const calls = list(must(messages[i]).tool_calls);
    for (let j = 0; j < calls.length; j++) {
      if (!OPENAI_NAME.test(String(asObject(must(calls[j]).function).name))) return refuse(`messages[${i}].tool_calls[${j}].function.name`);
    }
  }
  return undefined;
}

/** Tool call ids are at most 40 characters. https://github.com/vercel/ai/issues/8132 */
export function openaiToolCallIdLength(body: Json): ChatRefusal | undefined {
  const tooLong = (param: string, id: string): ChatRefusal => ({
    message: `Invalid '${param}': string too long. Expected a string with maximum length 40, but got a string with length ${id.length} instead.`,
    param,
    code: 'string_above_max_length',
  });
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const m = must(messages[i]);
    const calls = list(m.tool_calls);
    for (let j = 0; j < calls.length; j++) {
      const id = String(must(calls[j]).id);
      if (id.length > 40) return tooLong(`messages[${i}].tool_calls[${j}].id`, id);
    }
    if (m.role === 'tool' && typeof m.tool_call_id === 'string' && m.tool_call_id.length > 40) return tooLong(`messages[${i}].tool_call_id`, m.tool_call_id);
  }
  return undefined;
}

/**
 * OpenAI's reasoning models (o-series, GPT-5) refuse `max_tokens`.
 * https://github.com/griptape-ai/ComfyUI-Griptape/issues/312
 */
export function openaiReasoningMaxTokens(body: Json): ChatRefusal | undefined {
  if (body.max_tokens === undefined || !/^(o\d|gpt-5)/.test(String(body.model))) return undefined;
  return {
    message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    param: 'max_tokens',
    code: 'unsupported_parameter',
  };
}

/** The fields a Chat message of each role takes at OpenAI; another provider's (`reasoning_content`) is refused. */
const CHAT_MESSAGE_FIELDS: Partial<Record<string, ReadonlySet<string>>> = {
  system: new Set(['role', 'content', 'name']),
  developer: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'refusal', 'audio', 'function_call']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};

/** A message property OpenAI does not take. https://github.com/microsoft/autogen/issues/1174 */
export function openaiMessageFields(body: Json): ChatRefusal | undefined {
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const allowed = CHAT_MESSAGE_FIELDS[String(must(messages[i]).role)];
    const extra = allowed && Object.keys(must(messages[i])).find((field) => !allowed.has(field));
    if (extra) return { message: `Additional properties are not allowed ('${extra}' was unexpected) - 'messages.${i}'`, param: null, code: null };
  }
  return undefined;
}

// ---------- DeepSeek (thinking mode) ----------

/**
 * In thinking mode (on unless `thinking.type` is "disabled"), each assistant turn that called tools in the loop
 * still open must come back with its `reasoning_content` (an empty one is taken).
 * https://api-docs.deepseek.com/guides/thinking_mode (wording: https://github.com/dataelement/Clawith/issues/570)
 */
export function deepseekReasoningReturned(body: Json): string | undefined {
  if (asObject(body.thinking).type === 'disabled') return undefined;
  const missing = openTurn(list(body.messages)).find(
    ({ message }) => message.role === 'assistant' && list(message.tool_calls).length > 0 && typeof message.reasoning_content !== 'string',
  );
  return missing ? 'The `reasoning_content` in the thinking mode must be passed back to the API.' : undefined;
}

// ---------- Gemini 3 (OpenAI-compatible endpoint) ----------

/** The documented stand-in Gemini takes for a signature it cannot have (a call made by another model). */
const GEMINI_SKIP_SIGNATURE = 'skip_thought_signature_validator';

/**
 * Gemini 3 validates the function calls of the current turn: the first call of each step carries the thought
 * signature Gemini gave it (`extra_content.google.thought_signature`), or the documented stand-in; one it did not
 * give is refused too (https://github.com/heyhuynhgiabuu/proxypal/issues/119).
 * https://ai.google.dev/gemini-api/docs/thought-signatures (wording: https://github.com/manthanabc/paws/issues/103)
 */
export function geminiThoughtSignature(body: Json, issued: ReadonlySet<string>): string | undefined {
  if (!/gemini-3/.test(String(body.model))) return undefined;
  for (const { message, index } of openTurn(list(body.messages))) {
    const first = list(message.tool_calls).at(0);
    if (message.role !== 'assistant' || !first) continue;
    const signature = asObject(asObject(first.extra_content).google).thought_signature;
    const name = String(asObject(first.function).name);
    if (signature === undefined) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${index + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
    if (signature !== GEMINI_SKIP_SIGNATURE && !issued.has(shown(signature))) return 'Corrupted thought signature.';
  }
  return undefined;
}

// ---------- Mistral ----------

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;

/**
 * Tool call ids, in assistant turns and in the tool messages answering them, are nine letters or digits.
 * https://github.com/jackmpcollins/magentic/issues/276
 */
export function mistralToolCallId(body: Json): string | undefined {
  for (const m of list(body.messages)) {
    const ids = [...list(m.tool_calls).map((call) => call.id), ...(m.role === 'tool' ? [m.tool_call_id] : [])];
    const bad = ids.find((id) => !MISTRAL_ID.test(String(id)));
    if (bad !== undefined) return `Tool call id was ${shown(bad)} but must be a-z, A-Z, 0-9, with a length of 9.`;
  }
  return undefined;
}

// ---------- Groq ----------

/**
 * Groq validates message properties and refuses another provider's reasoning fields sent back.
 * https://github.com/NousResearch/hermes-agent/issues/11089
 */
export function groqMessageFields(body: Json): string | undefined {
  const messages = list(body.messages);
  for (let i = 0; i < messages.length; i++) {
    const m = must(messages[i]);
    const extra = ['reasoning_content', 'reasoning_details', 'extra_content'].find((field) => m[field] !== undefined);
    if (extra) return `'messages.${i}' : for 'role:${String(m.role)}' the following must be satisfied[('messages.${i}' : property '${extra}' is unsupported)]`;
  }
  return undefined;
}

// ---------- Gemini (native API) ----------

/** Proto field names arrive in JSON as lowerCamelCase or as snake_case: both name the same field. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function field(o: Json, camel: string): unknown {
  return o[camel] ?? o[snake(camel)];
}

const unknownName = (name: string, at?: string): string =>
  `Invalid JSON payload received. Unknown name "${name}"${at === undefined ? '' : ` at '${at}'`}: Cannot find field.`;

function unknownField(o: Json, known: ReadonlySet<string>, at?: string): string | undefined {
  const extra = Object.keys(o).find((name) => !known.has(snake(name)));
  return extra === undefined ? undefined : unknownName(extra, at);
}

const GEMINI_REQUEST_FIELDS = new Set([
  'model',
  'contents',
  'tools',
  'tool_config',
  'safety_settings',
  'system_instruction',
  'generation_config',
  'cached_content',
]);
const GEMINI_CONTENT_FIELDS = new Set(['role', 'parts']);
const GEMINI_PART_FIELDS = new Set([
  'text',
  'inline_data',
  'function_call',
  'function_response',
  'file_data',
  'executable_code',
  'code_execution_result',
  'thought',
  'thought_signature',
  'video_metadata',
  'part_metadata',
  'media_resolution',
]);

/**
 * The request is a GenerateContentRequest: any other field, on it, a content or a part (an Anthropic `type`, a
 * Chat `content`), is refused by name, the way Google's JSON parser does.
 */
export function geminiRequestFields(body: Json): string | undefined {
  const top = unknownField(body, GEMINI_REQUEST_FIELDS);
  if (top) return top;
  const system = asObject(field(body, 'systemInstruction'));
  const contents: [Json, string][] = [[system, 'system_instruction'], ...list(body.contents).map((c, i): [Json, string] => [c, `contents[${i}]`])];
  for (const [content, at] of contents) {
    const own = unknownField(content, GEMINI_CONTENT_FIELDS, at);
    if (own) return own;
    const parts = list(content.parts);
    for (let j = 0; j < parts.length; j++) {
      const part = unknownField(parts[j] ?? {}, GEMINI_PART_FIELDS, `${at}.parts[${j}]`);
      if (part) return part;
    }
  }
  return undefined;
}

/** Roles are `user` and `model`: a system prompt goes in `systemInstruction`, never as a `system` turn. */
export function geminiRoles(body: Json): string | undefined {
  const bad = list(body.contents).some((c) => c.role !== undefined && c.role !== 'user' && c.role !== 'model');
  return bad ? 'Please use a valid role: user, model.' : undefined;
}

/** At least one content, and no content without parts. */
export function geminiEmptyParts(body: Json): string | undefined {
  const contents = list(body.contents);
  if (contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified\n';
  const i = contents.findIndex((c) => list(c.parts).length === 0);
  return i < 0 ? undefined : `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`;
}

const callsOf = (content: Json | undefined): Json[] =>
  list(content?.parts)
    .map((p) => asObject(field(p, 'functionCall')))
    .filter((c) => Object.keys(c).length > 0);
const responsesOf = (content: Json | undefined): Json[] =>
  list(content?.parts)
    .map((p) => asObject(field(p, 'functionResponse')))
    .filter((r) => Object.keys(r).length > 0);

/**
 * A model turn of function calls follows a user turn (or a turn of function responses), and the very next turn
 * answers each call with a function response: as many, with the calls' names (and ids, when the call has one).
 * Gemini's wording for a response that names no call of its turn is not known: ours says so in its terms.
 */
export function geminiFunctionTurns(body: Json): string | undefined {
  const contents = list(body.contents);
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    const calls = callsOf(content);
    const previous = i > 0 ? contents[i - 1] : undefined;
    if (calls.length > 0 && (previous === undefined || previous.role === 'model')) {
      return 'Please ensure that function call turn comes immediately after a user turn or after a function response turn.';
    }
    const responses = responsesOf(content);
    if (responses.length > 0 && callsOf(previous).length === 0)
      return 'Please ensure that function response turn comes immediately after a function call turn.';
    if (calls.length > 0 && i + 1 < contents.length) {
      const answers = responsesOf(contents[i + 1]);
      if (answers.length !== calls.length)
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      const open = [...calls];
      for (const answer of answers) {
        const at = open.findIndex((call) => call.name === answer.name && (call.id === undefined || call.id === answer.id));
        if (at < 0)
          return `Please ensure that each function response part matches a function call part of the function call turn (function response \`${shown(answer.name)}\`${answer.id === undefined ? '' : ` id \`${shown(answer.id)}\``}).`;
        open.splice(at, 1);
      }
    }
  }
  return undefined;
}

/**
 * Gemini 3, natively: in the current turn (after the last user turn that is not function responses) the first
 * function call of each model step carries the `thoughtSignature` Gemini gave it, or the documented stand-in.
 * https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export function geminiNativeThoughtSignature(body: Json, model: string, issued: ReadonlySet<string>): string | undefined {
  if (!/gemini-3/.test(model)) return undefined;
  const contents = list(body.contents);
  let start = 0;
  contents.forEach((c, i) => {
    if (c.role === 'user' && list(c.parts).some((p) => field(p, 'functionResponse') === undefined)) start = i + 1;
  });
  for (let i = start; i < contents.length; i++) {
    const content = contents[i] ?? {};
    const first = list(content.parts).find((p) => field(p, 'functionCall') !== undefined);
    if (content.role !== 'model' || !first) continue;
    const signature = field(first, 'thoughtSignature');
    const name = String(asObject(field(first, 'functionCall')).name);
    if (signature === undefined) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
    if (signature !== GEMINI_SKIP_SIGNATURE && !issued.has(shown(signature))) return 'Corrupted thought signature.';
  }
  return undefined;
}

const GEMINI_TOOL_FIELDS = new Set([
  'function_declarations',
  'google_search',
  'google_search_retrieval',
  'code_execution',
  'url_context',
  'computer_use',
  'file_search',
  'google_maps',
]);
const GEMINI_DECLARATION_FIELDS = new Set(['name', 'description', 'parameters', 'parameters_json_schema', 'response', 'response_json_schema', 'behavior']);
/** The fields of Gemini's `Schema` (an OpenAPI subset): `$schema`, `additionalProperties`, `const`… are not among them. */
const GEMINI_SCHEMA_FIELDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'items',
  'max_items',
  'min_items',
  'properties',
  'required',
  'min_properties',
  'max_properties',
  'minimum',
  'maximum',
  'min_length',
  'max_length',
  'pattern',
  'example',
  'any_of',
  'property_ordering',
  'default',
]);
const GEMINI_FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;

function schemaProblem(schema: Json, at: string): string | undefined {
  for (const [name, value] of Object.entries(schema)) {
    if (!GEMINI_SCHEMA_FIELDS.has(snake(name))) return unknownName(name, at);
    if (name === 'type' && Array.isArray(value))
      return `Invalid JSON payload received. Unknown name "type" at '${at}': Proto field is not repeating, cannot start list.`;
  }
  const properties = asObject(schema.properties);
  for (const [key, sub] of Object.entries(properties)) {
    const found = schemaProblem(asObject(sub), `${at}.properties[${JSON.stringify(key)}].value`);
    if (found) return found;
  }
  if (schema.items !== undefined) {
    const found = schemaProblem(asObject(schema.items), `${at}.items`);
    if (found) return found;
  }
  const anyOf = list(field(schema, 'anyOf'));
  for (let k = 0; k < anyOf.length; k++) {
    const found = schemaProblem(anyOf[k] ?? {}, `${at}.any_of[${k}]`);
    if (found) return found;
  }
  return undefined;
}

/**
 * Function declarations: a name Gemini takes, and `parameters` in its Schema subset (`parametersJsonSchema` takes
 * full JSON Schema instead). One tool that breaks this fails every request of the session.
 */
export function geminiToolSchemas(body: Json): string | undefined {
  const tools = list(body.tools);
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i] ?? {};
    const own = unknownField(tool, GEMINI_TOOL_FIELDS, `tools[${i}]`);
    if (own) return own;
    const declarations = list(field(tool, 'functionDeclarations'));
    for (let j = 0; j < declarations.length; j++) {
      const declaration = declarations[j] ?? {};
      const at = `tools[${i}].function_declarations[${j}]`;
      const extra = unknownField(declaration, GEMINI_DECLARATION_FIELDS, at);
      if (extra) return extra;
      if (!GEMINI_FUNCTION_NAME.test(String(declaration.name))) {
        return `* GenerateContentRequest.${at}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n`;
      }
      if (declaration.parameters !== undefined) {
        const found = schemaProblem(asObject(declaration.parameters), `${at}.parameters`);
        if (found) return found;
      }
    }
  }
  return undefined;
}

const GENERATION_CONFIG_FIELDS = new Set([
  'stop_sequences',
  'response_mime_type',
  'response_schema',
  'response_json_schema',
  'response_modalities',
  'candidate_count',
  'max_output_tokens',
  'temperature',
  'top_p',
  'top_k',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_logprobs',
  'logprobs',
  'enable_enhanced_civic_answers',
  'speech_config',
  'thinking_config',
  'image_config',
  'media_resolution',
]);
const THINKING_CONFIG_FIELDS = new Set(['include_thoughts', 'thinking_budget', 'thinking_level']);
const GEMINI_ENUMS: Array<{ path: string[]; at: string; type: string; values: string[] }> = [
  {
    path: ['thinkingConfig', 'thinkingLevel'],
    at: 'generation_config.thinking_config.thinking_level',
    type: 'GenerationConfig.ThinkingConfig.ThinkingLevel',
    values: ['THINKING_LEVEL_UNSPECIFIED', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH'],
  },
  {
    path: ['mediaResolution'],
    at: 'generation_config.media_resolution',
    type: 'GenerationConfig.MediaResolution',
    values: ['MEDIA_RESOLUTION_UNSPECIFIED', 'MEDIA_RESOLUTION_LOW', 'MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_HIGH'],
  },
];
const MODALITIES = ['MODALITY_UNSPECIFIED', 'TEXT', 'IMAGE', 'AUDIO'];

const invalidEnum = (at: string, type: string, value: unknown): string =>
  `Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.${type}), ${JSON.stringify(value)}`;

/** generationConfig: Gemini's field names (an OpenAI `max_tokens` is refused by name) and its enum values. */
export function geminiGenerationConfig(body: Json): string | undefined {
  const config = asObject(field(body, 'generationConfig'));
  const own = unknownField(config, GENERATION_CONFIG_FIELDS, 'generation_config');
  if (own) return own;
  const thinking = unknownField(asObject(field(config, 'thinkingConfig')), THINKING_CONFIG_FIELDS, 'generation_config.thinking_config');
  if (thinking) return thinking;
  for (const e of GEMINI_ENUMS) {
    const value = e.path.reduce<unknown>((o, name) => field(asObject(o), name), config);
    if (value !== undefined && !e.values.includes(shown(value).toUpperCase())) return invalidEnum(e.at, e.type, value);
  }
  const modalities = field(config, 'responseModalities');
  const modality = Array.isArray(modalities) ? (modalities as unknown[]).find((m) => !MODALITIES.includes(shown(m).toUpperCase())) : undefined;
  return modality === undefined ? undefined : invalidEnum('generation_config.response_modalities[0]', 'GenerationConfig.Modality', modality);
}
