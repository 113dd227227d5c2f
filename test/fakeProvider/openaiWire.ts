import type { ReplyPlan } from './replyPlan';
import { estimateTokens } from './replyPlan';
import { asObject, dataEvent, typedEvent, type Json } from './sse';
import type { InStreamError, SseEvent } from './types';
import { must } from '../helpers/must';

export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';

export function openaiError(message: string, type: string, code: string | null, param: string | null = null): Json {
  return { error: { message, type, param, code } };
}

// ---------- chat completions ----------

export function chatCompletion(p: ReplyPlan): Json {
  const message: Json = { role: 'assistant', content: p.textDeltas ? p.text : null, refusal: null };
  if (p.tool) {
    message.tool_calls = [{ id: chatToolCallId(p), type: 'function', function: { name: p.tool.name, arguments: p.tool.argumentsJson } }];
  }
  return {
    id: `chatcmpl-${p.idTail}`,
    object: 'chat.completion',
    created: p.created,
    model: p.model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message, logprobs: null, finish_reason: p.tool ? 'tool_calls' : 'stop' }],
    usage: chatUsage(p),
  };
}

export function chatStreamEvents(p: ReplyPlan, includeUsage: boolean): SseEvent[] {
  const id = `chatcmpl-${p.idTail}`;
  const chunk = (delta: Json, finishReason: string | null, phase: SseEvent['phase']): SseEvent => {
    const c: Json = {
      id,
      object: 'chat.completion.chunk',
      created: p.created,
      model: p.model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (includeUsage) c.usage = null;
    return dataEvent(c, phase);
  };
  const events: SseEvent[] = [chunk({ role: 'assistant', content: '' }, null, 'open')];
  for (const d of p.textDeltas ?? []) events.push(chunk({ content: d }, null, 'content'));
  if (p.tool) {
    events.push(chunk({ tool_calls: [{ index: 0, id: chatToolCallId(p), type: 'function', function: { name: p.tool.name, arguments: '' } }] }, null, 'open'));
    for (const d of p.tool.argumentDeltas) {
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: d } }] }, null, 'content'));
    }
  }
  events.push(chunk({}, p.tool ? 'tool_calls' : 'stop', 'close'));
  if (includeUsage) {
    events.push(
      dataEvent(
        {
          id,
          object: 'chat.completion.chunk',
          created: p.created,
          model: p.model,
          system_fingerprint: 'fp_fake',
          choices: [],
          usage: chatUsage(p),
        },
        'close',
      ),
    );
  }
  events.push({ text: 'data: [DONE]\n\n', phase: 'terminal' });
  return events;
}

function chatToolCallId(p: ReplyPlan): string {
  return p.tool?.id ?? `call_${p.idTail}`;
}

function chatUsage(p: ReplyPlan): Json {
  return {
    prompt_tokens: p.usage.input,
    completion_tokens: p.usage.output,
    total_tokens: p.usage.input + p.usage.output,
    prompt_tokens_details: { cached_tokens: p.usage.cacheRead ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

const OPENAI_STREAM_ERRORS: Record<InStreamError, { code: string; message: string }> = {
  overloaded: { code: 'server_error', message: 'The server is overloaded. Please try again later.' },
  rateLimit: { code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  quota: {
    code: 'insufficient_quota',
    message: 'You exceeded your current quota, please check your plan and billing details.',
  },
  server: { code: 'server_error', message: 'The server had an error while processing your request. Sorry about that!' },
};

/** Chat's in-stream error: `data: {"error":{...}}` (type and code carry the same value). */
export function chatErrorEvent(err: InStreamError): SseEvent {
  const e = OPENAI_STREAM_ERRORS[err];
  return dataEvent(openaiError(e.message, e.code, e.code), 'terminal');
}

// ---------- responses ----------

export function responseObject(p: ReplyPlan, body: Json, status: 'in_progress' | 'completed'): Json {
  const done = status === 'completed';
  return {
    id: `resp_${p.idTail}`,
    object: 'response',
    created_at: p.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: p.model,
    output: done ? responseOutputItems(p) : [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null, ...asObject(body.reasoning) },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: done ? responsesUsage(p) : null,
    user: null,
    metadata: asObject(body.metadata),
  };
}

function messageItem(p: ReplyPlan, done: boolean): Json {
  return {
    id: `msg_${p.idTail}`,
    type: 'message',
    status: done ? 'completed' : 'in_progress',
    role: 'assistant',
    content: done ? [outputTextPart(p.text)] : [],
  };
}

function outputTextPart(text: string): Json {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

function functionCallItem(p: ReplyPlan, done: boolean): Json {
  const t = must(p.tool);
  return {
    id: `fc_${p.idTail}`,
    type: 'function_call',
    status: done ? 'completed' : 'in_progress',
    arguments: done ? t.argumentsJson : '',
    call_id: t.id ?? `call_${p.idTail}`,
    name: t.name,
  };
}

function responseOutputItems(p: ReplyPlan): Json[] {
  const items: Json[] = [];
  if (p.textDeltas) items.push(messageItem(p, true));
  if (p.tool) items.push(functionCallItem(p, true));
  return items;
}

function responsesUsage(p: ReplyPlan): Json {
  return {
    input_tokens: p.usage.input,
    input_tokens_details: { cached_tokens: p.usage.cacheRead ?? 0 },
    output_tokens: p.usage.output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: p.usage.input + p.usage.output,
  };
}

export function responsesStreamEvents(p: ReplyPlan, body: Json): SseEvent[] {
  let seq = 0;
  const events: SseEvent[] = [];
  const push = (type: string, payload: Json, phase: SseEvent['phase']): void => {
    events.push(typedEvent(type, { type, sequence_number: seq++, ...payload }, phase));
  };
  push('response.created', { response: responseObject(p, body, 'in_progress') }, 'preamble');
  push('response.in_progress', { response: responseObject(p, body, 'in_progress') }, 'preamble');
  let outputIndex = 0;
  if (p.textDeltas) {
    const itemId = `msg_${p.idTail}`;
    const at = { item_id: itemId, output_index: outputIndex, content_index: 0 };
    push('response.output_item.added', { output_index: outputIndex, item: messageItem(p, false) }, 'open');
    push('response.content_part.added', { ...at, part: outputTextPart('') }, 'open');
    for (const delta of p.textDeltas) push('response.output_text.delta', { ...at, delta, logprobs: [] }, 'content');
    push('response.output_text.done', { ...at, text: p.text, logprobs: [] }, 'close');
    push('response.content_part.done', { ...at, part: outputTextPart(p.text) }, 'close');
    push('response.output_item.done', { output_index: outputIndex, item: messageItem(p, true) }, 'close');
    outputIndex++;
  }
  if (p.tool) {
    const itemId = `fc_${p.idTail}`;
    push('response.output_item.added', { output_index: outputIndex, item: functionCallItem(p, false) }, 'open');
    for (const delta of p.tool.argumentDeltas) {
      push('response.function_call_arguments.delta', { item_id: itemId, output_index: outputIndex, delta }, 'content');
    }
    push('response.function_call_arguments.done', { item_id: itemId, output_index: outputIndex, name: p.tool.name, arguments: p.tool.argumentsJson }, 'close');
    push('response.output_item.done', { output_index: outputIndex, item: functionCallItem(p, true) }, 'close');
  }
  push('response.completed', { response: responseObject(p, body, 'completed') }, 'terminal');
  return events;
}

/** `response.failed` with a well-formed response object whose error.code names the failure. */
export function responsesFailedEvent(p: ReplyPlan, body: Json, err: InStreamError, sequenceNumber: number): SseEvent {
  const e = OPENAI_STREAM_ERRORS[err];
  const response = { ...responseObject(p, body, 'in_progress'), status: 'failed', error: { code: e.code, message: e.message } };
  return typedEvent('response.failed', { type: 'response.failed', sequence_number: sequenceNumber, response }, 'terminal');
}

// ---------- embeddings ----------

export function embeddings(body: Json, model: string, seq: number): Json {
  const input = body.input;
  let inputs: unknown[];
  if (Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number') inputs = input;
  else inputs = [input];
  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(Math.floor(body.dimensions), 4096) : 16;
  const base64 = body.encoding_format === 'base64';
  let chars = 0;
  const data = inputs.map((inp, index) => {
    chars += typeof inp === 'string' ? inp.length : JSON.stringify(inp ?? '').length;
    const vec = new Float32Array(dims);
    for (let i = 0; i < dims; i++) vec[i] = Math.sin(seq * 31 + index * 7 + i) / 2;
    return {
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength).toString('base64') : Array.from(vec),
    };
  });
  const tokens = estimateTokens(chars);
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

// ---------- models ----------

const OPENAI_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-5', 'gpt-5-codex', 'o4-mini', 'text-embedding-3-small'];

export function openaiModel(id: string): Json {
  return { id, object: 'model', created: 1715367049, owned_by: 'system' };
}

export function openaiModelList(): Json {
  return { object: 'list', data: OPENAI_MODELS.map(openaiModel) };
}
