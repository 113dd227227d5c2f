// Guards the OpenAI Responses stream reader (docs/ARCHITECTURE.md §9): continuation reads a Codex client's stream
// through it to know what the client already has, so every event kind must reach the answer model once and as
// what it is — text and refusals, reasoning summaries, function calls with their argument fragments, items the
// model does not carry as `other` (a continuation does not extend those) — and only the terminal events end the
// stream, with the usage and the finish reason they carry. The sink here writes down every call it gets.
import assert from 'node:assert/strict';
import type { AnswerSink } from '../../src/core/conversation/answerEvents';
import { answerRecorder, type AnswerEvent } from '../helpers/answerRecorder';
import { ResponsesEventReader } from '../../src/core/protocols/openaiResponses/eventReader';

/** Reads typed events in order, each under its own type as the SSE event name; answers which said the stream ended. */
function readAll(reader: ResponsesEventReader, sink: AnswerSink, events: Record<string, unknown>[]): boolean[] {
  return events.map((event) => reader.read({ name: typeof event.type === 'string' ? event.type : '', data: JSON.stringify(event) }, sink));
}

/** The model events of a whole stream, and the indices of the events that ended it. */
function read(events: Record<string, unknown>[]): { events: AnswerEvent[]; ends: number[] } {
  const { sink, events: seen } = answerRecorder();
  const ends = readAll(new ResponsesEventReader(), sink, events)
    .map((end, i) => (end ? i : -1))
    .filter((i) => i >= 0);
  return { events: seen, ends };
}

const response = (fields: Record<string, unknown>) => ({ id: 'resp_1', object: 'response', model: 'gpt-5-codex', ...fields });

describe('Responses stream reader', () => {
  it('reads reasoning, text, a refusal and function calls item by item, ending on response.completed with its usage', () => {
    const { events, ends } = read([
      { type: 'response.created', response: response({ status: 'in_progress' }) },
      { type: 'response.in_progress', response: response({ id: 'resp_other', model: 'other', status: 'in_progress' }) },
      { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id: 'rs_1', encrypted_content: 'opaque' } },
      { type: 'response.reasoning_summary_part.added', output_index: 0, part: { type: 'summary_text', text: '' } },
      { type: 'response.reasoning_summary_text.delta', output_index: 0, delta: 'Plan: ' },
      { type: 'response.reasoning_text.delta', output_index: 0, delta: 'list files.' },
      { type: 'response.output_item.done', output_index: 0, item: { type: 'reasoning' } },
      { type: 'response.output_item.added', output_index: 1, item: { type: 'message', id: 'msg_1', role: 'assistant', content: [] } },
      { type: 'response.content_part.added', output_index: 1, content_index: 0, part: { type: 'output_text', text: '' } },
      { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Listing ' },
      { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: '' },
      { type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'now.' },
      { type: 'response.output_text.done', output_index: 1, content_index: 0, text: 'Listing now.' },
      { type: 'response.content_part.added', output_index: 1, content_index: 1, part: { type: 'refusal', refusal: '' } },
      { type: 'response.refusal.delta', output_index: 1, content_index: 1, delta: 'Not that one.' },
      { type: 'response.output_item.done', output_index: 1, item: { type: 'message' } },
      { type: 'response.output_item.added', output_index: 2, item: { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'shell', arguments: '' } },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '' },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '{"command":' },
      { type: 'response.function_call_arguments.delta', output_index: 2, delta: '["ls"]}' },
      { type: 'response.function_call_arguments.done', output_index: 2, arguments: '{"command":["ls"]}' },
      { type: 'response.output_item.done', output_index: 2, item: { type: 'function_call' } },
      { type: 'response.output_item.added', output_index: 3, item: { type: 'function_call' } },
      { type: 'response.output_item.done', output_index: 3, item: { type: 'function_call' } },
      {
        type: 'response.completed',
        response: response({
          status: 'completed',
          usage: {
            input_tokens: 120,
            input_tokens_details: { cached_tokens: 100 },
            output_tokens: 31,
            output_tokens_details: { reasoning_tokens: 12 },
            total_tokens: 151,
          },
        }),
      },
    ]);
    assert.deepEqual(events, [
      ['start', 'resp_1', 'gpt-5-codex'],
      ['other', 'reasoning'],
      ['reasoning', 'Plan: '],
      ['reasoning', 'list files.'],
      ['blockEnd'],
      ['text', 'Listing '],
      ['text', 'now.'],
      ['refusal', ''],
      ['refusal', 'Not that one.'],
      ['blockEnd'],
      ['toolCall', 'call_a', 'shell', undefined],
      ['arguments', '{"command":'],
      ['arguments', '["ls"]}'],
      ['blockEnd'],
      ['toolCall', '', '', undefined],
      ['blockEnd'],
      ['usage', { input: 120, output: 31, cacheRead: 100, reasoning: 12 }],
      ['finish', 'tool_use'],
    ]);
    assert.deepEqual(ends, [24], 'only response.completed ends the stream');
  });

  it('takes the start from the first of created, in_progress and queued, and fills in an id and model it lacks', () => {
    for (const first of ['response.created', 'response.in_progress', 'response.queued']) {
      assert.deepEqual(
        read([
          { type: first, response: { model: 42 } },
          { type: 'response.queued', response: response({}) },
          { type: 'response.in_progress', response: response({}) },
        ]).events,
        [['start', 'keybridge', undefined]],
        first,
      );
    }
    assert.deepEqual(read([{ type: 'response.created' }]).events, [['start', 'keybridge', undefined]], 'a created event without its response');
  });

  it('ends an answer that made no call as end, and one the provider cut short by its reason', () => {
    const cases: [Record<string, unknown>, AnswerEvent[]][] = [
      [{ type: 'response.completed', response: response({ status: 'completed' }) }, [['finish', 'end']]],
      [
        { type: 'response.incomplete', response: response({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }) },
        [['finish', 'max_tokens']],
      ],
      [
        { type: 'response.incomplete', response: response({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } }) },
        [['finish', 'refusal']],
      ],
      [{ type: 'response.incomplete', response: response({ status: 'incomplete', incomplete_details: { reason: 'a_future_reason' } }) }, [['finish', 'end']]],
      [{ type: 'response.incomplete' }, [['finish', 'end']]],
      [
        { type: 'response.completed', response: response({ usage: { input_tokens: 7, output_tokens: 2 } }) },
        [
          ['usage', { input: 7, output: 2, cacheRead: undefined, reasoning: undefined }],
          ['finish', 'end'],
        ],
      ],
    ];
    for (const [terminal, expected] of cases) {
      const { events, ends } = read([{ type: 'response.output_item.added', item: { type: 'message' } }, terminal]);
      assert.deepEqual(events, expected, JSON.stringify(terminal));
      assert.deepEqual(ends, [1], JSON.stringify(terminal));
    }
  });

  it('ends on response.failed and on an error event without saying how the answer finished, keeping the usage reported', () => {
    const failed = read([
      { type: 'response.output_item.added', item: { type: 'function_call', call_id: 'call_a', name: 'shell' } },
      { type: 'response.failed', response: response({ status: 'failed', error: { code: 'server_error' }, usage: { input_tokens: 5, output_tokens: 1 } }) },
    ]);
    assert.deepEqual(failed.events, [
      ['toolCall', 'call_a', 'shell', undefined],
      ['usage', { input: 5, output: 1, cacheRead: undefined, reasoning: undefined }],
    ]);
    assert.deepEqual(failed.ends, [1]);
    const error = read([{ type: 'error', code: 'rate_limit_exceeded', message: 'Slow down.' }]);
    assert.deepEqual(error.events, []);
    assert.deepEqual(error.ends, [0]);
  });

  it('passes built-in tool calls, other items and non-text parts on as other', () => {
    const { events, ends } = read([
      { type: 'response.output_item.added', item: { type: 'web_search_call', id: 'ws_1' } },
      { type: 'response.output_item.added', item: { type: 'image_generation' } },
      { type: 'response.output_item.added', item: { type: 7 } },
      { type: 'response.output_item.added' },
      { type: 'response.content_part.added', part: { type: 'output_audio' } },
      { type: 'response.content_part.added', part: {} },
      { type: 'response.content_part.added' },
      { type: 'response.output_text.annotation.added', annotation: { type: 'url_citation' } },
      { type: 'response.output_text.delta', delta: 7 },
      { type: 'response.refusal.delta', delta: 7 },
      { type: 'response.reasoning_summary_text.delta', delta: 7 },
      { type: 'response.reasoning_text.delta', delta: 7 },
      { type: 'response.function_call_arguments.delta', delta: 7 },
    ]);
    assert.deepEqual(events, [
      ['other', 'a tool call'],
      ['other', 'a image_generation item'],
      ['other', 'a non-message item'],
      ['other', 'a non-message item'],
      ['other', 'a output_audio part'],
      ['other', 'a non-text part'],
      ['other', 'a non-text part'],
    ]);
    assert.deepEqual(ends, []);
  });

  it('reads an event by its SSE name when its data has no type, and ignores comment blocks and data that is not JSON', () => {
    const { sink, events } = answerRecorder();
    const reader = new ResponsesEventReader();
    assert.equal(reader.read({ name: 'response.completed', data: undefined }, sink), false);
    assert.equal(reader.read({ name: 'response.completed', data: 'not json' }, sink), false);
    assert.equal(reader.read({ name: 'response.output_text.delta', data: JSON.stringify({ delta: 'Hi' }) }, sink), false);
    assert.equal(reader.read({ name: 'response.a_future_event', data: JSON.stringify({ delta: 'unseen' }) }, sink), false);
    assert.equal(reader.read({ name: 'response.completed', data: JSON.stringify({ response: {} }) }, sink), true);
    assert.deepEqual(events, [
      ['text', 'Hi'],
      ['finish', 'end'],
    ]);
  });
});
