// Guards the translated stream as the relay drives it (docs/ARCHITECTURE.md §9): the upstream's last event ends the
// client's answer at once, nothing is written after the end however the upstream goes on, the characters a final
// event repeats are counted while the answer streams, and a format without a non-streamed answer reader is refused
// loudly rather than answered with nothing.
import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import { openaiChatCodec } from '../../src/core/protocols/openaiChat/codec';
import { openaiResponsesCodec } from '../../src/core/protocols/openaiResponses/codec';
import { chatToResponsesStream, messagesToChatStream, translatedAnswer } from '../../src/core/translation/answerTranslation';

const anthropic = (name: string, payload: Record<string, unknown>): SseEvent => ({ name, data: JSON.stringify({ type: name, ...payload }) });
const text = (index: number, delta: string) => anthropic('content_block_delta', { index, delta: { type: 'text_delta', text: delta } });

describe('translated stream', () => {
  it('ends the client answer on the upstream last event, once, and writes nothing for what the upstream sends after it', () => {
    const stream = messagesToChatStream('gpt-4o', 1_700_000_000, false);
    const written = [
      anthropic('message_start', { message: { id: 'msg_1', model: 'claude-x' } }),
      anthropic('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      text(0, 'Hi'),
      anthropic('content_block_stop', { index: 0 }),
      anthropic('message_delta', { delta: { stop_reason: 'end_turn' } }),
    ].flatMap((event) => stream.push(event));
    assert.equal(written.length, 2, 'the role chunk and the text chunk');
    assert.equal(stream.finishSeen, true);
    const last = stream.push(anthropic('message_stop', {}));
    assert.deepEqual(
      last.map((event) => event.data === '[DONE]' || (JSON.parse(event.data ?? '') as { choices: { finish_reason: string }[] }).choices[0].finish_reason),
      ['stop', true],
    );
    assert.deepEqual(stream.push(text(0, 'late')), [], 'nothing after the end');
    assert.deepEqual(stream.end(), []);
  });

  it('leaves a stream whose upstream ended without a finish open, so the relay can end it with the client error', () => {
    const stream = messagesToChatStream('gpt-4o', 1_700_000_000, false);
    stream.push(anthropic('message_start', { message: { id: 'msg_1' } }));
    assert.deepEqual(stream.push(anthropic('error', { error: { type: 'overloaded_error' } })), []);
    assert.equal(stream.finishSeen, false);
    assert.equal(stream.push(anthropic('content_block_start', { index: 0, content_block: { type: 'text', text: 'still open' } })).length, 1);
  });

  it('counts the characters the final response object repeats while a Responses answer streams', () => {
    const stream = chatToResponsesStream('gpt-5-codex', 1_700_000_000);
    const chunk = (delta: Record<string, unknown>): SseEvent => ({ name: '', data: JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 0, delta }] }) });
    stream.push(chunk({ content: 'Hello' }));
    stream.push(chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'shell', arguments: '{"a":1}' } }] }));
    assert.equal(stream.heldChars, 'Hello'.length + '{"a":1}'.length);
  });

  it('refuses a non-streamed answer from a format that has no answer reader', () => {
    assert.throws(
      () => translatedAnswer(openaiResponsesCodec, openaiChatCodec, {}, { model: 'm', createdAt: 0, client: {} }),
      /no answer reader for OpenAI Responses/,
    );
  });
});
