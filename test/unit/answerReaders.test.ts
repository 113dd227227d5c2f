// Guards the non-streamed answer readers (docs/ARCHITECTURE.md §9): each reads a provider's whole answer into the
// answer model in the order a stream of it would have come, so the writers write the same thing whether the
// provider streamed or not. The sink here writes down every call it gets, nothing more: the events are the model.
import assert from 'node:assert/strict';
import { answerRecorder } from '../helpers/answerRecorder';
import { readMessagesAnswer } from '../../src/core/protocols/anthropicMessages/answerReader';
import { readChatAnswer } from '../../src/core/protocols/openaiChat/answerReader';

const recorder = answerRecorder;

describe('Messages answer reader', () => {
  it('reads thinking, text and tool use block by block, with usage counted inside the input and the stop reason', () => {
    const { sink, events } = recorder();
    readMessagesAnswer(
      {
        id: 'msg_1',
        type: 'message',
        model: 'claude-x',
        content: [
          { type: 'thinking', thinking: 'Let me look.', signature: 'anthropic-signature' },
          { type: 'text', text: 'Running ls.' },
          { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 7 },
      },
      sink,
    );
    assert.deepEqual(events, [
      ['start', 'msg_1', 'claude-x'],
      ['reasoning', 'Let me look.'],
      ['signature', 'anthropic-signature'],
      ['blockEnd'],
      ['text', 'Running ls.'],
      ['blockEnd'],
      ['toolCall', 'toolu_1', 'Bash', undefined],
      ['arguments', '{"command":"ls"}'],
      ['blockEnd'],
      ['usage', { input: 15, cacheRead: 5, output: 7 }],
      ['finish', 'tool_use'],
    ]);
  });

  it('opens empty blocks without a delta, passes other blocks on as other, and fills in what the answer left out', () => {
    const { sink, events } = recorder();
    readMessagesAnswer(
      {
        content: [
          { type: 'text', text: '' },
          { type: 'thinking', thinking: '' },
          { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
          { type: 'tool_use', name: 'Read' },
          { kind: 'no type at all' },
        ],
      },
      sink,
    );
    assert.deepEqual(events, [
      ['start', 'keybridge', undefined],
      ['blockEnd'],
      ['blockEnd'],
      ['other', 'a server_tool_use block'],
      ['toolCall', '', 'Read', undefined],
      ['arguments', '{}'],
      ['blockEnd'],
      ['other', 'a non-text block'],
      ['finish', 'end'],
    ]);
  });

  it('fills in the text, thinking, id and name a block left out, and a model that is not a name', () => {
    const { sink, events } = recorder();
    readMessagesAnswer({ model: 7, content: [{ type: 'text' }, { type: 'thinking' }, { type: 'tool_use' }], stop_reason: 'max_tokens' }, sink);
    assert.deepEqual(events, [
      ['start', 'keybridge', undefined],
      ['blockEnd'],
      ['blockEnd'],
      ['toolCall', '', '', undefined],
      ['arguments', '{}'],
      ['blockEnd'],
      ['finish', 'max_tokens'],
    ]);
  });
});

describe('Chat answer reader', () => {
  it('reads reasoning, text, tool calls with their thought signatures, usage and the finish reason', () => {
    const { sink, events } = recorder();
    readChatAnswer(
      {
        id: 'chatcmpl-1',
        model: 'deepseek-reasoner',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              reasoning_content: 'Think first.',
              content: 'Running it.',
              tool_calls: [
                {
                  id: 'call_a',
                  type: 'function',
                  function: { name: 'Bash', arguments: '{"command":"ls"}' },
                  extra_content: { google: { thought_signature: 'gemini-sig' } },
                },
                { type: 'function', function: { name: 'Read', arguments: { path: 'a.txt' } } },
                { id: 'call_c', type: 'function', function: { name: 'Noop', arguments: '' } },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 20, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4 } },
      },
      sink,
    );
    assert.deepEqual(madeUpIdsNamed(events), [
      ['start', 'chatcmpl-1', 'deepseek-reasoner'],
      ['reasoning', 'Think first.'],
      ['text', 'Running it.'],
      ['toolCall', 'call_a', 'Bash', 'gemini-sig'],
      ['arguments', '{"command":"ls"}'],
      ['blockEnd'],
      ['toolCall', 'made-up 1', 'Read', undefined],
      ['arguments', '{"path":"a.txt"}'],
      ['blockEnd'],
      ['toolCall', 'call_c', 'Noop', undefined],
      ['blockEnd'],
      ['usage', { input: 20, output: 9, cacheRead: 4, reasoning: undefined }],
      ['finish', 'tool_use'],
    ]);
  });

  it('reads a refusal and a legacy function_call, an answer that made calls ending in tool_use without a finish reason', () => {
    const { sink, events } = recorder();
    readChatAnswer({ choices: [{ message: { content: null, refusal: 'I cannot help.', function_call: { name: 'lookup', arguments: '{}' } } }] }, sink);
    assert.deepEqual(madeUpIdsNamed(events), [
      ['start', 'keybridge', undefined],
      ['refusal', 'I cannot help.'],
      ['toolCall', 'made-up 0', 'lookup', undefined],
      ['arguments', '{}'],
      ['blockEnd'],
      ['finish', 'tool_use'],
    ]);
  });

  it('reads an answer with no choice as an empty one that ended', () => {
    const { sink, events } = recorder();
    readChatAnswer({ id: 'chatcmpl-2', model: 7, choices: [], refusal: '' }, sink);
    assert.deepEqual(events, [
      ['start', 'chatcmpl-2', undefined],
      ['finish', 'end'],
    ]);
    const empty = recorder();
    readChatAnswer({ choices: [{ message: { refusal: '', tool_calls: [{ function: {} }] }, finish_reason: 'length' }] }, empty.sink);
    assert.deepEqual(madeUpIdsNamed(empty.events), [
      ['start', 'keybridge', undefined],
      ['toolCall', 'made-up 0', '', undefined],
      ['blockEnd'],
      ['finish', 'max_tokens'],
    ]);
    const noFunction = recorder();
    readChatAnswer({ choices: [{ message: { tool_calls: [{ id: 'call_a', type: 'function' }] }, finish_reason: 'tool_calls' }] }, noFunction.sink);
    assert.deepEqual(noFunction.events, [['start', 'keybridge', undefined], ['toolCall', 'call_a', '', undefined], ['blockEnd'], ['finish', 'tool_use']]);
  });
});

/** The ids the reader makes up for calls sent without one (unique to each answer, madeUpToolIds.test.ts) by their index. */
function madeUpIdsNamed(events: unknown[][]): unknown[][] {
  return events.map((event) =>
    event[0] === 'toolCall' && typeof event[1] === 'string'
      ? [event[0], event[1].replace(/^call_kb[0-9a-f]{12}_(\d+)$/, 'made-up $1'), ...event.slice(2)]
      : event,
  );
}
