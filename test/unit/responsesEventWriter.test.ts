// Guards the OpenAI Responses stream writer (docs/ARCHITECTURE.md §9), what Codex reads when its pool answers in
// another protocol: every typed event exactly as the Responses API streams it — item ids, output and content
// indices, sequence numbers 0, 1, 2…, each part and item done before the next opens, reasoning only as a carrier
// for a provider that wants it back, and a final response object that repeats every output item with usage.
import assert from 'node:assert/strict';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import type { SseEvent } from '../../src/core/protocols/sse';
import { parseWire, type Wire } from '../../src/core/protocols/wire';
import { ResponsesEventWriter } from '../../src/core/protocols/openaiResponses/eventWriter';

const CREATED = 1_700_000_000;

/** Each event as [name, payload without its type and sequence number], after checking both of those. */
function payloads(events: SseEvent[], firstSequence = 0): [string, Wire][] {
  return events.map((event, i) => {
    const data = parseWire(event.data ?? '');
    assert.ok(data, `event ${i} carries a JSON object`);
    const { type, sequence_number: sequence, ...rest } = data;
    assert.equal(type, event.name, `event ${i} is named by its type`);
    assert.equal(sequence, firstSequence + i, `event ${i} has the next sequence number`);
    return [event.name, rest];
  });
}

const textPart = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });
const responseObject = (id: string, status: string, output: Wire[], extra: Wire = {}) => ({
  id,
  object: 'response',
  created_at: CREATED,
  status,
  error: null,
  incomplete_details: null,
  model: 'gpt-5-codex',
  output,
  usage: null,
  ...extra,
});

describe('Responses stream writer', () => {
  it('writes reasoning for a provider that wants it back, a message of text and refusal parts, and function calls, cut by the token limit', () => {
    const writer = new ResponsesEventWriter('gpt-5-codex', CREATED, undefined, 'gemini');
    writer.start('up1');
    writer.reasoning('Plan');
    writer.reasoning('');
    writer.reasoning(' it.');
    writer.blockEnd();
    writer.text('Hi');
    writer.text('');
    writer.refusal('No');
    writer.text('!');
    writer.blockEnd();
    writer.toolCall('call_a', 'shell', 'sig-a');
    writer.toolArguments('{"c":');
    writer.toolArguments('');
    writer.toolArguments('1}');
    writer.blockEnd();
    writer.toolCall('', 'noop', undefined);
    writer.usage({ input: 10, output: 4, cacheRead: 3, reasoning: 2 });
    writer.finish('max_tokens');
    const events = [...writer.take(), ...writer.end()];

    const carrier = encodeCarriedReasoning({ dialect: 'gemini' });
    const callCarrier = encodeCarriedReasoning({ dialect: 'gemini', thoughtSignatures: { call_a: 'sig-a' } });
    const reasoning = { id: 'rs_up1_0', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan it.' }], encrypted_content: carrier };
    const message = {
      id: 'msg_up1_1',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [textPart('Hi'), { type: 'refusal', refusal: 'No' }, textPart('!')],
    };
    const signatureItem = { id: 'rs_up1_2', type: 'reasoning', summary: [], encrypted_content: callCarrier };
    const call = { id: 'fc_up1_3', type: 'function_call', status: 'completed', arguments: '{"c":1}', call_id: 'call_a', name: 'shell' };
    const noop = { id: 'fc_up1_4', type: 'function_call', status: 'incomplete', arguments: '{}', call_id: 'call_1', name: 'noop' };
    const rs = { item_id: 'rs_up1_0', output_index: 0, summary_index: 0 };
    const msg = (content_index: number) => ({ item_id: 'msg_up1_1', output_index: 1, content_index });
    const fc = (item_id: string, output_index: number) => ({ item_id, output_index });
    assert.deepEqual(payloads(events), [
      ['response.created', { response: responseObject('resp_up1', 'in_progress', []) }],
      ['response.in_progress', { response: responseObject('resp_up1', 'in_progress', []) }],
      ['response.output_item.added', { output_index: 0, item: { ...reasoning, summary: [] } }],
      ['response.reasoning_summary_part.added', { ...rs, part: { type: 'summary_text', text: '' } }],
      ['response.reasoning_summary_text.delta', { ...rs, delta: 'Plan' }],
      ['response.reasoning_summary_text.delta', { ...rs, delta: ' it.' }],
      ['response.reasoning_summary_text.done', { ...rs, text: 'Plan it.' }],
      ['response.reasoning_summary_part.done', { ...rs, part: { type: 'summary_text', text: 'Plan it.' } }],
      ['response.output_item.done', { output_index: 0, item: reasoning }],
      ['response.output_item.added', { output_index: 1, item: { ...message, status: 'in_progress', content: [] } }],
      ['response.content_part.added', { ...msg(0), part: textPart('') }],
      ['response.output_text.delta', { ...msg(0), delta: 'Hi', logprobs: [] }],
      ['response.output_text.done', { ...msg(0), text: 'Hi', logprobs: [] }],
      ['response.content_part.done', { ...msg(0), part: textPart('Hi') }],
      ['response.content_part.added', { ...msg(1), part: { type: 'refusal', refusal: '' } }],
      ['response.refusal.delta', { ...msg(1), delta: 'No' }],
      ['response.refusal.done', { ...msg(1), refusal: 'No' }],
      ['response.content_part.done', { ...msg(1), part: { type: 'refusal', refusal: 'No' } }],
      ['response.content_part.added', { ...msg(2), part: textPart('') }],
      ['response.output_text.delta', { ...msg(2), delta: '!', logprobs: [] }],
      ['response.output_text.done', { ...msg(2), text: '!', logprobs: [] }],
      ['response.content_part.done', { ...msg(2), part: textPart('!') }],
      ['response.output_item.done', { output_index: 1, item: message }],
      ['response.output_item.added', { output_index: 2, item: signatureItem }],
      ['response.output_item.done', { output_index: 2, item: signatureItem }],
      ['response.output_item.added', { output_index: 3, item: { ...call, status: 'in_progress', arguments: '' } }],
      ['response.function_call_arguments.delta', { ...fc('fc_up1_3', 3), delta: '{"c":' }],
      ['response.function_call_arguments.delta', { ...fc('fc_up1_3', 3), delta: '1}' }],
      ['response.function_call_arguments.done', { ...fc('fc_up1_3', 3), name: 'shell', arguments: '{"c":1}' }],
      ['response.output_item.done', { output_index: 3, item: call }],
      ['response.output_item.added', { output_index: 4, item: { ...noop, status: 'in_progress', arguments: '' } }],
      ['response.function_call_arguments.delta', { ...fc('fc_up1_4', 4), delta: '{}' }],
      ['response.function_call_arguments.done', { ...fc('fc_up1_4', 4), name: 'noop', arguments: '{}' }],
      ['response.output_item.done', { output_index: 4, item: noop }],
      [
        'response.incomplete',
        {
          response: responseObject('resp_up1', 'incomplete', [reasoning, message, signatureItem, call, noop], {
            incomplete_details: { reason: 'max_output_tokens' },
            usage: {
              input_tokens: 10,
              input_tokens_details: { cached_tokens: 3 },
              output_tokens: 4,
              output_tokens_details: { reasoning_tokens: 2 },
              total_tokens: 14,
            },
          }),
        },
      ],
    ]);
    assert.deepEqual(writer.response, payloads(events).at(-1)?.[1].response, 'the non-streamed answer is the final response object');
    assert.equal(writer.heldChars, ['Plan it.', 'Hi', 'No', '!', '{"c":1}'].join('').length, 'the final event repeats every text and argument character');
    assert.deepEqual(writer.facts, { responseId: 'resp_up1', model: 'gpt-5-codex', createdAt: CREATED, lastSequence: 34 });
    assert.equal(writer.finishSeen, true);
  });

  it('writes no reasoning and no thought signature without a provider that wants them, and keeps one message item across text blocks', () => {
    const writer = new ResponsesEventWriter('gpt-5-codex', CREATED);
    writer.reasoning('hidden');
    writer.text('a');
    writer.blockEnd();
    writer.text('b');
    writer.toolCall('call_a', 'shell', 'sig-a');
    writer.toolArguments('{}');
    writer.finish('end');
    const events = payloads([...writer.take(), ...writer.end()]);
    assert.deepEqual(
      events.map(([name]) => name),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(events.at(-1)?.[1].response, {
      ...responseObject('resp_keybridge', 'completed', [
        { id: 'msg_keybridge_0', type: 'message', status: 'completed', role: 'assistant', content: [textPart('ab')] },
        { id: 'fc_keybridge_1', type: 'function_call', status: 'completed', arguments: '{}', call_id: 'call_a', name: 'shell' },
      ]),
      usage: { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 },
    });
  });

  it('completes an open function call when text follows it without a block end', () => {
    const writer = new ResponsesEventWriter('gpt-5-codex', CREATED);
    writer.toolCall('call_a', 'shell', undefined);
    writer.toolArguments('{}');
    writer.text('Done.');
    writer.finish('end');
    const done = payloads([...writer.take(), ...writer.end()]).filter(([name]) => name === 'response.output_item.done');
    assert.deepEqual(
      done.map(([, payload]) => [(payload.item as Wire).type, (payload.item as Wire).status]),
      [
        ['function_call', 'completed'],
        ['message', 'completed'],
      ],
    );
  });

  it('ends a refused answer as incomplete by the content filter, once, and writes nothing after the end', () => {
    const writer = new ResponsesEventWriter('gpt-5-codex', CREATED);
    writer.start('up2');
    writer.start('up3');
    writer.refusal('No.');
    writer.finish('refusal');
    const first = payloads([...writer.take(), ...writer.end()]);
    assert.deepEqual(
      first.map(([name]) => name),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.refusal.delta',
        'response.refusal.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.incomplete',
      ],
    );
    assert.deepEqual(first.at(-1)?.[1].response, {
      ...responseObject('resp_up2', 'incomplete', [
        { id: 'msg_up2_0', type: 'message', status: 'incomplete', role: 'assistant', content: [{ type: 'refusal', refusal: 'No.' }] },
      ]),
      incomplete_details: { reason: 'content_filter' },
      usage: { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 },
    });
    writer.text('late');
    writer.refusal('late');
    writer.toolCall('call_late', 'shell', undefined);
    writer.toolArguments('{}');
    writer.blockEnd();
    writer.finish('end');
    assert.deepEqual(writer.end(), []);
    assert.deepEqual(writer.take(), []);
  });

  it('ends a stream that said nothing with created, in_progress and completed, and writes nothing for a reasoning item after the end', () => {
    const writer = new ResponsesEventWriter('gpt-5-codex', CREATED, undefined, 'deepseek');
    assert.equal(writer.finishSeen, false);
    assert.deepEqual(
      payloads(writer.end()).map(([name, payload]) => [name, (payload.response as Wire).status]),
      [
        ['response.created', 'in_progress'],
        ['response.in_progress', 'in_progress'],
        ['response.completed', 'completed'],
      ],
    );
    writer.reasoning('late');
    writer.toolCall('call_late', 'shell', 'sig');
    assert.deepEqual(writer.take(), []);
  });
});
