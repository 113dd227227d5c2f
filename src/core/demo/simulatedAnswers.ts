/**
 * The simulated provider's answers, in the shapes real providers send: a JSON body, or the events of a stream
 * (each a complete SSE frame). Text only; the usage is counted in words, which is what a demonstration needs.
 */
import type { Protocol } from '../config';

export interface AnswerShape {
  protocol: Protocol;
  endpoint: 'chat' | 'responses' | 'messages' | 'count_tokens' | 'models';
  model: string;
  stream: boolean;
  /** Chat Completions: `stream_options.include_usage` asked for a final usage chunk. */
  includeUsage: boolean;
}

export interface SimulatedAnswer {
  json: unknown;
  events: string[];
}

const MODELS: Record<Protocol, string[]> = {
  openai: ['sim-gpt', 'sim-gpt-mini'],
  anthropic: ['claude-sim-sonnet', 'claude-sim-haiku'],
  gemini: ['gemini-sim-pro', 'gemini-sim-flash'],
};

let sequence = 0;

export function simulatedAnswer(shape: AnswerShape, text: string): SimulatedAnswer {
  const id = `sim${Date.now().toString(36)}${(sequence++).toString(36)}`;
  const words = text.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`));
  const usage = { input: 12, output: words.length };
  return ANSWERS[shape.endpoint](id, shape, text, words, usage);
}

type Answer = (id: string, shape: AnswerShape, text: string, words: string[], usage: Usage) => SimulatedAnswer;

const ANSWERS: Record<AnswerShape['endpoint'], Answer> = {
  models: (_id, shape) => ({ json: MODEL_LISTS[shape.protocol](), events: [] }),
  count_tokens: (_id, _shape, _text, _words, usage) => ({ json: { input_tokens: usage.input }, events: [] }),
  chat: (...args) => chatAnswer(...args),
  responses: (...args) => responsesAnswer(...args),
  messages: (...args) => messagesAnswer(...args),
};

/** Each provider's model list, in its own shape. */
const MODEL_LISTS: Record<Protocol, () => unknown> = {
  anthropic() {
    const data = MODELS.anthropic.map((id) => ({ type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' }));
    return { data, has_more: false, first_id: data[0].id, last_id: data[data.length - 1].id };
  },
  openai: () => ({ object: 'list', data: MODELS.openai.map((id) => ({ id, object: 'model', created: 1767225600, owned_by: 'simulated' })) }),
  gemini: () => ({
    models: MODELS.gemini.map((id) => ({ name: `models/${id}`, displayName: id, supportedGenerationMethods: ['generateContent', 'countTokens'] })),
  }),
};

type Usage = { input: number; output: number };

const frame = (data: unknown, event?: string): string => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

function chatAnswer(id: string, shape: AnswerShape, text: string, words: string[], usage: Usage): SimulatedAnswer {
  const created = Math.floor(Date.now() / 1000);
  const chatUsage = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
  const base = { id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model: shape.model };
  const events = [
    frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
    ...words.map((word) => frame({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] })),
    frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    ...(shape.includeUsage ? [frame({ ...base, choices: [], usage: chatUsage })] : []),
    'data: [DONE]\n\n',
  ];
  const json = {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created,
    model: shape.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: chatUsage,
  };
  return { json, events };
}

function responsesAnswer(id: string, shape: AnswerShape, text: string, words: string[], usage: Usage): SimulatedAnswer {
  const created_at = Math.floor(Date.now() / 1000);
  const itemId = `msg_${id}`;
  const part = { type: 'output_text', text, annotations: [] };
  const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [part] };
  const responseUsage = { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output };
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id: `resp_${id}`,
    object: 'response',
    created_at,
    status,
    model: shape.model,
    output,
    usage: withUsage ? responseUsage : null,
  });
  let seq = 0;
  const event = (type: string, data: Record<string, unknown>): string => frame({ type, sequence_number: seq++, ...data }, type);
  const events = [
    event('response.created', { response: response('in_progress', [], false) }),
    event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }),
    event('response.content_part.added', { item_id: itemId, output_index: 0, content_index: 0, part: { ...part, text: '' } }),
    ...words.map((delta) => event('response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta })),
    event('response.output_text.done', { item_id: itemId, output_index: 0, content_index: 0, text }),
    event('response.content_part.done', { item_id: itemId, output_index: 0, content_index: 0, part }),
    event('response.output_item.done', { output_index: 0, item }),
    event('response.completed', { response: response('completed', [item], true) }),
  ];
  return { json: response('completed', [item], true), events };
}

function messagesAnswer(id: string, shape: AnswerShape, text: string, words: string[], usage: Usage): SimulatedAnswer {
  const message = { id: `msg_${id}`, type: 'message', role: 'assistant', model: shape.model };
  const events = [
    frame(
      {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } },
      },
      'message_start',
    ),
    frame({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    ...words.map((word) => frame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } }, 'content_block_delta')),
    frame({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    frame({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } }, 'message_delta'),
    frame({ type: 'message_stop' }, 'message_stop'),
  ];
  const json = {
    ...message,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
  return { json, events };
}
