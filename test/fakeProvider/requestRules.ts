import { asObject, type Json } from './sse';
import type { Endpoint } from './types';

/**
 * The checks the real APIs make on the request shapes a continuation produces, with their wording where known.
 * Returns the 400's message, or undefined when the request would be accepted.
 */
export function requestProblem(endpoint: Endpoint, body: Json): string | undefined {
  if (endpoint === 'messages') return messagesProblem(body);
  if (endpoint === 'chat') return chatProblem(body);
  if (endpoint === 'responses') return responsesProblem(body);
  return undefined;
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.map((part) => asObject(part)).filter((part) => typeof part.text === 'string');
  return texts.length === content.length ? texts.map((part) => part.text as string).join('') : undefined;
}

function isEmptyContent(content: unknown): boolean {
  return content === undefined || content === null || content === '' || (Array.isArray(content) && content.length === 0);
}

/** The top-level fields the Messages API takes (2026); anything else is refused as an extra input. */
const MESSAGES_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'output_config',
  'output_format',
]);

/** The top-level fields Chat Completions takes (2026); anything else is an unrecognized argument. */
const CHAT_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stream',
  'stream_options',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'seed',
  'reasoning_effort',
  'service_tier',
  'store',
  'metadata',
  'modalities',
  'audio',
  'prediction',
  'web_search_options',
  'functions',
  'function_call',
  'verbosity',
  'safety_identifier',
  'prompt_cache_key',
]);

/** Anthropic Messages. */
function messagesProblem(body: Json): string | undefined {
  if (typeof body.model !== 'string') return 'model: Field required';
  const extra = Object.keys(body).find((field) => !MESSAGES_FIELDS.has(field));
  if (extra !== undefined) return `${extra}: Extra inputs are not permitted`;
  if (!isPositiveInteger(body.max_tokens)) return 'max_tokens: Field required';
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (let i = 0; i < messages.length; i++) {
    const m = asObject(messages[i]);
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const final = i === messages.length - 1;
    if (isEmptyContent(m.content) && !(final && m.role === 'assistant')) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
  }
  const pairing = messagesPairingProblem(messages.map((m) => asObject(m)));
  if (pairing) return pairing;
  const translated = messagesTranslationProblem(
    body,
    messages.map((m) => asObject(m)),
  );
  if (translated) return translated;
  const last = asObject(messages[messages.length - 1]);
  if (last.role === 'assistant') {
    const text = textOf(last.content);
    if (text !== undefined && text !== text.trimEnd()) return 'messages: final assistant content cannot end with trailing whitespace';
    if (asObject(body.thinking).type === 'enabled') return 'messages: a final assistant message (prefill) cannot be used when thinking is enabled';
  }
  const thinking = asObject(body.thinking);
  if (thinking.type === 'enabled' && typeof thinking.budget_tokens === 'number' && thinking.budget_tokens >= (body.max_tokens as number)) {
    return '`max_tokens` must be greater than `thinking.budget_tokens`';
  }
  return undefined;
}

const CHAT_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** OpenAI Chat Completions. */
function chatProblem(body: Json): string | undefined {
  if (typeof body.model !== 'string') return 'you must provide a model parameter';
  const extra = Object.keys(body).find((field) => !CHAT_FIELDS.has(field));
  if (extra !== undefined) return `Unrecognized request argument supplied: ${extra}`;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    return "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
  for (let i = 0; i < messages.length; i++) {
    const m = asObject(messages[i]);
    if (!CHAT_ROLES.has(String(m.role)))
      return `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`;
    if (m.role === 'assistant' && isEmptyContent(m.content) && m.tool_calls === undefined && m.function_call === undefined) {
      return `Invalid value for 'content': expected a string, got null.`;
    }
    if ((m.role === 'user' || m.role === 'system' || m.role === 'developer') && isEmptyContent(m.content) && m.content !== '') {
      return `Missing required parameter: 'messages[${i}].content'.`;
    }
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') return `Missing required parameter: 'messages[${i}].tool_call_id'.`;
    // Prefix completion (Mistral, DeepSeek's beta): only the last message, an assistant's, may be the prefix.
    if (m.prefix === true && (m.role !== 'assistant' || i !== messages.length - 1)) {
      return `Invalid 'messages[${i}].prefix': only the last message, with role 'assistant', can be a prefix.`;
    }
  }
  const pairing = toolPairingProblem(messages.map((m) => asObject(m)));
  if (pairing) return pairing;
  const translated = chatTranslationProblem(
    body,
    messages.map((m) => asObject(m)),
  );
  if (translated) return translated;
  for (const field of ['max_tokens', 'max_completion_tokens', 'n']) {
    if (body[field] !== undefined && body[field] !== null && !isPositiveInteger(body[field])) {
      return `Invalid '${field}': integer below minimum value. Expected a value >= 1, but got ${JSON.stringify(body[field])} instead.`;
    }
  }
  if (body.stream_options != null && body.stream !== true) return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
  return undefined;
}

const RESPONSES_ROLES = new Set(['user', 'assistant', 'system', 'developer']);

/** OpenAI Responses. */
function responsesProblem(body: Json): string | undefined {
  if (typeof body.model !== 'string') return "Missing required parameter: 'model'.";
  const input = body.input;
  if (typeof input !== 'string' && !Array.isArray(input)) return "Invalid type for 'input': expected one of a string or array of input items.";
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const item = asObject(input[i]);
      if (item.type !== undefined && item.type !== 'message') continue;
      if (!RESPONSES_ROLES.has(String(item.role)))
        return `Invalid value: '${String(item.role)}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`;
      if (typeof item.content !== 'string' && !Array.isArray(item.content)) return `Missing required parameter: 'input[${i}].content'.`;
    }
  }
  const max = body.max_output_tokens;
  if (max !== undefined && max !== null && !(typeof max === 'number' && Number.isInteger(max) && max >= 16)) {
    return `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${JSON.stringify(max)} instead.`;
  }
  return undefined;
}

/** Chat's pairing rule: each tool message answers a call of the assistant message just before the tool run, and every call is answered. */
function toolPairingProblem(messages: Json[]): string | undefined {
  let open: Set<string> | undefined;
  for (const m of messages) {
    if (m.role === 'tool') {
      if (!open?.delete(String(m.tool_call_id)))
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      continue;
    }
    if (open && open.size > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`;
    }
    open = undefined;
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) open = new Set(m.tool_calls.map((call) => String(asObject(call).id)));
  }
  return undefined;
}

/** Messages' pairing rule: tool_result blocks answer the tool_use blocks of the message just before, all of them. */
function messagesPairingProblem(messages: Json[]): string | undefined {
  const blocksOf = (m: Json): Json[] => (Array.isArray(m.content) ? m.content.map((b) => asObject(b)) : []);
  for (let i = 0; i < messages.length; i++) {
    const asked =
      i > 0 && messages[i - 1].role === 'assistant'
        ? blocksOf(messages[i - 1])
            .filter((b) => b.type === 'tool_use')
            .map((b) => String(b.id))
        : [];
    const answered =
      messages[i].role === 'user'
        ? blocksOf(messages[i])
            .filter((b) => b.type === 'tool_result')
            .map((b) => String(b.tool_use_id))
        : [];
    const stray = answered.filter((id) => !asked.includes(id));
    if (stray.length)
      return `messages.${i}.content.0: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    const open = asked.filter((id) => !answered.includes(id));
    if (open.length)
      return `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${open.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
  }
  return undefined;
}

/** Claude models that refuse temperature and top_p together (Opus 4.1, Sonnet and Haiku 4.5, and later ones). */
const CLAUDE_ONE_SAMPLER = /^claude-(opus-4-[1-9]|(sonnet|haiku)-4-[5-9]|(opus|sonnet|haiku)-[5-9])/;

/** Rules of Anthropic's API a request translated from another protocol has broken, worded as Anthropic words them. */
function messagesTranslationProblem(body: Json, messages: Json[]): string | undefined {
  if (typeof body.temperature === 'number' && typeof body.top_p === 'number' && CLAUDE_ONE_SAMPLER.test(String(body.model))) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  }
  const tools = Array.isArray(body.tools) ? body.tools.map((tool) => asObject(tool)) : [];
  for (let i = 0; i < tools.length; i++) {
    const schema = asObject(tools[i].input_schema);
    if (tools[i].type !== undefined && tools[i].type !== 'custom') continue;
    if (schema.oneOf !== undefined || schema.anyOf !== undefined || schema.allOf !== undefined) {
      return `tools.${i}.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`;
    }
    if (schema.type !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
  }
  for (let i = 0; i < messages.length; i++) {
    const blocks = Array.isArray(messages[i].content) ? (messages[i].content as unknown[]).map((b) => asObject(b)) : [];
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j];
      if (b.type === 'text' && b.text === '') return 'messages: text content blocks must be non-empty';
      const media = asObject(b.source).media_type;
      if (b.type === 'image' && media !== undefined && !(typeof media === 'string' && ['image/jpeg', 'image/png', 'image/gif', 'image/webp'].includes(media))) {
        return `messages.${i}.content.${j}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
      }
      const id = b.type === 'tool_use' ? ['tool_use.id', b.id] : b.type === 'tool_result' ? ['tool_result.tool_use_id', b.tool_use_id] : undefined;
      if (id && !/^[a-zA-Z0-9_-]+$/.test(String(id[1]))) return `messages.${i}.content.${j}.${String(id[0])}: String should match pattern '^[a-zA-Z0-9_-]+$'`;
    }
  }
  return undefined;
}

/**
 * Rules of the OpenAI-compatible APIs a translated request has broken, each provider's by its models: OpenAI's
 * enums and id length, Mistral's nine-character ids, DeepSeek's reasoning_content
 * on every assistant message with tool calls, and Gemini 3's thought signatures in the tool loop still open (the
 * assistant messages after the last user message).
 */
function chatTranslationProblem(body: Json, messages: Json[]): string | undefined {
  const model = String(body.model);
  if (Array.isArray(body.stop) && body.stop.length > 4) {
    return `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${body.stop.length} instead.`;
  }
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    for (const part of Array.isArray(m.content) ? m.content.map((p) => asObject(p)) : []) {
      const detail = asObject(part.image_url).detail;
      if (part.type === 'image_url' && detail !== undefined && !(typeof detail === 'string' && ['low', 'high', 'auto'].includes(detail))) {
        return `Invalid value: '${typeof detail === 'string' ? detail : JSON.stringify(detail)}'. Supported values are: 'low', 'high', and 'auto'.`;
      }
    }
    if (/^deepseek-/.test(model) && Array.isArray(m.content) && m.content.some((p) => asObject(p).type === 'image_url')) {
      return `Failed to deserialize the JSON body into the target type: messages[${i}]: unknown variant \`image_url\`, expected \`text\``;
    }
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => asObject(c)) : [];
    const ids = m.role === 'tool' ? [String(m.tool_call_id)] : calls.map((c) => String(c.id));
    for (const id of ids) {
      if (/^(mistral|codestral|devstral|magistral|ministral)/.test(model) && !/^[a-zA-Z0-9]{9}$/.test(id)) {
        return `Tool call id was ${id} but must be a-z, A-Z, 0-9, with a length of 9.`;
      }
      const field = m.role === 'tool' ? `messages[${i}].tool_call_id` : `messages[${i}].tool_calls[${ids.indexOf(id)}].id`;
      if (id.length > 40)
        return `Invalid '${field}': string too long. Expected a string with maximum length 40, but got a string with length ${id.length} instead.`;
    }
    if (calls.length === 0) continue;
    if (/^deepseek-reasoner/.test(model) && typeof m.reasoning_content !== 'string') {
      return 'The `reasoning_content` in the thinking mode must be passed back to the API.';
    }
    if (i < lastUser) continue;
    const signature = asObject(asObject(calls[0].extra_content).google).thought_signature;
    if (/^gemini-3/.test(model) && typeof signature !== 'string') {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${String(asObject(calls[0].function).name)}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
  }
  return undefined;
}
