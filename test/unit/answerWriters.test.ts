// Guards the non-streamed answer writers (docs/ARCHITECTURE.md §9): each writes the answer model in its client's
// words, with the same block order, tool-call ids, carried reasoning, finish reason and usage that its stream
// writer would have streamed. A client reads these fields directly (Claude Code pairs tool_use ids with its
// tool_result turns, the OpenAI SDK reads finish_reason and usage), so each one is pinned here, driven through the
// answer model's sink the way every reader drives it.
import assert from 'node:assert/strict';
import type { AnswerSink } from '../../src/core/conversation/answerEvents';
import { decodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { MessagesAnswerWriter } from '../../src/core/protocols/anthropicMessages/answerWriter';
import { ChatAnswerWriter } from '../../src/core/protocols/openaiChat/answerWriter';
import { writeResponsesAnswer } from '../../src/core/protocols/openaiResponses/answerWriter';
import type { Wire } from '../../src/core/protocols/wire';

type Block = Record<string, unknown>;

// Driven as the sink a reader sees: a writer's own methods leave out the arguments it does not use.
const messagesWriter = (model: string, carry?: 'deepseek' | 'gemini'): MessagesAnswerWriter & AnswerSink => new MessagesAnswerWriter(model, carry);
const chatWriter = (model: string, created: number): ChatAnswerWriter & AnswerSink => new ChatAnswerWriter(model, created);

describe('Messages answer writer', () => {
  it('joins text deltas into one block, refusals included, and names the message after the upstream id', () => {
    const writer = messagesWriter('claude-client-name');
    writer.start('abc123', 'upstream-model');
    writer.text('Hello');
    writer.text(', ');
    writer.refusal('world');
    writer.finish('end');
    writer.usage({ input: 10, output: 3 });
    assert.deepEqual(writer.message(), {
      id: 'msg_abc123',
      type: 'message',
      role: 'assistant',
      model: 'claude-client-name',
      content: [{ type: 'text', text: 'Hello, world' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 3 },
    });
  });

  it('has an id and an end_turn of its own when the upstream gave neither', () => {
    const message = messagesWriter('m').message();
    assert.equal(message.id, 'msg_keybridge');
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(message.content, []);
    assert.deepEqual(message.usage, { input_tokens: 0, output_tokens: 0 });
  });

  it("says Anthropic's stop reason for each of ours, a cut answer ending the turn", () => {
    const cases: [Parameters<MessagesAnswerWriter['finish']>[0], string][] = [
      ['end', 'end_turn'],
      ['stop_sequence', 'stop_sequence'],
      ['tool_use', 'tool_use'],
      ['max_tokens', 'max_tokens'],
      ['refusal', 'refusal'],
      ['pause', 'pause_turn'],
      ['cut', 'end_turn'],
    ];
    for (const [reason, stop] of cases) {
      const writer = messagesWriter('m');
      writer.finish(reason);
      assert.equal(writer.message().stop_reason, stop, reason);
    }
  });

  it('has seen a finish only for a reason other than cut', () => {
    const writer = messagesWriter('m');
    assert.equal(writer.finishSeen, false, 'nothing said yet');
    writer.finish('cut');
    assert.equal(writer.finishSeen, false, 'a cut answer is unfinished');
    writer.finish('max_tokens');
    assert.equal(writer.finishSeen, true);
  });

  it('counts cache reads and writes apart from input_tokens, each only when there were any', () => {
    const writer = messagesWriter('m');
    writer.usage({ input: 100, output: 7, cacheRead: 30 });
    writer.usage({ cacheWrite: 20, reasoning: 4 });
    assert.deepEqual(writer.message().usage, { input_tokens: 50, output_tokens: 7, cache_read_input_tokens: 30, cache_creation_input_tokens: 20 });
    const reads = messagesWriter('m');
    reads.usage({ input: 5, cacheRead: 9 });
    assert.deepEqual(reads.message().usage, { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 9 }, 'never below zero');
  });

  it('drops reasoning unless a provider needs it back, and carries it as a signed thinking block when one does', () => {
    const plain = messagesWriter('m');
    plain.reasoning('hidden');
    plain.reasoningSignature('another-providers-signature');
    plain.text('answer');
    assert.deepEqual(plain.message().content, [{ type: 'text', text: 'answer' }]);

    const carried = messagesWriter('m', 'deepseek');
    carried.reasoning('Let me ');
    carried.reasoning('think.');
    carried.reasoningSignature('another-providers-signature');
    carried.text('answer');
    const [thinking, text, ...rest] = carried.message().content as Block[];
    assert.equal(rest.length, 0);
    assert.equal(thinking.type, 'thinking');
    assert.equal(thinking.thinking, 'Let me think.');
    assert.deepEqual(decodeCarriedReasoning(thinking.signature), { dialect: 'deepseek' });
    assert.deepEqual(text, { type: 'text', text: 'answer' });
  });

  it('writes tool calls under ids Anthropic takes, with their arguments parsed, each after the block before it', () => {
    const writer = messagesWriter('m');
    writer.text('Running it.');
    writer.toolCall('functions.Bash:0', 'Bash', undefined);
    writer.toolArguments('{"command":');
    writer.toolArguments('"ls"}');
    writer.blockEnd();
    writer.toolCall('', 'Read', undefined);
    writer.toolCall('', 'Write', undefined);
    writer.toolArguments('{"path":"a.txt"}');
    writer.finish('tool_use');
    const message = writer.message();
    assert.deepEqual(message.content, [
      { type: 'text', text: 'Running it.' },
      { type: 'tool_use', id: 'functions_Bash_0', name: 'Bash', input: { command: 'ls' } },
      { type: 'tool_use', id: 'call_1', name: 'Read', input: {} },
      { type: 'tool_use', id: 'call_2', name: 'Write', input: { path: 'a.txt' } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('keeps arguments a model got wrong under _raw_arguments, and ignores arguments with no call open', () => {
    const writer = messagesWriter('m');
    writer.text('no call yet');
    writer.toolArguments('{"stray":true}');
    writer.toolCall('call_a', 'Bash', undefined);
    writer.toolArguments('{"command": "ls"');
    writer.text('after');
    assert.deepEqual(writer.message().content, [
      { type: 'text', text: 'no call yet' },
      { type: 'tool_use', id: 'call_a', name: 'Bash', input: { _raw_arguments: '{"command": "ls"' } },
      { type: 'text', text: 'after' },
    ]);
  });

  it('carries a Gemini thought signature in a thinking block just before its call, under the id the client sees', () => {
    const writer = messagesWriter('m', 'gemini');
    writer.toolCall('functions.Bash:0', 'Bash', 'gemini-thought-signature');
    writer.toolArguments('{}');
    const [thinking, call] = writer.message().content as Block[];
    assert.equal(thinking.type, 'thinking');
    assert.equal(thinking.thinking, '');
    assert.deepEqual(decodeCarriedReasoning(thinking.signature), { dialect: 'gemini', thoughtSignatures: { functions_Bash_0: 'gemini-thought-signature' } });
    assert.deepEqual(call, { type: 'tool_use', id: 'functions_Bash_0', name: 'Bash', input: {} });

    const uncarried = messagesWriter('m');
    uncarried.toolCall('call_1', 'Bash', 'gemini-thought-signature');
    assert.deepEqual(uncarried.message().content, [{ type: 'tool_use', id: 'call_1', name: 'Bash', input: {} }], 'no carrier without a dialect to carry for');
  });
});

describe('Chat answer writer', () => {
  it('writes text, usage and the finish reason as one chat.completion', () => {
    const writer = chatWriter('gpt-client-name', 1_700_000_000);
    writer.start('xyz', 'upstream-model');
    writer.reasoning('not written');
    writer.reasoningSignature('not written');
    writer.text('Hello');
    writer.blockEnd();
    writer.text(' there');
    writer.other('server_tool_use');
    writer.usage({ input: 12, output: 5 });
    writer.finish('end');
    assert.deepEqual(writer.completion(), {
      id: 'chatcmpl-xyz',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-client-name',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    });
  });

  it('has an id of its own and an empty string content when the upstream gave neither', () => {
    const completion = chatWriter('m', 1).completion();
    assert.equal(completion.id, 'chatcmpl-keybridge');
    const [choice] = completion.choices as Wire[];
    assert.deepEqual(choice.message, { role: 'assistant', content: '' });
    assert.equal(choice.finish_reason, 'stop');
  });

  it('writes tool calls with their arguments appended, and null content when the answer is only calls', () => {
    const writer = chatWriter('m', 1);
    writer.toolArguments('{"stray":true}');
    writer.toolCall('call_1', 'Bash', undefined);
    writer.toolArguments('{"command":');
    writer.toolArguments('"ls"}');
    writer.toolCall('call_2', 'Read', undefined);
    writer.finish('tool_use');
    const [choice] = writer.completion().choices as Wire[];
    assert.deepEqual(choice.message, {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
        { id: 'call_2', type: 'function', function: { name: 'Read', arguments: '' } },
      ],
    });
    assert.equal(choice.finish_reason, 'tool_calls');
  });

  it('keeps text beside tool calls, and writes a refusal in its own field', () => {
    const withText = chatWriter('m', 1);
    withText.text('Running it.');
    withText.toolCall('call_1', 'Bash', undefined);
    assert.equal(((withText.completion().choices as Wire[])[0].message as Wire).content, 'Running it.');

    const refused = chatWriter('m', 1);
    refused.refusal('I can');
    refused.refusal('not help.');
    refused.finish('refusal');
    const [choice] = refused.completion().choices as Wire[];
    assert.deepEqual(choice.message, { role: 'assistant', content: '', refusal: 'I cannot help.' });
    assert.equal(choice.finish_reason, 'content_filter');
  });

  it("says Chat's finish_reason for each of ours", () => {
    const cases: [Parameters<ChatAnswerWriter['finish']>[0], string][] = [
      ['end', 'stop'],
      ['stop_sequence', 'stop'],
      ['pause', 'stop'],
      ['cut', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'content_filter'],
    ];
    for (const [reason, finish] of cases) {
      const writer = chatWriter('m', 1);
      writer.finish(reason);
      assert.equal((writer.completion().choices as Wire[])[0].finish_reason, finish, reason);
    }
  });

  it('has seen a finish only for a reason other than cut', () => {
    const writer = chatWriter('m', 1);
    assert.equal(writer.finishSeen, false);
    writer.finish('cut');
    assert.equal(writer.finishSeen, false);
    writer.finish('end');
    assert.equal(writer.finishSeen, true);
  });

  it('counts cache reads inside prompt_tokens and again as cached_tokens, and reasoning among completion tokens', () => {
    const writer = chatWriter('m', 1);
    writer.usage({ input: 100, output: 40, cacheRead: 30, cacheWrite: 10 });
    writer.usage({ reasoning: 25 });
    assert.deepEqual(writer.completion().usage, {
      prompt_tokens: 100,
      completion_tokens: 40,
      total_tokens: 140,
      prompt_tokens_details: { cached_tokens: 30 },
      completion_tokens_details: { reasoning_tokens: 25 },
    });
  });
});

describe('Responses answer writer', () => {
  it('writes a finished answer as the completed response its stream would have ended with', () => {
    const response = writeResponsesAnswer(
      (sink) => {
        sink.start('r1', 'upstream-model');
        sink.text('Hello');
        sink.toolCall('call_1', 'shell', undefined);
        sink.toolArguments('{"command":"ls"}');
        sink.blockEnd();
        sink.usage({ input: 9, output: 4 });
        sink.finish('tool_use');
      },
      'gpt-client-name',
      1_700_000_000,
    );
    assert.ok(response);
    assert.equal(response.status, 'completed');
    assert.equal(response.model, 'gpt-client-name');
    assert.equal(response.created_at, 1_700_000_000);
    const output = response.output as Wire[];
    assert.deepEqual(
      output.map((item) => item.type),
      ['message', 'function_call'],
    );
    assert.equal(output[1].call_id, 'call_1');
    assert.equal(output[1].arguments, '{"command":"ls"}');
    assert.equal((response.usage as Wire).input_tokens, 9);
    assert.equal((response.usage as Wire).output_tokens, 4);
  });

  it('writes nothing for an answer that did not say how it ended, or was cut', () => {
    assert.equal(
      writeResponsesAnswer((sink) => sink.text('partial'), 'm', 1),
      undefined,
    );
    assert.equal(
      writeResponsesAnswer(
        (sink) => {
          sink.text('partial');
          sink.finish('cut');
        },
        'm',
        1,
      ),
      undefined,
    );
  });

  it('carries reasoning for the dialect that needs it back, and only then', () => {
    const read = (sink: Parameters<Parameters<typeof writeResponsesAnswer>[0]>[0]) => {
      sink.reasoning('thinking it over');
      sink.text('done');
      sink.finish('end');
    };
    const carried = writeResponsesAnswer(read, 'm', 1, 'deepseek');
    const reasoning = (carried?.output as Wire[]).find((item) => item.type === 'reasoning');
    assert.ok(reasoning, 'a reasoning item');
    assert.deepEqual(decodeCarriedReasoning(reasoning.encrypted_content), { dialect: 'deepseek' });
    const plain = writeResponsesAnswer(read, 'm', 1);
    assert.deepEqual(
      (plain?.output as Wire[]).map((item) => item.type),
      ['message'],
    );
  });
});
