// Guards the Chat Completions stream reader and writer (docs/ARCHITECTURE.md §9). The reader takes a Chat
// provider's stream — in each provider's own shape: reasoning under three names, Mistral's content chunks, Gemini's
// calls that share an index or have none, Groq's and Moonshot's usage places — into the answer model, each thing
// once; the writer gives a Chat client (opencode, Continue…) the chunks a Chat provider would have sent.
import assert from 'node:assert/strict';
import { answerRecorder, type AnswerEvent } from '../helpers/answerRecorder';
import type { SseEvent } from '../../src/core/protocols/sse';
import { parseWire, type Wire } from '../../src/core/protocols/wire';
import { ChatEventReader } from '../../src/core/protocols/openaiChat/eventReader';
import { ChatEventWriter } from '../../src/core/protocols/openaiChat/eventWriter';

/** The model events of the chunks read in order (made-up call ids named by their index), and which ended it. */
function read(chunks: (Wire | string | undefined)[]): { events: AnswerEvent[]; ends: number[] } {
  const { sink, events } = answerRecorder();
  const reader = new ChatEventReader();
  const ends = chunks
    .map((chunk) => reader.read({ name: '', data: chunk === undefined || typeof chunk === 'string' ? chunk : JSON.stringify(chunk) }, sink))
    .map((end, i) => (end ? i : -1))
    .filter((i) => i >= 0);
  const named = events.map((event): AnswerEvent =>
    event[0] === 'toolCall' && typeof event[1] === 'string'
      ? [event[0], event[1].replace(/^call_kb[0-9a-f]{12}_(\d+)$/, 'made-up $1'), ...event.slice(2)]
      : event,
  );
  return { events: named, ends };
}

const choice = (delta: Wire | undefined, finish: string | null = null, extra: Wire = {}) => ({
  choices: [{ index: 0, ...(delta && { delta }), finish_reason: finish, ...extra }],
});
const call = (fields: Wire) => choice({ tool_calls: [fields] });

describe('Chat stream reader', () => {
  it('reads reasoning under each name, text as a string or in chunks, refusals and the finish, starting once', () => {
    const { events, ends } = read([
      { id: 'chatcmpl-1', model: 'deepseek-reasoner', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
      { id: 'chatcmpl-other', model: 'other', ...choice({ reasoning_content: 'DeepSeek thinks.' }) },
      choice({ reasoning: 'OpenRouter thinks.', reasoning_details: [{ type: 'reasoning.text', text: 'OpenRouter thinks.' }] }),
      choice({ reasoning_details: [], content: null }),
      choice({ thinking: 'Another thinks.' }),
      choice({ reasoning_details: [{ type: 'reasoning.encrypted', data: 'opaque' }] }),
      choice({ content: 'Hello' }),
      choice({
        content: [
          { type: 'thinking', thinking: [{ type: 'text', text: 'Mistral thinks.' }, { type: 'text', text: '' }, { text: 7 }] },
          { type: 'text', text: ' world' },
          { type: 'text', text: '' },
          { type: 'text' },
          { type: 'image_url', image_url: 'https://example.invalid/a.png', text: 'not text', thinking: [{ type: 'text', text: 'not thinking' }] },
        ],
      }),
      choice({ refusal: '' }),
      choice({ refusal: 'No.' }),
      choice(undefined, 'a_future_reason'),
      '[DONE]',
    ]);
    assert.deepEqual(events, [
      ['start', 'chatcmpl-1', 'deepseek-reasoner'],
      ['reasoning', 'DeepSeek thinks.'],
      ['reasoning', 'OpenRouter thinks.'],
      ['reasoning', 'Another thinks.'],
      ['other', 'reasoning'],
      ['text', 'Hello'],
      ['reasoning', 'Mistral thinks.'],
      ['text', ' world'],
      ['refusal', 'No.'],
      ['finish', 'end'],
    ]);
    assert.deepEqual(ends, [11], 'only [DONE] ends the stream');
  });

  it('tells tool calls apart by index and by id, whichever the provider sends, and passes each fragment on', () => {
    const { events } = read([
      {
        model: 7,
        ...call({
          index: 0,
          id: 'call_a',
          type: 'function',
          function: { name: 'Bash', arguments: '' },
          extra_content: { google: { thought_signature: 'sig-a' } },
        }),
      },
      call({ function: { arguments: '{"command":' } }),
      call({ index: 0, id: 'call_a', function: { arguments: '"ls"}' } }),
      call({ index: 0, id: 'call_b', function: { name: 'Read', arguments: { path: 'a.txt' } }, extra_content: { google: { thought_signature: '' } } }),
      call({ index: 3, function: { name: 'Glob', arguments: null }, extra_content: { google: { thought_signature: 7 } } }),
      call({ index: 3, function: { arguments: 5 } }),
      call({ index: 4 }),
      choice({}, 'stop'),
    ]);
    assert.deepEqual(events, [
      ['start', 'keybridge', undefined],
      ['toolCall', 'call_a', 'Bash', 'sig-a'],
      ['arguments', '{"command":'],
      ['arguments', '"ls"}'],
      ['toolCall', 'call_b', 'Read', undefined],
      ['arguments', '{"path":"a.txt"}'],
      ['toolCall', 'made-up 3', 'Glob', undefined],
      ['toolCall', 'made-up 4', '', undefined],
      ['finish', 'tool_use'],
    ]);
    assert.deepEqual(
      read([choice({ function_call: { name: 'legacy', arguments: '' } }), choice({ function_call: { arguments: '{}' } }), choice({}, 'function_call')]).events,
      [
        ['start', 'keybridge', undefined],
        ['toolCall', 'made-up 0', 'legacy', undefined],
        ['arguments', '{}'],
        ['finish', 'tool_use'],
      ],
    );
  });

  it('continues a call opened without an index by a fragment with one, and one opened with a non-numeric index by the next fragment', () => {
    assert.deepEqual(
      read([call({ id: 'function-call-1', function: { name: 'Bash', arguments: '{' } }), call({ index: 0, function: { arguments: '}' } })]).events,
      [
        ['start', 'keybridge', undefined],
        ['toolCall', 'function-call-1', 'Bash', undefined],
        ['arguments', '{'],
        ['arguments', '}'],
      ],
    );
    assert.deepEqual(
      read([call({ index: '0', id: 'call_a', function: { name: 'Bash', arguments: '{' } }), call({ index: 1, function: { arguments: '}' } })]).events,
      [
        ['start', 'keybridge', undefined],
        ['toolCall', 'call_a', 'Bash', undefined],
        ['arguments', '{'],
        ['arguments', '}'],
      ],
    );
  });

  it('reads usage wherever the provider puts it, passes further choices on as other, and ends on an error chunk', () => {
    const { events, ends } = read([
      {
        id: 'chatcmpl-2',
        choices: [
          { index: 1, delta: { content: 'second choice' } },
          { index: 0, delta: { content: 'first' } },
        ],
        x_groq: { usage: { prompt_tokens: 3, completion_tokens: 1 } },
      },
      { choices: [{ delta: { content: ' and only' } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'length', usage: { prompt_tokens: 5, completion_tokens: 2, cached_tokens: 1 } }] },
      { choices: [], usage: { prompt_tokens: 6, completion_tokens: 2, prompt_cache_hit_tokens: 4, completion_tokens_details: { reasoning_tokens: 1 } } },
      { error: { message: 'Internal error' } },
    ]);
    assert.deepEqual(events, [
      ['start', 'chatcmpl-2', undefined],
      ['other', 'several choices'],
      ['text', 'first'],
      ['usage', { input: 3, output: 1, cacheRead: undefined, reasoning: undefined }],
      ['text', ' and only'],
      ['finish', 'max_tokens'],
      ['usage', { input: 5, output: 2, cacheRead: 1, reasoning: undefined }],
      ['usage', { input: 6, output: 2, cacheRead: 4, reasoning: 1 }],
    ]);
    assert.deepEqual(ends, [4]);
  });

  it('ignores comment blocks and data that is not JSON', () => {
    const { events, ends } = read([undefined, 'not json', '']);
    assert.deepEqual(events, []);
    assert.deepEqual(ends, []);
  });
});

/** Each chunk's JSON, or the [DONE] line as it is. */
function chunks(events: SseEvent[]): (Wire | string | undefined)[] {
  return events.map((event) => {
    assert.equal(event.name, '', 'Chat chunks are unnamed events');
    return event.data === '[DONE]' ? event.data : parseWire(event.data ?? '');
  });
}

describe('Chat stream writer', () => {
  const frame = (fields: Wire, id = 'chatcmpl-up1') => ({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o', ...fields });
  const delta = (d: Wire, finish: string | null = null, id?: string) => frame({ choices: [{ index: 0, delta: d, finish_reason: finish }] }, id);

  it('writes the role once, text and refusals, each call with its fragments, no reasoning, then the finish, usage and [DONE]', () => {
    const writer = new ChatEventWriter('gpt-4o', 1_700_000_000, true);
    writer.toolArguments('{"before":"any call"}');
    writer.start('up1');
    writer.start('up2');
    writer.reasoning();
    writer.reasoningSignature();
    writer.text('');
    writer.text('Hi');
    writer.refusal('');
    writer.refusal('No.');
    writer.toolCall('call_a', 'Bash');
    writer.toolArguments('{"command":"ls"}');
    writer.blockEnd();
    writer.toolCall('call_b', 'Read');
    writer.toolArguments('{}');
    writer.usage({ input: 10, output: 4, cacheRead: 3, reasoning: 2 });
    writer.finish('tool_use');
    writer.other();
    assert.equal(writer.heldChars, 0);
    assert.deepEqual(chunks([...writer.take(), ...writer.end()]), [
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Hi' }),
      delta({ refusal: 'No.' }),
      delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'Bash', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"command":"ls"}' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'Read', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      delta({}, 'tool_calls'),
      frame({
        choices: [],
        usage: {
          prompt_tokens: 10,
          completion_tokens: 4,
          total_tokens: 14,
          prompt_tokens_details: { cached_tokens: 3 },
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      }),
      '[DONE]',
    ]);
    assert.deepEqual(writer.end(), [], 'the answer is ended once');
  });

  it('ends an answer that said nothing with the finish chunk and [DONE] alone when the client asked for no usage', () => {
    const writer = new ChatEventWriter('gpt-4o', 1_700_000_000, false);
    assert.equal(writer.finishSeen, false);
    assert.deepEqual(chunks(writer.end()), [delta({}, 'stop', 'chatcmpl-keybridge'), '[DONE]']);
  });
});
