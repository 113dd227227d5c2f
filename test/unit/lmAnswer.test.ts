// Guards how a streamed answer becomes VS Code's response parts: text as it arrives, a tool call only once its
// arguments are complete (VS Code takes one input object), an error event or a cut stream as an error rather
// than a short answer passed off as complete — in both protocols.
import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import { answerReader, AnswerStreamError, type AnswerPart } from '../../src/core/languageModels/lmAnswer';

const data = (payload: unknown, name = ''): SseEvent => ({ name, data: typeof payload === 'string' ? payload : JSON.stringify(payload) });
const anthropicEvent = (payload: { type: string } & Record<string, unknown>): SseEvent => data(payload, payload.type);
const chunk = (delta: unknown, finish: string | null = null): SseEvent => data({ id: 'c1', choices: [{ index: 0, delta, finish_reason: finish }] });

function readAll(protocol: 'openai' | 'anthropic', events: SseEvent[]): AnswerPart[][] {
  const reader = answerReader(protocol);
  const out = events.map((e) => reader.push(e));
  reader.end();
  return out;
}

describe('bridge answer stream → VS Code response parts', () => {
  it('Anthropic: text deltas at once, a tool call when its block stops, with the input parsed', () => {
    const parts = readAll('anthropic', [
      anthropicEvent({ type: 'message_start', message: {} }),
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } }),
      anthropicEvent({ type: 'content_block_stop', index: 0 }),
      anthropicEvent({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} } }),
      anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"ci' } }),
      anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ty":"Oslo"}' } }),
      anthropicEvent({ type: 'content_block_stop', index: 1 }),
      anthropicEvent({ type: 'message_delta', delta: { stop_reason: 'tool_use' } }),
      anthropicEvent({ type: 'message_stop' }),
    ]);
    assert.deepEqual(parts, [
      [],
      [],
      [{ kind: 'text', text: 'Hel' }],
      [{ kind: 'text', text: 'lo' }],
      [],
      [],
      [],
      [],
      [{ kind: 'toolCall', callId: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }],
      [],
      [],
    ]);
  });

  it('Chat: text and two parallel tool calls, each reported whole', () => {
    const parts = readAll('openai', [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'On it.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Oslo"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"Rome"}' } }] }),
      chunk({}, 'tool_calls'),
      data('[DONE]'),
    ]).flat();
    assert.deepEqual(parts, [
      { kind: 'text', text: 'On it.' },
      { kind: 'toolCall', callId: 'call_a', name: 'weather', input: { city: 'Oslo' } },
      { kind: 'toolCall', callId: 'call_b', name: 'weather', input: { city: 'Rome' } },
    ]);
  });

  it('keeps tool arguments that are not JSON where the caller can see them', () => {
    const parts = readAll('openai', [
      chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'run', arguments: '{"cmd": ' } }] }),
      chunk({}, 'tool_calls'),
      data('[DONE]'),
    ]).flat();
    assert.deepEqual(parts, [{ kind: 'toolCall', callId: 'call_a', name: 'run', input: { _raw_arguments: '{"cmd": ' } }]);
  });

  it('throws the message of an error event (the bridge ends a failed stream with one)', () => {
    const anthropic = answerReader('anthropic');
    assert.throws(
      () => anthropic.push(anthropicEvent({ type: 'error', error: { type: 'overloaded_error', message: 'KeyBridge: the provider stalled' } })),
      (e: unknown) => e instanceof AnswerStreamError && e.message === 'KeyBridge: the provider stalled' && e.type === 'overloaded_error',
    );
    const chat = answerReader('openai');
    chat.push(chunk({ content: 'Hal' }));
    assert.throws(() => chat.push(data({ error: { message: 'KeyBridge: stream cut', type: 'server_error' } })), /KeyBridge: stream cut/);
  });

  it('throws when the stream ends without saying the answer is complete', () => {
    const anthropic = answerReader('anthropic');
    anthropic.push(anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half' } }));
    assert.throws(() => anthropic.end(), AnswerStreamError);
    const chat = answerReader('openai');
    chat.push(chunk({ content: 'Half' }));
    assert.throws(() => chat.push(data('[DONE]')), /ended before it was complete/);
    const silent = answerReader('openai');
    silent.push(chunk({ content: 'Half' }));
    assert.throws(() => silent.end(), /ended before it was complete/);
  });
});
