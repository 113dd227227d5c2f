// Guards continuationRequest, the body that asks the next target for the rest of an interrupted answer:
// a prefill the real APIs accept (Anthropic refuses one ending in whitespace), the instruction form for targets
// without prefill, output limits reduced by what was already produced, and refusals where continuing would lie.
import assert from 'node:assert/strict';
import {
  continuationRequest,
  CONTINUE_INSTRUCTION,
  MIN_CONTINUATION_OUTPUT_TOKENS,
  type ContinuationPlan,
} from '../../src/core/continuation/continuationRequest';
import { StreamTranscript, type ContinuableEndpoint } from '../../src/core/continuation/streamTranscript';
import { requestProblem } from '../fakeProvider/fakeProvider';
import { sse, streamedBody } from '../helpers/continuationFixtures';
import { arrAt } from '../helpers/json';

/** A transcript of a text-only answer cut after `text`, built from the events each API streams. */
function delivered(endpoint: ContinuableEndpoint, text: string, outputTokensReported?: number): StreamTranscript {
  const t = new StreamTranscript(endpoint);
  if (endpoint === 'messages') {
    t.note(
      sse('message_start', {
        type: 'message_start',
        message: { id: 'msg_1', model: 'claude-test', usage: { input_tokens: 12, output_tokens: outputTokensReported ?? 1 } },
      }),
    );
    t.note(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    t.note(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }));
  } else if (endpoint === 'chat') {
    t.note(sse('', { id: 'chatcmpl-1', model: 'gpt-test', created: 1, choices: [{ index: 0, delta: { role: 'assistant', content: text } }] }));
  } else {
    t.note(sse('response.created', { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', model: 'gpt-test', output: [] } }));
    t.note(
      sse('response.output_item.added', {
        type: 'response.output_item.added',
        sequence_number: 1,
        output_index: 0,
        item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] },
      }),
    );
    t.note(
      sse('response.content_part.added', {
        type: 'response.content_part.added',
        sequence_number: 2,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        part: { type: 'output_text', text: '' },
      }),
    );
    t.note(
      sse('response.output_text.delta', {
        type: 'response.output_text.delta',
        sequence_number: 3,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: text,
      }),
    );
  }
  return t;
}

function body(plan: ContinuationPlan): Record<string, unknown> {
  if (plan.kind !== 'request') assert.fail(`refused: ${plan.reason}`);
  return plan.body;
}

describe('continuation: continuationRequest', () => {
  describe('Anthropic prefill', () => {
    it('ends the messages with the delivered text as the assistant turn, trailing whitespace left out, and the API accepts it', () => {
      const original = streamedBody('messages');
      const snapshot = structuredClone(original);
      const b = body(
        continuationRequest('messages', original, delivered('messages', 'The quick brown fox \n'), { prefill: 'assistant', model: 'claude-other' }),
      );
      assert.deepEqual(arrAt(b, 'messages'), [
        { role: 'user', content: 'Say the sentence.' },
        { role: 'assistant', content: 'The quick brown fox' },
      ]);
      assert.equal(b.model, 'claude-other');
      assert.equal(b.stream, true);
      assert.equal(requestProblem('messages', b), undefined);
      assert.deepEqual(original, snapshot, 'the original body is left as it was (later attempts replay it)');
    });

    it('would be refused by the API with the whitespace kept: the rule the fake enforces is the real one', () => {
      const naive = {
        ...streamedBody('messages'),
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'The quick ' },
        ],
      };
      assert.equal(requestProblem('messages', naive), 'messages: final assistant content cannot end with trailing whitespace');
    });

    it("extends the client's own prefill instead of adding a second assistant turn", () => {
      const original = streamedBody('messages', {
        messages: [
          { role: 'user', content: 'JSON please' },
          { role: 'assistant', content: [{ type: 'text', text: '{"a":' }] },
        ],
      });
      const b = body(continuationRequest('messages', original, delivered('messages', ' 1, "b": '), { prefill: 'assistant' }));
      assert.deepEqual(arrAt(b, 'messages')[1], { role: 'assistant', content: [{ type: 'text', text: '{"a": 1, "b":' }] });
      assert.equal(arrAt(b, 'messages').length, 2);
      assert.equal(requestProblem('messages', b), undefined);
    });

    it('asks again from the start when only whitespace was delivered (no empty prefill)', () => {
      const original = streamedBody('messages');
      const b = body(continuationRequest('messages', original, delivered('messages', '\n\n'), { prefill: 'assistant' }));
      assert.deepEqual(arrAt(b, 'messages'), original.messages);
      assert.equal(requestProblem('messages', b), undefined);
    });

    it('drops extended thinking, which the API refuses beside a prefill', () => {
      const original = streamedBody('messages', { max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } });
      const b = body(continuationRequest('messages', original, delivered('messages', 'Partial answer'), { prefill: 'assistant' }));
      assert.equal(b.thinking, undefined);
      assert.equal(requestProblem('messages', b), undefined);
      assert.match(requestProblem('messages', { ...b, thinking: original.thinking }) ?? '', /thinking/);
    });
  });

  describe('prefix completion (Mistral, DeepSeek beta): the assistant turn last, marked "prefix": true', () => {
    it('Chat: the delivered text as the last message with prefix: true, no instruction, and the rules accept it', () => {
      const plan = continuationRequest('chat', streamedBody('chat'), delivered('chat', 'Half of it '), { prefill: 'prefix' });
      const b = body(plan);
      assert.deepEqual(arrAt(b, 'messages'), [
        { role: 'user', content: 'Say the sentence.' },
        { role: 'assistant', content: 'Half of it', prefix: true },
      ]);
      assert.equal(plan.kind === 'request' && plan.prefilled, true);
      assert.equal(requestProblem('chat', b), undefined);
    });

    it('the fake refuses a prefix anywhere but on the last, assistant message, as the providers do', () => {
      const misplaced = {
        ...streamedBody('chat'),
        messages: [
          { role: 'assistant', content: 'Half', prefix: true },
          { role: 'user', content: CONTINUE_INSTRUCTION },
        ],
      };
      assert.match(requestProblem('chat', misplaced) ?? '', /only the last message/);
      const onUser = { ...streamedBody('chat'), messages: [{ role: 'user', content: 'Hi', prefix: true }] };
      assert.match(requestProblem('chat', onUser) ?? '', /prefix/);
    });

    it('Responses has no prefill: the instruction form, whatever the pool declares', () => {
      const plan = continuationRequest('responses', streamedBody('responses'), delivered('responses', 'The quick'), { prefill: 'prefix' });
      assert.deepEqual(arrAt(body(plan), 'input').at(-1), { role: 'user', content: CONTINUE_INSTRUCTION });
      assert.equal(plan.kind === 'request' && plan.prefilled, false);
    });

    it('Anthropic Messages has no prefix field: a final assistant message is its prefill', () => {
      const b = body(continuationRequest('messages', streamedBody('messages'), delivered('messages', 'Some text'), { prefill: 'prefix' }));
      assert.deepEqual(arrAt(b, 'messages').at(-1), { role: 'assistant', content: 'Some text' });
    });

    it('nothing but whitespace delivered: no prefill, the target answers from the start', () => {
      const plan = continuationRequest('chat', streamedBody('chat'), delivered('chat', ' \n'), { prefill: 'prefix' });
      assert.equal(plan.kind === 'request' && plan.prefilled, false);
      assert.deepEqual(body(plan).messages, streamedBody('chat').messages);
    });
  });

  describe('instruction form, for targets that do not take a prefill', () => {
    it('Chat: the delivered text as an assistant turn, then the instruction to continue', () => {
      const original = streamedBody('chat');
      const b = body(continuationRequest('chat', original, delivered('chat', 'Continuatio'), { prefill: 'none' }));
      assert.deepEqual(arrAt(b, 'messages'), [
        { role: 'user', content: 'Say the sentence.' },
        { role: 'assistant', content: 'Continuatio' },
        { role: 'user', content: CONTINUE_INSTRUCTION },
      ]);
      assert.deepEqual(b.stream_options, { include_usage: true });
      assert.equal(requestProblem('chat', b), undefined);
    });

    it('Chat with a prefill target: the assistant turn last, no instruction', () => {
      const b = body(continuationRequest('chat', streamedBody('chat'), delivered('chat', 'Half of it '), { prefill: 'assistant' }));
      assert.deepEqual(arrAt(b, 'messages').at(-1), { role: 'assistant', content: 'Half of it' });
    });

    it('Responses: a string input becomes items, then the assistant turn and the instruction', () => {
      const original = streamedBody('responses', { instructions: 'Be brief.' });
      const b = body(continuationRequest('responses', original, delivered('responses', 'The quick '), { prefill: 'none', model: 'gpt-other' }));
      assert.deepEqual(arrAt(b, 'input'), [
        { role: 'user', content: 'Say the sentence.' },
        { role: 'assistant', content: 'The quick' },
        { role: 'user', content: CONTINUE_INSTRUCTION },
      ]);
      assert.equal(b.instructions, 'Be brief.');
      assert.equal(b.model, 'gpt-other');
      assert.equal(requestProblem('responses', b), undefined);
    });

    it('Anthropic target configured without prefill: the assistant turn and the instruction', () => {
      const b = body(continuationRequest('messages', streamedBody('messages'), delivered('messages', 'Some text'), { prefill: 'none' }));
      assert.deepEqual(arrAt(b, 'messages').slice(1), [
        { role: 'assistant', content: 'Some text' },
        { role: 'user', content: CONTINUE_INSTRUCTION },
      ]);
      assert.equal(requestProblem('messages', b), undefined);
    });
  });

  describe('output limits', () => {
    const text = 'x'.repeat(400); // about 100 tokens by the estimate

    it('reduces max_tokens, max_completion_tokens and max_output_tokens by the output already produced', () => {
      assert.equal(
        body(continuationRequest('messages', streamedBody('messages', { max_tokens: 1000 }), delivered('messages', text), { prefill: 'assistant' })).max_tokens,
        900,
      );
      const chat = body(
        continuationRequest('chat', streamedBody('chat', { max_tokens: 500, max_completion_tokens: 600 }), delivered('chat', text), { prefill: 'none' }),
      );
      assert.equal(chat.max_tokens, 400);
      assert.equal(chat.max_completion_tokens, 500);
      assert.equal(
        body(continuationRequest('responses', streamedBody('responses', { max_output_tokens: 300 }), delivered('responses', text), { prefill: 'none' }))
          .max_output_tokens,
        200,
      );
    });

    it("uses the provider's own count when it reported more than the estimate", () => {
      const b = body(
        continuationRequest('messages', streamedBody('messages', { max_tokens: 1000 }), delivered('messages', 'short', 250), { prefill: 'assistant' }),
      );
      assert.equal(b.max_tokens, 750);
    });

    it('never goes below the floor, nor above the original limit', () => {
      const low = body(continuationRequest('messages', streamedBody('messages', { max_tokens: 120 }), delivered('messages', text), { prefill: 'assistant' }));
      assert.equal(low.max_tokens, MIN_CONTINUATION_OUTPUT_TOKENS);
      const tiny = body(
        continuationRequest('responses', streamedBody('responses', { max_output_tokens: 32 }), delivered('responses', text), { prefill: 'none' }),
      );
      assert.equal(tiny.max_output_tokens, 32);
      assert.equal(requestProblem('responses', tiny), undefined);
    });
  });

  describe('refusals', () => {
    it('an answer that is not continuable (the transcript says why)', () => {
      const t = delivered('chat', 'Let me check');
      t.note(
        sse('', { id: 'chatcmpl-1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', function: { name: 'Read', arguments: '' } }] } }] }),
      );
      assert.deepEqual(continuationRequest('chat', streamedBody('chat'), t, { prefill: 'none' }), {
        kind: 'refused',
        reason: 'the answer contains a tool call',
      });
    });

    it('a Responses request that continues stored state another account cannot read', () => {
      const plan = continuationRequest('responses', streamedBody('responses', { previous_response_id: 'resp_0' }), delivered('responses', 'Hi'), {
        prefill: 'none',
      });
      assert.deepEqual(plan, { kind: 'refused', reason: 'the request continues a stored response (previous_response_id)' });
    });

    it('a stored Responses answer (store not false), which the next turn may chain to by the original id', () => {
      const stored = continuationRequest('responses', streamedBody('responses', { store: true }), delivered('responses', 'Hi'), { prefill: 'none' });
      assert.deepEqual(stored, { kind: 'refused', reason: 'the response is stored under its id (store is not false)' });
      const { store: _default, ...byDefault } = streamedBody('responses');
      assert.equal(continuationRequest('responses', byDefault, delivered('responses', 'Hi'), { prefill: 'none' }).kind, 'refused');
    });

    it('structured output, and several chat choices', () => {
      const json = continuationRequest(
        'chat',
        streamedBody('chat', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }),
        delivered('chat', '{"a"'),
        { prefill: 'none' },
      );
      assert.deepEqual(json, { kind: 'refused', reason: 'the request asks for structured output' });
      const format = continuationRequest('responses', streamedBody('responses', { text: { format: { type: 'json_object' } } }), delivered('responses', '{'), {
        prefill: 'none',
      });
      assert.equal(format.kind, 'refused');
      const n = continuationRequest('chat', streamedBody('chat', { n: 2 }), delivered('chat', 'A'), { prefill: 'none' });
      assert.deepEqual(n, { kind: 'refused', reason: 'the request asks for several choices' });
    });
  });
});
