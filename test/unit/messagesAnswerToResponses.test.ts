// Guards the Anthropic Messages → OpenAI Responses answer translation (issue 11): Codex behind an Anthropic pool
// needs the typed Responses events through response.completed with usage. The real `openai` SDK must assemble the
// translated stream into the answer Anthropic gave — text, function calls with their arguments, status, usage with
// cache reads counted inside the input — with argument fragments passed on as they arrive, thinking never passed
// on, and a non-streamed answer carrying the same output items.
import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import { messagesToResponsesAnswer, messagesToResponsesStream } from '../../src/core/translation/answerTranslation';
import { responsesToMessages } from '../helpers/requestTranslation';
import { startFakeProvider } from '../fakeProvider/fakeProvider';
import { codexRequest } from '../helpers/codexRequest';
import { endpointUrl, keyHeaders, sse } from '../helpers/continuationFixtures';
import { sdkText } from '../helpers/continuationSplice';
import { functionCalls, responsesBySdk, withoutSdkFields } from '../helpers/responsesSdk';
import { at, objAt, parseJson } from '../helpers/json';
import { captureStream } from '../helpers/sseStreams';
import { assertWellFormed } from '../helpers/wellFormedStream';
import { must } from '../helpers/must';

const CREATED = 1_700_000_000;
const USAGE = { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, output_tokens: 1 };

/** Anthropic's stream: thinking with its signature, a text block, two tool_use blocks with input in fragments. */
const upstream: SseEvent[] = [
  sse('message_start', {
    type: 'message_start',
    message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: USAGE },
  }),
  sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'secret plan' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-anthropic' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
  sse('ping', { type: 'ping' }),
  sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Listing ' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'both.' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
  sse('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'shell', input: {} } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"comm' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: 'and":["ls","src"]}' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 2 }),
  sse('content_block_start', { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'shell', input: {} } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"command":["ls","test"]}' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 3 }),
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
  sse('message_stop', { type: 'message_stop' }),
];

const json = (event: SseEvent): unknown => parseJson(must(event.data));

function translate(events: SseEvent[]): SseEvent[] {
  const stream = messagesToResponsesStream('gpt-5-codex', CREATED);
  return events.flatMap((e) => stream.push(e));
}

describe('translation: Anthropic Messages → OpenAI Responses answer', () => {
  it('streams an answer the real openai SDK assembles: text, both function calls, status, usage with cache reads inside the input', async () => {
    const events = translate(upstream);
    assertWellFormed('responses', events);
    const { final, textSnapshots, argumentSnapshots } = await responsesBySdk(events);
    assert.equal(final.status, 'completed');
    assert.equal(final.id, 'resp_msg_1');
    assert.equal(final.model, 'gpt-5-codex');
    assert.equal(sdkText('responses', final), 'Listing both.');
    assert.deepEqual(
      functionCalls(final.output).map((c) => [c.call_id, c.name, parseJson(c.arguments), c.status]),
      [
        ['toolu_a', 'shell', { command: ['ls', 'src'] }, 'completed'],
        ['toolu_b', 'shell', { command: ['ls', 'test'] }, 'completed'],
      ],
    );
    assert.equal(textSnapshots.get(0), 'Listing both.', 'the deltas add up to the text');
    assert.deepEqual(
      [argumentSnapshots.get(1), argumentSnapshots.get(2)],
      ['{"command":["ls","src"]}', '{"command":["ls","test"]}'],
      'the deltas add up to the arguments',
    );
    // 20 uncached + 100 read from the cache + 30 written to it: Responses counts all of them as input.
    assert.deepEqual(final.usage, {
      input_tokens: 150,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 42,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 192,
    });
  });

  it('never passes thinking or its signature on, and passes the first argument fragment on before the call is complete', () => {
    const stream = messagesToResponsesStream('gpt-5-codex', CREATED);
    const seen = upstream.slice(0, 13).flatMap((e) => stream.push(e));
    assert.doesNotMatch(seen.map((e) => e.data).join(''), /secret plan|sig-anthropic|thinking|reasoning/);
    const fragments = seen.filter((e) => e.name === 'response.function_call_arguments.delta').map((e) => at(json(e), 'delta'));
    assert.deepEqual(fragments, ['{"comm']);
    assert.ok(!seen.some((e) => e.name === 'response.function_call_arguments.done'));
    const stop = upstream.slice(13, 15).flatMap((e) => stream.push(e));
    assert.deepEqual(
      stop.map((e) => e.name),
      ['response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done'],
      'the call is done for the client when its block stops, not at the end of the answer',
    );
  });

  it('ends an answer cut at max_tokens as response.incomplete with max_output_tokens, and a refusal as content_filter', async () => {
    const cut = [
      upstream[0],
      upstream[6],
      upstream[7],
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 16 } }),
      sse('message_stop', { type: 'message_stop' }),
    ];
    const stream = messagesToResponsesStream('gpt-5-codex', CREATED);
    const events = [...cut.flatMap((e) => stream.push(e)), ...stream.end()];
    assertWellFormed('responses', events, 'response.incomplete');
    const terminal = objAt(json(must(events.at(-1))), 'response');
    assert.equal(terminal.status, 'incomplete');
    assert.deepEqual(terminal.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(at(terminal, 'usage', 'output_tokens'), 16);
    const { final } = await responsesBySdk(events);
    assert.equal(sdkText('responses', final), 'Listing ');
    const refused = messagesToResponsesAnswer({ id: 'msg_r', content: [], stop_reason: 'refusal', usage: { input_tokens: 3, output_tokens: 0 } }, 'gpt-5', 0);
    assert.ok(refused, 'a finished answer');
    assert.equal(refused.status, 'incomplete');
    assert.deepEqual(refused.incomplete_details, { reason: 'content_filter' });
  });

  it('knows the finish only from message_delta, and closes once', () => {
    const stream = messagesToResponsesStream('gpt-5-codex', CREATED);
    upstream.slice(0, 18).forEach((e) => stream.push(e));
    assert.equal(stream.finishSeen, false, 'a stream cut here is not passed off as complete');
    stream.push(upstream[18]);
    assert.ok(stream.finishSeen);
    assert.equal(must(stream.end().at(-1)).name, 'response.completed');
    assert.deepEqual(stream.end(), []);
    assert.deepEqual(stream.push(upstream[19]), []);
  });

  it('translates a non-streamed answer into the same output items, status and usage as the stream', async () => {
    const answer = messagesToResponsesAnswer(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'secret plan', signature: 'sig-anthropic' },
          { type: 'text', text: 'Listing both.' },
          { type: 'tool_use', id: 'toolu_a', name: 'shell', input: { command: ['ls', 'src'] } },
          { type: 'tool_use', id: 'toolu_b', name: 'shell', input: { command: ['ls', 'test'] } },
        ],
        stop_reason: 'tool_use',
        usage: { ...USAGE, output_tokens: 42 },
      },
      'gpt-5-codex',
      CREATED,
    );
    assert.ok(answer, 'a finished answer');
    const streamed = await responsesBySdk(translate(upstream));
    assert.deepEqual(answer.output, withoutSdkFields(streamed.final.output));
    assert.equal(answer.status, 'completed');
    assert.deepEqual(answer.usage, streamed.final.usage);
    assert.doesNotMatch(JSON.stringify(answer), /secret plan|sig-anthropic/);
  });

  it('end to end on 127.0.0.1: a Codex request, translated, is accepted by the strict fake, and its answer reaches the SDK', async () => {
    const fake = await startFakeProvider({ strictRequests: true, streamEvents: 4 });
    try {
      fake.setResponder(() => ({ text: 'Running the tests.', toolCall: { name: 'shell', arguments: { command: ['npm', 'test'] }, id: 'toolu_t' } }));
      const { body } = responsesToMessages(codexRequest(), { model: 'claude-sonnet-4-5', defaultMaxTokens: 8192 });
      const upstreamAnswer = await captureStream(endpointUrl(fake, 'messages'), keyHeaders('messages', 'test-key-1'), body);
      assert.equal(upstreamAnswer.status, 200, upstreamAnswer.bytes.toString());
      const stream = messagesToResponsesStream('gpt-5-codex', CREATED);
      const events = upstreamAnswer.events.flatMap((e) => stream.push(e));
      assert.ok(stream.finishSeen);
      assertWellFormed('responses', events);
      const { final } = await responsesBySdk(events);
      assert.equal(sdkText('responses', final), 'Running the tests.');
      const call = must(functionCalls(final.output)[0], 'a function call');
      assert.deepEqual([call.call_id, call.name, parseJson(call.arguments)], ['toolu_t', 'shell', { command: ['npm', 'test'] }]);
      const usage = must(final.usage, 'the usage');
      assert.ok(usage.input_tokens > 0 && usage.output_tokens > 0, JSON.stringify(usage));
    } finally {
      await fake.close();
    }
  });
});
