// Guards ContinuationSplicer: a stream cut after the commit point, continued by another target, reaches the client
// as one answer the real SDKs parse: the full text, exactly one terminal event, the original ids, indices and
// sequence numbers in order, and usage covering both parts. A continuation that fails before writing anything
// is reported so the caller can end the stream with the protocol's terminal error.
import type { PrefillStyle } from '../../src/core/configSchema';
import assert from 'node:assert/strict';
import { openaiProtocol } from '../../src/core/protocols/openai';
import { anthropicProtocol } from '../../src/core/protocols/anthropic';
import { restOfText, startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { eventsThroughDelta, sse, sseBytes, streamedBody, type StreamEndpoint } from '../helpers/continuationFixtures';
import {
  asChatCompletion,
  asMessage,
  asResponse,
  continueOnFake,
  interruptedStream,
  jsonOf,
  parsedBySdk,
  parseEvents,
  sdkText,
  splice,
  type Interrupted,
} from '../helpers/continuationSplice';
import { at, numAt, objAt } from '../helpers/json';
import { StreamTranscript } from '../../src/core/continuation/streamTranscript';
import { assertWellFormed } from '../helpers/wellFormedStream';
import { must } from '../helpers/must';

const FULL = 'The quick brown fox jumps over the lazy dog, twice.';
const ENDPOINTS: Array<{ endpoint: StreamEndpoint; prefill: PrefillStyle }> = [
  { endpoint: 'messages', prefill: 'assistant' },
  { endpoint: 'chat', prefill: 'none' },
  { endpoint: 'responses', prefill: 'none' },
];

describe('continuation: ContinuationSplicer', function () {
  this.timeout(8000);
  let fake: FakeProvider;
  before(async () => (fake = await startFakeProvider({ strictRequests: true })));
  after(async () => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.setResponder(restOfText(FULL));
  });

  for (const { endpoint, prefill } of ENDPOINTS) {
    describe(endpoint, () => {
      it('gives the client one answer with the full text, parsed by the real SDK', async () => {
        // Cut right after "The quick brown fox ": the trailing space is left out of the request and must appear once.
        const interrupted = await interruptedStream(fake, endpoint, eventsThroughDelta(endpoint, 2));
        assert.equal(interrupted.transcript.text, 'The quick brown fox ');
        const continued = await continueOnFake(fake, endpoint, interrupted, prefill);
        assert.equal(continued.splicer.status, 'ended');
        assertWellFormed(endpoint, parseEvents(continued.clientBytes));
        const parsed = await parsedBySdk(endpoint, continued.clientBytes);
        assert.equal(sdkText(endpoint, parsed), FULL);
        assert.equal(interrupted.transcript.text, FULL, 'the transcript follows what the splice wrote');
      });

      it("keeps the original id and model and merges usage: output = delivered + continuation's", async () => {
        const interrupted = await interruptedStream(fake, endpoint, eventsThroughDelta(endpoint, 2));
        const originalInput = interrupted.transcript.usage.input;
        const continued = await continueOnFake(fake, endpoint, interrupted, prefill);
        const contEvents = continued.continuation.events.filter((e) => e.data !== undefined && e.data !== '[DONE]').map(jsonOf);
        const parsed = await parsedBySdk(endpoint, continued.clientBytes);
        const originalEvents = parseEvents(interrupted.clientBytes).map(jsonOf);
        if (endpoint === 'messages') {
          const message = asMessage(parsed);
          const contOutput = numAt(
            contEvents.find((e) => at(e, 'type') === 'message_delta'),
            'usage',
            'output_tokens',
          );
          assert.equal(message.id, at(originalEvents[0], 'message', 'id'));
          assert.equal(message.model, 'claude-test');
          assert.equal(message.usage.output_tokens, continued.deliveredOutputTokens + contOutput);
          assert.equal(message.usage.input_tokens, originalInput, "the original request's input, which the client saw in message_start");
          assert.equal(message.stop_reason, 'end_turn');
        } else if (endpoint === 'chat') {
          const completion = asChatCompletion(parsed);
          const usage = must(completion.usage, 'the usage');
          const contUsage = contEvents.find((e) => at(e, 'usage'));
          assert.equal(at(originalEvents[0], 'id'), completion.id);
          assert.equal(completion.model, 'gpt-test');
          assert.equal(usage.completion_tokens, continued.deliveredOutputTokens + numAt(contUsage, 'usage', 'completion_tokens'));
          assert.equal(usage.prompt_tokens, at(contUsage, 'usage', 'prompt_tokens'), 'the original never reported its input; the continuation read it all');
          assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
          assert.equal(must(completion.choices[0], 'a choice').finish_reason, 'stop');
        } else {
          const response = asResponse(parsed);
          const usage = must(response.usage, 'the usage');
          const contUsage = objAt(
            contEvents.find((e) => at(e, 'type') === 'response.completed'),
            'response',
            'usage',
          );
          assert.equal(response.id, at(originalEvents[0], 'response', 'id'));
          assert.equal(response.model, 'gpt-test');
          assert.equal(usage.output_tokens, continued.deliveredOutputTokens + numAt(contUsage, 'output_tokens'));
          assert.equal(usage.input_tokens, contUsage.input_tokens);
          assert.equal(response.status, 'completed');
          assert.equal(response.output.length, 1, 'one message item, not two');
        }
      });

      it('relays a tool call the continuation makes after the text', async () => {
        fake.setResponder((req) => {
          const rest = must(restOfText(FULL)(req));
          return rest.text === FULL ? rest : { ...rest, toolCall: { name: 'Read', arguments: { path: '/tmp/x' }, id: 'call_7' } };
        });
        const interrupted = await interruptedStream(fake, endpoint, eventsThroughDelta(endpoint, 1));
        const continued = await continueOnFake(fake, endpoint, interrupted, prefill);
        assertWellFormed(endpoint, parseEvents(continued.clientBytes));
        const parsed = await parsedBySdk(endpoint, continued.clientBytes);
        assert.equal(sdkText(endpoint, parsed), FULL);
        if (endpoint === 'messages') {
          const message = asMessage(parsed);
          assert.deepEqual(
            message.content.map((b) => b.type),
            ['text', 'tool_use'],
          );
          assert.deepEqual(at(message.content[1], 'input'), { path: '/tmp/x' });
          assert.equal(message.stop_reason, 'tool_use');
        } else if (endpoint === 'chat') {
          const choice = must(asChatCompletion(parsed).choices[0], 'a choice');
          assert.equal(at(choice.message.tool_calls, 0, 'function', 'arguments'), '{"path":"/tmp/x"}');
          assert.equal(choice.finish_reason, 'tool_calls');
        } else {
          const response = asResponse(parsed);
          assert.deepEqual(
            response.output.map((item) => item.type),
            ['message', 'function_call'],
          );
          assert.equal(at(response.output[1], 'arguments'), '{"path":"/tmp/x"}');
        }
        assert.equal(interrupted.transcript.continuable, false, 'past a tool call, no further continuation');
      });

      it('relays an error the continuation reports after it started as the one terminal event', async () => {
        fake.fault('test-key-2', { kind: 'errorEvent', error: 'overloaded', afterEvents: 1 });
        const interrupted = await interruptedStream(fake, endpoint, eventsThroughDelta(endpoint, 2));
        const continued = await continueOnFake(fake, endpoint, interrupted, prefill);
        assert.equal(continued.splicer.status, 'ended');
        const events = parseEvents(continued.clientBytes).filter((e) => e.data !== undefined);
        const terminal: string[] = { messages: ['message_stop', 'error'], chat: [] as string[], responses: ['response.completed', 'response.failed', 'error'] }[
          endpoint
        ];
        if (endpoint === 'chat') {
          assert.equal(events.filter((e) => must(e.data).includes('"error"')).length, 1);
          assert.ok(at(jsonOf(must(events.at(-1))), 'error'), 'the error chunk ends the stream');
        } else {
          assert.deepEqual(
            events.filter((e) => terminal.includes(e.name)).map((e) => e.name),
            [endpoint === 'messages' ? 'error' : 'response.failed'],
          );
        }
        if (endpoint === 'responses') {
          assert.deepEqual(
            events.map((e) => at(jsonOf(e), 'sequence_number')),
            events.map((_, i) => i),
          );
          assert.equal(at(jsonOf(must(events.at(-1))), 'response', 'id'), at(jsonOf(must(events[0])), 'response', 'id'));
        }
        assert.equal(interrupted.transcript.ended, true);
      });

      it('reports failure and writes nothing when the continuation starts with an error', async () => {
        fake.fault('test-key-2', { kind: 'errorEvent', error: 'overloaded' });
        const interrupted = await interruptedStream(fake, endpoint, eventsThroughDelta(endpoint, 2));
        const continued = await continueOnFake(fake, endpoint, interrupted, prefill);
        assert.equal(continued.splicer.status, 'failed');
        assert.match(must(continued.splicer.failure), /overloaded/i);
        assert.equal(continued.clientBytes.length, interrupted.clientBytes.length, 'not a byte of the failed continuation reached the client');
        assert.equal(interrupted.transcript.text, 'The quick brown fox ');
      });
    });
  }

  it('Anthropic: a continuation cut too ends with the terminal error, and a second continuation completes the answer', async () => {
    const first = await interruptedStream(fake, 'messages', eventsThroughDelta('messages', 1));
    fake.fault('test-key-2', { kind: 'cut', afterEvents: eventsThroughDelta('messages', 2) });
    const cut = await continueOnFake(fake, 'messages', first, 'assistant');
    assert.equal(cut.splicer.status, 'relaying');
    const errorBytes = anthropicProtocol.terminalStreamError('messages', 'KeyBridge: upstream stream interrupted', cut.splicer.facts);
    const withError = parseEvents(Buffer.concat([cut.clientBytes, Buffer.from(errorBytes)]));
    assert.equal(must(withError.at(-1)).name, 'error');
    assert.equal(first.transcript.continuable, true);
    const second = await continueOnFake(fake, 'messages', { ...first, clientBytes: cut.clientBytes }, 'assistant');
    assert.equal(second.splicer.status, 'ended');
    assertWellFormed('messages', parseEvents(second.clientBytes));
    assert.equal(sdkText('messages', await parsedBySdk('messages', second.clientBytes)), FULL);
  });

  it('Responses: a continuation cut too ends with a response.failed that follows the sequence', async () => {
    const first = await interruptedStream(fake, 'responses', eventsThroughDelta('responses', 1));
    fake.fault('test-key-2', { kind: 'cut', afterEvents: eventsThroughDelta('responses', 2) });
    const cut = await continueOnFake(fake, 'responses', first, 'none');
    assert.equal(cut.splicer.status, 'relaying');
    const bytes = Buffer.concat([cut.clientBytes, Buffer.from(openaiProtocol.terminalStreamError('responses', 'interrupted', cut.splicer.facts))]);
    const events = parseEvents(bytes);
    assert.deepEqual(
      events.map((e) => at(jsonOf(e), 'sequence_number')),
      events.map((_, i) => i),
    );
    assert.equal(at(jsonOf(must(events.at(-1))), 'response', 'id'), at(jsonOf(must(events[0])), 'response', 'id'));
  });

  it('Anthropic: the client had closed its text block; the continuation opens the next index', async () => {
    const transcript = new StreamTranscript('messages');
    const original = [
      sse('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_orig',
          type: 'message',
          role: 'assistant',
          model: 'claude-test',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 20, output_tokens: 1 },
        },
      }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'The quick brown fox ' } }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    ];
    for (const e of original) transcript.note(e);
    const interrupted: Interrupted = { transcript, clientBytes: Buffer.from(sseBytes(original)), body: streamedBody('messages') };
    const continued = await continueOnFake(fake, 'messages', interrupted, 'assistant');
    assertWellFormed('messages', parseEvents(continued.clientBytes));
    const parsed = await parsedBySdk('messages', continued.clientBytes);
    assert.deepEqual(
      parsed.content.map((b) => at(b, 'text')),
      ['The quick brown fox ', 'jumps over the lazy dog, twice.'],
    );
    assert.equal(parsed.id, 'msg_orig');
  });

  it("Responses: the client's message item was done; the continuation adds the next item", async () => {
    const transcript = new StreamTranscript('responses');
    const item = { id: 'msg_orig', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
    const place = { item_id: 'msg_orig', output_index: 0, content_index: 0 };
    const response = { id: 'resp_orig', object: 'response', created_at: 1, status: 'in_progress', model: 'gpt-test', output: [], usage: null };
    const original = [
      sse('response.created', { type: 'response.created', sequence_number: 0, response }),
      sse('response.output_item.added', { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item }),
      sse('response.content_part.added', { type: 'response.content_part.added', sequence_number: 2, ...place, part }),
      sse('response.output_text.delta', { type: 'response.output_text.delta', sequence_number: 3, ...place, delta: 'The quick brown fox ', logprobs: [] }),
      sse('response.output_text.done', { type: 'response.output_text.done', sequence_number: 4, ...place, text: 'The quick brown fox ', logprobs: [] }),
      sse('response.content_part.done', { type: 'response.content_part.done', sequence_number: 5, ...place, part: { ...part, text: 'The quick brown fox ' } }),
      sse('response.output_item.done', {
        type: 'response.output_item.done',
        sequence_number: 6,
        output_index: 0,
        item: { ...item, status: 'completed', content: [{ ...part, text: 'The quick brown fox ' }] },
      }),
    ];
    for (const e of original) transcript.note(e);
    const interrupted: Interrupted = { transcript, clientBytes: Buffer.from(sseBytes(original)), body: streamedBody('responses') };
    const continued = await continueOnFake(fake, 'responses', interrupted, 'none');
    assertWellFormed('responses', parseEvents(continued.clientBytes));
    const parsed = await parsedBySdk('responses', continued.clientBytes);
    assert.equal(sdkText('responses', parsed), FULL);
    assert.equal(parsed.output.length, 2);
    assert.equal(at(parsed.output[0], 'id'), 'msg_orig');
  });

  it("Anthropic: the continuation target's thinking is left out", async () => {
    const interrupted = await interruptedStream(fake, 'messages', eventsThroughDelta('messages', 2));
    const continuation = [
      sse('message_start', {
        type: 'message_start',
        message: { id: 'msg_b', type: 'message', role: 'assistant', model: 'model-b', content: [], usage: { input_tokens: 30, output_tokens: 1 } },
      }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Finish it.' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJl' } }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: ' jumps over the lazy dog, twice.' } }),
      sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
      sse('message_stop', { type: 'message_stop' }),
    ];
    const continued = splice(interrupted, {}, { status: 200, bytes: Buffer.from(sseBytes(continuation)), events: continuation, cut: false }, true);
    assertWellFormed('messages', parseEvents(continued.clientBytes));
    const parsed = await parsedBySdk('messages', continued.clientBytes);
    assert.deepEqual(
      parsed.content.map((b) => b.type),
      ['text'],
    );
    assert.equal(at(parsed.content[0], 'text'), FULL);
    assert.equal(parsed.usage.output_tokens, continued.deliveredOutputTokens + 15, 'the thinking tokens were produced and count');
  });

  it("Responses: the continuation target's reasoning item is left out", async () => {
    const interrupted = await interruptedStream(fake, 'responses', eventsThroughDelta('responses', 2));
    let seq = 0;
    const ev = (type: string, payload: Record<string, unknown>) => sse(type, { type, sequence_number: seq++, ...payload });
    const response = { id: 'resp_b', object: 'response', created_at: 2, status: 'in_progress', model: 'model-b', output: [], usage: null };
    const place = { item_id: 'msg_b', output_index: 1, content_index: 0 };
    const text = ' jumps over the lazy dog, twice.';
    const message = {
      id: 'msg_b',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
    };
    const continuation = [
      ev('response.created', { response }),
      ev('response.output_item.added', { output_index: 0, item: { id: 'rs_b', type: 'reasoning', summary: [] } }),
      ev('response.reasoning_summary_text.delta', { item_id: 'rs_b', output_index: 0, summary_index: 0, delta: 'Finish it.' }),
      ev('response.output_item.done', { output_index: 0, item: { id: 'rs_b', type: 'reasoning', summary: [], encrypted_content: 'b3RoZXIgYWNjb3VudA' } }),
      ev('response.output_item.added', { output_index: 1, item: { ...message, status: 'in_progress', content: [] } }),
      ev('response.content_part.added', { ...place, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }),
      ev('response.output_text.delta', { ...place, delta: text, logprobs: [] }),
      ev('response.output_text.done', { ...place, text, logprobs: [] }),
      ev('response.content_part.done', { ...place, part: message.content[0] }),
      ev('response.output_item.done', { output_index: 1, item: message }),
      ev('response.completed', {
        response: {
          ...response,
          status: 'completed',
          output: [{ id: 'rs_b', type: 'reasoning', summary: [] }, message],
          usage: { input_tokens: 40, output_tokens: 30, total_tokens: 70, output_tokens_details: { reasoning_tokens: 20 } },
        },
      }),
    ];
    const continued = splice(interrupted, {}, { status: 200, bytes: Buffer.from(sseBytes(continuation)), events: continuation, cut: false }, false);
    assertWellFormed('responses', parseEvents(continued.clientBytes));
    const parsed = await parsedBySdk('responses', continued.clientBytes);
    assert.equal(sdkText('responses', parsed), FULL);
    assert.deepEqual(
      parsed.output.map((item) => item.type),
      ['message'],
    );
    assert.equal(must(parsed.usage, 'the usage').output_tokens, continued.deliveredOutputTokens + 30);
    assert.ok(!continued.clientBytes.toString().includes('encrypted_content'), "no trace of the other account's reasoning");
  });
});
