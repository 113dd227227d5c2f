// Guards the Anthropic Messages stream writer (docs/ARCHITECTURE.md §9), what Claude Code reads when its pool
// answers in another protocol: every event exactly as Anthropic streams it — one message_start, blocks with
// consecutive indices each stopped before the next starts, refusals as text, tool-call ids Anthropic takes,
// thinking only as a carrier for a provider that wants its reasoning back (signed with it), the stop reason and
// usage in the one message_delta, then message_stop, once.
import assert from 'node:assert/strict';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import type { SseEvent } from '../../src/core/protocols/sse';
import { parseWire, type Wire } from '../../src/core/protocols/wire';
import { MessagesEventWriter } from '../../src/core/protocols/anthropicMessages/eventWriter';

/** Each event as [name, payload without its type], after checking the type names the event. */
function payloads(events: SseEvent[]): [string, Wire][] {
  return events.map((event, i) => {
    const data = parseWire(event.data ?? '');
    assert.ok(data, `event ${i} carries a JSON object`);
    const { type, ...rest } = data;
    assert.equal(type, event.name, `event ${i} is named by its type`);
    return [event.name, rest];
  });
}

const messageStart = (id: string) => ({
  message: {
    id,
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  },
});
const blockStart = (index: number, content_block: Wire): [string, Wire] => ['content_block_start', { index, content_block }];
const blockDelta = (index: number, delta: Wire): [string, Wire] => ['content_block_delta', { index, delta }];
const blockStop = (index: number): [string, Wire] => ['content_block_stop', { index }];
const thinkingBlock = { type: 'thinking', thinking: '', signature: '' };

describe('Messages stream writer', () => {
  it('writes carried thinking, text with the refusal in it, and tool calls with ids Anthropic takes, then the stop reason and usage', () => {
    const writer = new MessagesEventWriter('claude-x', undefined, 'gemini');
    writer.start('up1');
    writer.start('up2');
    writer.reasoning('');
    writer.reasoning('Plan');
    writer.reasoning(' it.');
    writer.text('');
    writer.text('Hi');
    writer.refusal(' no');
    writer.toolArguments('{"not":"a call"}');
    writer.toolCall('functions.Bash:0', 'Bash', 'sig-a');
    writer.toolArguments('{"c":1}');
    writer.blockEnd();
    writer.blockEnd();
    writer.toolCall('', 'noop', undefined);
    writer.toolCall('', 'noop2', undefined);
    writer.usage({ input: 10, output: 4, cacheRead: 3, cacheWrite: 2 });
    writer.finish('tool_use');
    assert.equal(writer.heldChars, 0);
    assert.deepEqual(payloads([...writer.take(), ...writer.end()]), [
      ['message_start', messageStart('msg_up1')],
      blockStart(0, thinkingBlock),
      blockDelta(0, { type: 'thinking_delta', thinking: 'Plan' }),
      blockDelta(0, { type: 'thinking_delta', thinking: ' it.' }),
      blockDelta(0, { type: 'signature_delta', signature: encodeCarriedReasoning({ dialect: 'gemini' }) }),
      blockStop(0),
      blockStart(1, { type: 'text', text: '' }),
      blockDelta(1, { type: 'text_delta', text: 'Hi' }),
      blockDelta(1, { type: 'text_delta', text: ' no' }),
      blockStop(1),
      blockStart(2, thinkingBlock),
      blockDelta(2, { type: 'signature_delta', signature: encodeCarriedReasoning({ dialect: 'gemini', thoughtSignatures: { functions_Bash_0: 'sig-a' } }) }),
      blockStop(2),
      blockStart(3, { type: 'tool_use', id: 'functions_Bash_0', name: 'Bash', input: {} }),
      blockDelta(3, { type: 'input_json_delta', partial_json: '{"c":1}' }),
      blockStop(3),
      blockStart(4, { type: 'tool_use', id: 'call_1', name: 'noop', input: {} }),
      blockStop(4),
      blockStart(5, { type: 'tool_use', id: 'call_2', name: 'noop2', input: {} }),
      blockStop(5),
      [
        'message_delta',
        {
          delta: { stop_reason: 'tool_use', stop_sequence: null },
          usage: { input_tokens: 5, output_tokens: 4, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
        },
      ],
      ['message_stop', {}],
    ]);
    assert.deepEqual(writer.end(), [], 'the answer is ended once');
  });

  it('writes no thinking without a provider that wants it back, and starts and ends an answer that began with a call', () => {
    const writer = new MessagesEventWriter('claude-x');
    writer.toolArguments('{"not":"a call"}');
    writer.reasoning('hidden');
    writer.toolCall('call_a', 'Bash', 'sig-a');
    writer.toolArguments('');
    writer.blockEnd();
    writer.blockEnd();
    writer.finish('refusal');
    assert.deepEqual(payloads(writer.end()), [
      ['message_start', messageStart('msg_keybridge')],
      blockStart(0, { type: 'tool_use', id: 'call_a', name: 'Bash', input: {} }),
      blockDelta(0, { type: 'input_json_delta', partial_json: '' }),
      blockStop(0),
      ['message_delta', { delta: { stop_reason: 'refusal', stop_sequence: null }, usage: { input_tokens: 0, output_tokens: 0 } }],
      ['message_stop', {}],
    ]);
  });

  it('ends an answer that said nothing as a whole message, and keeps a text block open across text deltas until its upstream block ends', () => {
    assert.deepEqual(payloads(new MessagesEventWriter('claude-x').end()), [
      ['message_start', messageStart('msg_keybridge')],
      ['message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 0, output_tokens: 0 } }],
      ['message_stop', {}],
    ]);
    const writer = new MessagesEventWriter('claude-x');
    writer.text('a');
    writer.text('b');
    writer.blockEnd();
    writer.text('c');
    writer.finish('max_tokens');
    assert.deepEqual(
      payloads(writer.end()).map(([name, payload]) => [name, payload.index]),
      [
        ['message_start', undefined],
        ['content_block_start', 0],
        ['content_block_delta', 0],
        ['content_block_delta', 0],
        ['content_block_stop', 0],
        ['content_block_start', 1],
        ['content_block_delta', 1],
        ['content_block_stop', 1],
        ['message_delta', undefined],
        ['message_stop', undefined],
      ],
    );
  });
});
