// Guards tool calls a Chat provider sent without an id (the legacy `function_call`, some compatible servers): the id
// the bridge makes up is unique to the answer, so two answers' calls never share one in the client's history (an
// Anthropic client would hold duplicate tool_use ids, and a Responses history would pair one result twice).
import assert from 'node:assert/strict';
import type { AnswerSink } from '../../src/core/conversation/answerEvents';
import { answerRecorder } from '../helpers/answerRecorder';
import { readChatAnswer } from '../../src/core/protocols/openaiChat/answerReader';
import { ChatEventReader } from '../../src/core/protocols/openaiChat/eventReader';

/** The ids of the tool calls an answer reader reported. */
function recorder(): { sink: AnswerSink; ids: string[] } {
  const ids: string[] = [];
  const { sink } = answerRecorder();
  return { sink: { ...sink, toolCall: (id, name, thoughtSignature) => (ids.push(id), sink.toolCall(id, name, thoughtSignature)) }, ids };
}

const legacyAnswer = {
  id: 'chatcmpl-1',
  choices: [{ index: 0, message: { role: 'assistant', content: null, function_call: { name: 'ls', arguments: '{}' } }, finish_reason: 'function_call' }],
};

describe('tool calls that came without an id', () => {
  it('get an id of their own in each non-streamed answer, the same for a call everywhere it is read', () => {
    const first = recorder();
    const second = recorder();
    readChatAnswer(legacyAnswer, first.sink);
    readChatAnswer(legacyAnswer, second.sink);
    assert.equal(first.ids.length, 1);
    assert.equal(second.ids.length, 1);
    assert.notEqual(first.ids[0], second.ids[0], 'two answers, two ids');
    assert.match(first.ids[0], /^call_kb[0-9a-f]{12}_0$/);
  });

  it('get an id of their own in each streamed answer, one per call within it', () => {
    const ids: string[][] = [];
    for (let answer = 0; answer < 2; answer++) {
      const reader = new ChatEventReader();
      const { sink, ids: seen } = recorder();
      reader.readJson('', { id: 'chatcmpl-2', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'ls', arguments: '' } }] } }] }, sink);
      reader.readJson('', { id: 'chatcmpl-2', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] } }] }, sink);
      reader.readJson(
        '',
        { id: 'chatcmpl-2', choices: [{ index: 0, delta: { tool_calls: [{ index: 1, function: { name: 'cat', arguments: '{}' } }] } }] },
        sink,
      );
      ids.push(seen);
    }
    assert.equal(ids[0].length, 2, 'two calls, the second fragment continuing the first');
    assert.notEqual(ids[0][0], ids[0][1]);
    assert.ok(
      ids[0].every((id) => !ids[1].includes(id)),
      `no id shared between answers: ${JSON.stringify(ids)}`,
    );
  });

  it('keep the id the provider gave', () => {
    const { sink, ids } = recorder();
    readChatAnswer(
      {
        choices: [
          {
            message: { role: 'assistant', tool_calls: [{ id: 'call_given', type: 'function', function: { name: 'ls', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      },
      sink,
    );
    assert.deepEqual(ids, ['call_given']);
  });
});
