import type { SseEvent } from '../sse';
import { usageReader } from '../tokenUsage';
import { isJsonFormat, type JsonObject, type StreamFacts, type WireFormat } from '../protocol';

// `keepalive` is what the Responses API sends during long silences: proof of life, not content.
const PREAMBLE = new Set(['response.created', 'response.in_progress', 'response.queued', 'keepalive']);

function failedEvent(message: string, facts: StreamFacts): string {
  const event = {
    type: 'response.failed',
    sequence_number: (facts.lastSequence ?? 0) + 1,
    response: {
      id: facts.responseId ?? 'resp_keybridge_failed',
      object: 'response',
      created_at: facts.createdAt ?? Math.floor(Date.now() / 1000),
      status: 'failed',
      error: { code: 'server_error', message },
      incomplete_details: null,
      model: facts.model ?? null,
      output: [],
      usage: null,
    },
  };
  return `event: response.failed\ndata: ${JSON.stringify(event)}\n\n`;
}

/** OpenAI's Responses API (`POST /responses`): what Codex speaks. */
export const openaiResponsesFormat: WireFormat = {
  id: 'openaiResponses',
  protocol: 'openai',
  label: 'Responses',
  endpoint: 'responses',
  path: '/responses',
  requestPath() {
    return this.path;
  },
  routing: { model: 'model', stream: 'stream', previousResponse: 'previous_response_id' },
  usage: usageReader({ input: ['input_tokens'], output: ['output_tokens'], cachedInInput: 'cached_tokens' }),
  chainsAnswers: true,
  // `response.failed` repeats the response's id, model and the next sequence number.
  carriesReasoning: true,
  terminalRepeatsFacts: true,

  terminalStreamError: failedEvent,

  isPreamble: (event: SseEvent) => PREAMBLE.has(event.name),

  isTerminal: (event: SseEvent) => event.name === 'response.completed' || event.name === 'response.incomplete' || event.name === 'response.failed',
  terminalMarks: ['response.completed', 'response.incomplete', 'response.failed'],

  continuation: {
    limitFields: ['max_output_tokens'],
    turnsField: 'input',
    // Its input items are a conversation, not the start of an answer: no prefill.
    prefill: () => 'none',
    clientPrefill: false,
    prefillDropsThinking: false,
    refusal(body: JsonObject) {
      // Stored state belongs to the account that answered; another target cannot read it (404), and without it the
      // continuation would not see the conversation it continues. The agent retrying the turn is the better outcome.
      if (body.previous_response_id != null) return 'the request continues a stored response (previous_response_id)';
      if (body.conversation != null) return 'the request belongs to a stored conversation';
      // Stored (the API's default), the answer may be chained to by id next turn; under that id the provider holds
      // only the interrupted part, or nothing, so the next turn would lose the rest or fail. Clients that send the
      // whole input each turn (Codex sends store: false) can be continued.
      if (body.store !== false) return 'the response is stored under its id (store is not false)';
      if (typeof body.input !== 'string' && !Array.isArray(body.input)) return 'the request has no input';
      return undefined;
    },
    structuredOutput: (body: JsonObject) => isJsonFormat((body.text as JsonObject | undefined)?.format),
  },
};
