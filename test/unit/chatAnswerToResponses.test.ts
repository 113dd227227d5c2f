// Guards the Chat Completions → OpenAI Responses answer translation (issue 11): Codex behind a Chat-only pool needs
// the typed Responses events through response.completed with usage ("stream disconnected before completion"
// otherwise). The real `openai` SDK must assemble the translated stream into the answer the provider gave — text,
// function calls with their arguments, status, usage — with argument fragments passed on as they arrive, and a
// non-streamed answer must carry the same output items.
import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import { chatToResponsesAnswer, chatToResponsesStream } from '../../src/core/translation/answerTranslation';
import { dialectTraits } from '../../src/core/providers/dialect';
import { responsesToChat } from '../helpers/requestTranslation';
import { startFakeProvider } from '../fakeProvider/fakeProvider';
import { codexRequest } from '../helpers/codexRequest';
import { endpointUrl, keyHeaders, sse } from '../helpers/continuationFixtures';
import { sdkText } from '../helpers/continuationSplice';
import { functionCalls, responsesBySdk, withoutSdkFields } from '../helpers/responsesSdk';
import { arr, at, objAt, parseJson } from '../helpers/json';
import { captureStream } from '../helpers/sseStreams';
import { assertWellFormed } from '../helpers/wellFormedStream';
import { must } from '../helpers/must';

const CREATED = 1_700_000_000;
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  sse('', { id: 'chatcmpl-7', object: 'chat.completion.chunk', model: 'qwen3-coder', choices: [{ index: 0, delta, finish_reason: finish }] });
const usageChunk = sse('', {
  id: 'chatcmpl-7',
  object: 'chat.completion.chunk',
  choices: [],
  usage: {
    prompt_tokens: 120,
    completion_tokens: 31,
    total_tokens: 151,
    prompt_tokens_details: { cached_tokens: 100 },
    completion_tokens_details: { reasoning_tokens: 12 },
  },
});
const DONE: SseEvent = { name: '', data: '[DONE]' };

/** A provider's stream: reasoning, a text preface, two tool calls with their arguments in fragments, usage, [DONE]. */
const upstream: SseEvent[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ reasoning_content: 'secret plan' }),
  chunk({ content: 'Checking ' }),
  chunk({ content: 'both.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'shell', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"comm' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'and":["ls"]}' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'shell', arguments: '{"command":' } }] }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: '["cat","a.ts"]}' } }] }),
  chunk({}, 'tool_calls'),
  usageChunk,
  DONE,
];

function translate(events: SseEvent[]): SseEvent[] {
  const stream = chatToResponsesStream('gpt-5-codex', CREATED);
  return events.flatMap((e) => stream.push(e));
}

const json = (event: SseEvent): unknown => parseJson(must(event.data));

describe('translation: Chat Completions → OpenAI Responses answer', () => {
  it('streams an answer the real openai SDK assembles: text, both function calls with their arguments, status, usage', async () => {
    const events = translate(upstream);
    assertWellFormed('responses', events);
    const { final, textSnapshots, argumentSnapshots } = await responsesBySdk(events);
    assert.equal(final.status, 'completed');
    assert.equal(final.model, 'gpt-5-codex');
    assert.equal(final.created_at, CREATED);
    assert.deepEqual(
      final.output.map((item) => [item.type, at(item, 'status')]),
      [
        ['message', 'completed'],
        ['function_call', 'completed'],
        ['function_call', 'completed'],
      ],
    );
    assert.equal(sdkText('responses', final), 'Checking both.');
    assert.deepEqual(
      functionCalls(final.output).map((c) => [c.call_id, c.name, parseJson(c.arguments)]),
      [
        ['call_a', 'shell', { command: ['ls'] }],
        ['call_b', 'shell', { command: ['cat', 'a.ts'] }],
      ],
    );
    assert.equal(textSnapshots.get(0), 'Checking both.', 'the deltas add up to the text');
    assert.deepEqual(
      [argumentSnapshots.get(1), argumentSnapshots.get(2)],
      ['{"command":["ls"]}', '{"command":["cat","a.ts"]}'],
      'the deltas add up to the arguments',
    );
    assert.deepEqual(final.usage, {
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 31,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 151,
    });
  });

  it('keeps parallel calls apart when the provider gives no index or the same index to each (Gemini), by their ids', async () => {
    const call = (id: string | undefined, args: string, index?: number) => ({
      ...(index !== undefined && { index }),
      ...(id && { id, type: 'function', function: { name: 'shell', arguments: args } }),
      ...(!id && { function: { arguments: args } }),
    });
    for (const index of [undefined, 0]) {
      const events = translate([
        chunk({ role: 'assistant', tool_calls: [call('function-call-1', '{"command":', index)] }),
        chunk({ tool_calls: [call(undefined, '["ls"]}', index)] }),
        chunk({ tool_calls: [call('function-call-2', '{"command":["pwd"]}', index)] }),
        chunk({}, 'tool_calls'),
        usageChunk,
        DONE,
      ]);
      assertWellFormed('responses', events);
      const { final } = await responsesBySdk(events);
      assert.deepEqual(
        functionCalls(final.output).map((c) => [c.call_id, parseJson(c.arguments)]),
        [
          ['function-call-1', { command: ['ls'] }],
          ['function-call-2', { command: ['pwd'] }],
        ],
        `index ${String(index)}`,
      );
    }
  });

  it('passes the first argument fragment on before the rest of the call has come, and finishes each call before the next', () => {
    const stream = chatToResponsesStream('gpt-5-codex', CREATED);
    const seen = upstream.slice(0, 6).flatMap((e) => stream.push(e));
    const fragments = seen.filter((e) => e.name === 'response.function_call_arguments.delta').map((e) => at(json(e), 'delta'));
    assert.deepEqual(fragments, ['{"comm'], 'the first fragment reaches the client while the call is still streaming');
    assert.ok(!seen.some((e) => e.name === 'response.function_call_arguments.done'));
    const next = upstream.slice(6, 8).flatMap((e) => stream.push(e));
    assert.deepEqual(
      next.map((e) => e.name),
      [
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
      ],
    );
  });

  it('does not pass reasoning on, and holds response.completed until the usage chunk and [DONE] have come', () => {
    const stream = chatToResponsesStream('gpt-5-codex', CREATED);
    const beforeDone = upstream.slice(0, 11).flatMap((e) => stream.push(e));
    assert.ok(stream.finishSeen);
    assert.ok(!beforeDone.some((e) => e.name === 'response.completed'));
    const closing = stream.push(DONE);
    assert.equal(must(closing.at(-1)).name, 'response.completed');
    assert.equal(at(json(must(closing.at(-1))), 'response', 'usage', 'input_tokens'), 120);
    assert.doesNotMatch([...beforeDone, ...closing].map((e) => e.data).join(''), /secret plan|reasoning_content/);
    assert.deepEqual(stream.end(), [], 'closed once');
  });

  it('ends an answer cut by the token limit as response.incomplete with max_output_tokens, which the SDK still reads', async () => {
    const stream = chatToResponsesStream('gpt-5-codex', CREATED);
    const events = [...[chunk({ content: 'Partial ans' }), chunk({}, 'length')].flatMap((e) => stream.push(e)), ...stream.end(), ...stream.end()];
    assertWellFormed('responses', events, 'response.incomplete');
    const terminal = objAt(json(must(events.at(-1))), 'response');
    assert.equal(terminal.status, 'incomplete');
    assert.deepEqual(terminal.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(at(terminal, 'output', 0, 'status'), 'incomplete');
    const { final } = await responsesBySdk(events);
    assert.equal(at(final.output[0], 'content', 0, 'text'), 'Partial ans');
    const filtered = chatToResponsesStream('m', 0);
    const filteredEnd = must([chunk({}, 'content_filter'), DONE].flatMap((e) => filtered.push(e)).at(-1));
    assert.deepEqual(at(json(filteredEnd), 'response', 'incomplete_details'), { reason: 'content_filter' });
  });

  it('translates a non-streamed answer into the same output items, status and usage as the stream', async () => {
    const chat = {
      id: 'chatcmpl-7',
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'Checking both.',
            reasoning_content: 'secret plan',
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'shell', arguments: '{"command":["ls"]}' } },
              { id: 'call_b', type: 'function', function: { name: 'shell', arguments: '{"command":["cat","a.ts"]}' } },
            ],
          },
        },
      ],
      usage: at(parseJson(must(usageChunk.data)), 'usage'),
    };
    const answer = chatToResponsesAnswer(chat, 'gpt-5-codex', CREATED);
    assert.ok(answer, 'a finished answer');
    const streamed = await responsesBySdk(translate(upstream));
    assert.deepEqual(answer.output, withoutSdkFields(streamed.final.output));
    assert.equal(answer.status, 'completed');
    assert.deepEqual(answer.usage, streamed.final.usage);
    assert.equal(answer.id, streamed.final.id);
    assert.doesNotMatch(JSON.stringify(answer), /secret plan/);
  });

  it('carries a refusal as a refusal part, and a call without arguments as an empty object', () => {
    const answer = chatToResponsesAnswer(
      {
        id: 'c1',
        choices: [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: null,
              refusal: 'I cannot help with that.',
              tool_calls: [{ id: 'call_n', type: 'function', function: { name: 'now', arguments: '' } }],
            },
          },
        ],
      },
      'gpt-5',
      0,
    );
    assert.ok(answer, 'a finished answer');
    assert.deepEqual(
      arr(answer.output).map((item) => at(item, 'content') ?? at(item, 'arguments')),
      [[{ type: 'refusal', refusal: 'I cannot help with that.' }], '{}'],
    );
  });

  it('end to end on 127.0.0.1: a Codex request, translated, is accepted by the strict fake, and its answer reaches the SDK', async () => {
    const fake = await startFakeProvider({ strictRequests: true, streamEvents: 4 });
    try {
      fake.setResponder(() => ({ text: 'Running the tests.', toolCall: { name: 'shell', arguments: { command: ['npm', 'test'] }, id: 'call_t' } }));
      const { body } = responsesToChat(codexRequest(), { model: 'gpt-4.1', dialect: dialectTraits('generic') });
      const upstreamAnswer = await captureStream(endpointUrl(fake, 'chat'), keyHeaders('chat', 'test-key-1'), body);
      assert.equal(upstreamAnswer.status, 200, upstreamAnswer.bytes.toString());
      const stream = chatToResponsesStream('gpt-5-codex', CREATED);
      const events = upstreamAnswer.events.flatMap((e) => stream.push(e));
      assert.ok(stream.finishSeen);
      assertWellFormed('responses', events);
      const { final } = await responsesBySdk(events);
      assert.equal(sdkText('responses', final), 'Running the tests.');
      const call = must(functionCalls(final.output)[0], 'a function call');
      assert.deepEqual([call.call_id, call.name, parseJson(call.arguments)], ['call_t', 'shell', { command: ['npm', 'test'] }]);
      const usage = must(final.usage, 'the usage');
      assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0, JSON.stringify(usage));
      assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    } finally {
      await fake.close();
    }
  });
});
