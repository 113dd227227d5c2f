import type { SseEvent } from '../sse';
import { usageReader } from '../tokenUsage';
import { isJsonFormat, type JsonObject, type WireFormat } from '../protocol';
import { openaiStreamError } from '../openaiErrors';

/** OpenAI Chat Completions (`POST /chat/completions`), which most OpenAI-compatible providers speak. */
export const openaiChatFormat: WireFormat = {
  id: 'openaiChat',
  protocol: 'openai',
  label: 'Chat Completions',
  endpoint: 'chat',
  path: '/chat/completions',
  requestPath() {
    return this.path;
  },
  routing: { model: 'model', stream: 'stream' },
  usage: usageReader({ input: ['prompt_tokens'], output: ['completion_tokens'], cachedInInput: 'cached_tokens' }),
  chainsAnswers: false,
  carriesReasoning: false,
  terminalRepeatsFacts: false,

  // A Chat stream has no error event: an error object where a chunk would be, then the end marker.
  terminalStreamError: (message) => openaiStreamError(message),

  isPreamble: () => false,

  isTerminal: (event: SseEvent) => event.data === '[DONE]',
  terminalMarks: ['[DONE]'],

  continuation: {
    limitFields: ['max_tokens', 'max_completion_tokens'],
    turnsField: 'messages',
    // The prefix flag is a Chat Completions field: the pool's style as declared.
    prefill: (declared) => declared,
    clientPrefill: false,
    prefillDropsThinking: false,
    refusal(body: JsonObject) {
      if (!Array.isArray(body.messages) || body.messages.length === 0) return 'the request has no messages';
      return typeof body.n === 'number' && body.n > 1 ? 'the request asks for several choices' : undefined;
    },
    structuredOutput: (body: JsonObject) => isJsonFormat(body.response_format),
  },
};
