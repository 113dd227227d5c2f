// Guards the Anthropic stream reader (docs/ARCHITECTURE.md §9): translation and continuation both read an
// Anthropic stream through it, so each event must reach the answer model once, as the block it belongs to — text
// only from text blocks, arguments only into the open tool call, thinking said at once even before its text — and
// only message_stop or an error ends the stream. The sink here writes down every call it gets.
import assert from 'node:assert/strict';
import type { AnswerSink } from '../../src/core/conversation/answerEvents';
import { answerRecorder } from '../helpers/answerRecorder';
import { MessagesEventReader } from '../../src/core/protocols/anthropicMessages/eventReader';

const recorder = answerRecorder;

/** Reads named events in order; answers which of them said the stream ended. */
function readAll(reader: MessagesEventReader, sink: AnswerSink, events: [string, unknown][]): boolean[] {
  return events.map(([name, data]) => reader.read({ name, data: typeof data === 'string' ? data : JSON.stringify(data) }, sink));
}

describe('Messages stream reader', () => {
  it('reads thinking, text and a tool call block by block, with the stop reason and the usage of both ends', () => {
    const { sink, events } = recorder();
    const ends = readAll(new MessagesEventReader(), sink, [
      [
        'message_start',
        { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 10, cache_read_input_tokens: 4, output_tokens: 1 } } },
      ],
      ['content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '' } }],
      ['content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Let me look.' } }],
      ['content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'anthropic-signature' } }],
      ['content_block_stop', { index: 0 }],
      ['content_block_start', { index: 1, content_block: { type: 'text', text: 'Run' } }],
      ['content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'ning ls.' } }],
      ['content_block_delta', { index: 1, delta: { type: 'citations_delta', citation: {} } }],
      ['content_block_stop', { index: 1 }],
      ['content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} } }],
      ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '' } }],
      ['content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"command":"ls"}' } }],
      ['content_block_stop', { index: 2 }],
      ['content_block_stop', { index: 2 }],
      ['message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }],
      ['message_stop', { type: 'message_stop' }],
    ]);
    assert.deepEqual(events, [
      ['start', 'msg_1', 'claude-x'],
      ['usage', { input: 14, cacheRead: 4, output: 1 }],
      ['reasoning', ''],
      ['reasoning', 'Let me look.'],
      ['signature', 'anthropic-signature'],
      ['blockEnd'],
      ['text', 'Run'],
      ['text', 'ning ls.'],
      ['blockEnd'],
      ['toolCall', 'toolu_1', 'Bash', undefined],
      ['arguments', '{"command":"ls"}'],
      ['blockEnd'],
      ['finish', 'tool_use'],
      ['usage', { input: 14, cacheRead: 4, output: 9 }],
    ]);
    assert.deepEqual(
      ends.map((end, i) => (end ? i : -1)).filter((i) => i >= 0),
      [15],
      'only message_stop ends the stream',
    );
  });

  it('ends on an error event, and reads events named only by their type', () => {
    const { sink, events } = recorder();
    const reader = new MessagesEventReader();
    assert.equal(reader.read({ name: '', data: JSON.stringify({ type: 'message_start', message: {} }) }, sink), false);
    assert.equal(reader.read({ name: '', data: JSON.stringify({ type: 'ping' }) }, sink), false);
    assert.equal(reader.read({ name: 'error', data: JSON.stringify({ type: 'error', error: { type: 'overloaded_error' } }) }, sink), true);
    assert.equal(reader.read({ name: '', data: JSON.stringify({ type: 'message_stop' }) }, sink), true);
    assert.deepEqual(events, [['start', 'keybridge', undefined]]);
  });

  it('ignores comment blocks and data that is not JSON', () => {
    const { sink, events } = recorder();
    const reader = new MessagesEventReader();
    assert.equal(reader.read({ name: 'message_stop', data: undefined }, sink), false);
    assert.equal(reader.read({ name: 'message_stop', data: 'not json' }, sink), false);
    assert.deepEqual(events, []);
  });

  it('passes on what the model does not carry as other, and keeps text and arguments out of blocks not their own', () => {
    const { sink, events } = recorder();
    readAll(new MessagesEventReader(), sink, [
      ['content_block_start', { index: 0, content_block: { type: 'redacted_thinking', data: 'opaque' } }],
      ['content_block_stop', { index: 0 }],
      ['content_block_start', { index: 1, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search' } }],
      ['content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' } }],
      ['content_block_start', { index: 2, content_block: { type: 'web_search_tool_result' } }],
      ['content_block_start', { index: 3, content_block: {} }],
      ['content_block_start', { index: 4, content_block: { type: 'thinking', thinking: 'Already some.' } }],
      ['content_block_delta', { index: 4, delta: { type: 'text_delta', text: 'not text' } }],
      ['content_block_delta', { index: 9, delta: { type: 'text_delta', text: 'unseen block' } }],
      ['content_block_delta', { index: 9, delta: { type: 'text_delta', text: '' } }],
      ['content_block_delta', { index: 4, delta: { type: 'a_future_delta' } }],
      ['content_block_delta', { index: 4, delta: {} }],
      ['message_delta', { delta: {} }],
    ]);
    assert.deepEqual(events, [
      ['other', 'a thinking block'],
      ['other', 'a tool call'],
      ['other', 'a tool call'],
      ['other', 'a web_search_tool_result block'],
      ['other', 'a non-text block'],
      ['reasoning', 'Already some.'],
      ['text', 'unseen block'],
      ['other', 'a a_future_delta block'],
      ['other', 'a non-text block'],
    ]);
  });

  it('fills in what an event left out: no message, no id or model, blocks and deltas without their text', () => {
    const { sink, events } = recorder();
    readAll(new MessagesEventReader(), sink, [
      ['message_start', { type: 'message_start' }],
      ['message_start', { type: 'message_start', message: { model: 7, usage: { input_tokens: 2, cache_creation_input_tokens: 5 } } }],
      ['content_block_start', { index: 0, content_block: { type: 'text' } }],
      ['content_block_delta', { index: 0, delta: { type: 'text_delta' } }],
      ['content_block_start', { index: 1, content_block: { type: 'text', text: '' } }],
      ['content_block_start', { index: 2, content_block: { type: 'thinking' } }],
      ['content_block_delta', { index: 2, delta: { type: 'thinking_delta' } }],
      ['content_block_delta', { index: 2, delta: { type: 'signature_delta' } }],
      ['content_block_start', { index: 3, content_block: { type: 'tool_use' } }],
      ['content_block_delta', { index: 3, delta: { type: 'input_json_delta' } }],
      ['message_delta', { usage: { output_tokens: 3 } }],
    ]);
    assert.deepEqual(events, [
      ['start', 'keybridge', undefined],
      ['start', 'keybridge', undefined],
      ['usage', { input: 7, cacheWrite: 5 }],
      ['reasoning', ''],
      ['reasoning', ''],
      ['signature', ''],
      ['toolCall', '', '', undefined],
      ['usage', { input: 7, cacheWrite: 5, output: 3 }],
    ]);
    const outputOnly = recorder();
    readAll(new MessagesEventReader(), outputOnly.sink, [['message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }]]);
    assert.deepEqual(outputOnly.events, [
      ['finish', 'end'],
      ['usage', { output: 3 }],
    ]);
  });
});
