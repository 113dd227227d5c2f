// Chat Completions answers in the shapes real providers send them, field by field as their documentation and
// public recordings show (our own values): what the fake provider sends for a `recorded` reply. Each is a stream
// (the chunks, `[DONE]` added by the fake) and the same answer not streamed.

const CREATED = 1_760_000_000;

function chunk(id: string, model: string, fields: object): object {
  return { id, object: 'chat.completion.chunk', created: CREATED, model, ...fields };
}

function completion(id: string, model: string, message: object, finish: string, usage: object): object {
  return { id, object: 'chat.completion', created: CREATED, model, choices: [{ index: 0, message, finish_reason: finish }], usage };
}

/**
 * Kimi (Moonshot) with thinking: `reasoning_content` deltas, a tool call under Kimi's own id form
 * (`functions.<name>:<n>`), and usage inside the last chunk's choice rather than beside it.
 */
export function kimiToolCall(): { chunks: object[]; completion: object } {
  const id = 'chatcmpl-kimi-7f3a';
  const model = 'kimi-k2-thinking';
  const c = (delta: object, finish: string | null = null, extra: object = {}) =>
    chunk(id, model, { choices: [{ index: 0, delta, finish_reason: finish, ...extra }] });
  const usage = { prompt_tokens: 1_200, completion_tokens: 48, total_tokens: 1_248, cached_tokens: 1_024 };
  return {
    chunks: [
      c({ role: 'assistant', content: '' }),
      c({ reasoning_content: 'The user wants the files listed. ' }),
      c({ reasoning_content: 'I will run ls.' }),
      c({ tool_calls: [{ index: 0, id: 'functions.Bash:0', type: 'function', function: { name: 'Bash', arguments: '' } }] }),
      c({ tool_calls: [{ index: 0, function: { arguments: '{"command":' } }] }),
      c({ tool_calls: [{ index: 0, function: { arguments: ' "ls -la"}' } }] }),
      c({}, 'tool_calls', { usage }),
    ],
    completion: completion(
      id,
      model,
      {
        role: 'assistant',
        content: '',
        reasoning_content: 'The user wants the files listed. I will run ls.',
        tool_calls: [{ index: 0, id: 'functions.Bash:0', type: 'function', function: { name: 'Bash', arguments: '{"command": "ls -la"}' } }],
      },
      'tool_calls',
      usage,
    ),
  };
}

/**
 * DeepSeek's thinking mode: `reasoning_content` first (with `content: null`), then a tool call whose arguments come
 * whole in its first delta, the finish, and usage in a last chunk with empty `choices` (cache hits counted both
 * OpenAI's way and DeepSeek's own).
 */
export function deepseekToolCall(): { chunks: object[]; completion: object } {
  const id = 'd1c5e0b2-4a7e-4f5b-9d61-0c7f2b7e5a10';
  const model = 'deepseek-reasoner';
  const c = (delta: object, finish: string | null = null) =>
    chunk(id, model, { system_fingerprint: 'fp_ds_0001', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });
  const usage = {
    prompt_tokens: 900,
    completion_tokens: 120,
    total_tokens: 1_020,
    prompt_tokens_details: { cached_tokens: 640 },
    completion_tokens_details: { reasoning_tokens: 80 },
    prompt_cache_hit_tokens: 640,
    prompt_cache_miss_tokens: 260,
  };
  return {
    chunks: [
      c({ role: 'assistant', content: null, reasoning_content: '' }),
      c({ content: null, reasoning_content: 'I need the file first.' }),
      c({ content: null, reasoning_content: ' Reading it.' }),
      c({
        content: null,
        reasoning_content: null,
        tool_calls: [{ index: 0, id: 'call_00_Xq3d8', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/tmp/a.txt"}' } }],
      }),
      c({ content: null, reasoning_content: null }, 'tool_calls'),
      chunk(id, model, { system_fingerprint: 'fp_ds_0001', choices: [], usage }),
    ],
    completion: completion(
      id,
      model,
      {
        role: 'assistant',
        content: '',
        reasoning_content: 'I need the file first. Reading it.',
        tool_calls: [{ index: 0, id: 'call_00_Xq3d8', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/tmp/a.txt"}' } }],
      },
      'tool_calls',
      usage,
    ),
  };
}

/** DeepSeek stopping an answer for want of capacity: text, then `insufficient_system_resource`. */
export function deepseekInsufficientResource(): { chunks: object[]; completion: object } {
  const id = 'e2a9b7c4-1d3f-4e6a-8b0c-5f7d9e1a3b20';
  const model = 'deepseek-chat';
  const c = (delta: object, finish: string | null = null) =>
    chunk(id, model, { choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });
  const usage = { prompt_tokens: 40, completion_tokens: 3, total_tokens: 43 };
  return {
    chunks: [
      c({ role: 'assistant', content: '' }),
      c({ content: 'The answer is' }),
      c({ content: '' }, 'insufficient_system_resource'),
      chunk(id, model, { choices: [], usage }),
    ],
    completion: completion(id, model, { role: 'assistant', content: 'The answer is' }, 'insufficient_system_resource', usage),
  };
}

/**
 * Gemini 3 through its OpenAI-compatible endpoint: two parallel calls with no index, the first carrying the
 * step's thought signature in `extra_content.google.thought_signature`, `stop` as the finish of an answer that
 * made calls, and usage in the same last chunk.
 */
export function geminiToolCalls(): { chunks: object[]; completion: object } {
  const id = 'gK3mZ9a1BqT7cD2e';
  const model = 'gemini-3-pro-preview';
  const calls = [
    {
      id: 'function-call-4f1a',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      extra_content: { google: { thought_signature: 'EsoBCscBAdHtim9example0signature0one' } },
    },
    { id: 'function-call-4f1b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
  ];
  const usage = { prompt_tokens: 310, completion_tokens: 42, total_tokens: 352 };
  return {
    chunks: [chunk(id, model, { choices: [{ index: 0, delta: { role: 'assistant', tool_calls: calls }, finish_reason: 'stop' }], usage })],
    completion: completion(id, model, { role: 'assistant', tool_calls: calls }, 'stop', usage),
  };
}

/** Groq: text, and the usage of the stream in `x_groq.usage` on its last chunk. */
export function groqText(): { chunks: object[]; completion: object } {
  const id = 'chatcmpl-5b8e2c1d-groq';
  const model = 'llama-3.3-70b-versatile';
  const c = (delta: object, finish: string | null = null, extra: object = {}) =>
    chunk(id, model, { system_fingerprint: 'fp_groq_01', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
  const usage = { queue_time: 0.02, prompt_tokens: 75, prompt_time: 0.004, completion_tokens: 9, completion_time: 0.008, total_tokens: 84, total_time: 0.012 };
  return {
    chunks: [
      c({ role: 'assistant', content: '' }, null, { x_groq: { id: 'req_01jgroqexample' } }),
      c({ content: 'Fast' }),
      c({ content: ' answer.' }),
      c({}, 'stop', { x_groq: { id: 'req_01jgroqexample', usage } }),
    ],
    completion: completion(id, model, { role: 'assistant', content: 'Fast answer.' }, 'stop', usage),
  };
}
