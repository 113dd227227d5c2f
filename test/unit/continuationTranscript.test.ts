// Guards StreamTranscript, the record of what a client received of a committed stream: continuation is only
// offered for text-only answers (never after a tool call, thinking, reasoning or a refusal, never after the end),
// and it knows the ids, indices and sequence numbers a splice must reuse.
import assert from 'node:assert/strict';
import { StreamTranscript } from '../../src/core/continuation/streamTranscript';
import { restOfText, startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { endpointUrl, eventsThroughDelta, keyHeaders, sse, streamedBody, type StreamEndpoint } from '../helpers/continuationFixtures';
import { captureStream } from '../helpers/sseStreams';
import { must } from '../helpers/must';

const FULL = 'The quick brown fox jumps over the lazy dog, twice.';

async function cutTranscript(fake: FakeProvider, endpoint: StreamEndpoint, afterEvents: number): Promise<StreamTranscript> {
  fake.fault('test-key-1', { kind: 'cut', afterEvents });
  const captured = await captureStream(endpointUrl(fake, endpoint), keyHeaders(endpoint, 'test-key-1'), streamedBody(endpoint));
  assert.ok(captured.cut, 'the fake cut the stream');
  const transcript = new StreamTranscript(endpoint);
  for (const event of captured.events) transcript.note(event);
  return transcript;
}

describe('continuation: StreamTranscript', () => {
  let fake: FakeProvider;
  before(async () => (fake = await startFakeProvider()));
  after(async () => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.setResponder(restOfText(FULL));
  });

  describe('text-only answers cut mid-way are continuable', () => {
    it('Anthropic Messages: text, message id and model, the open block and the input usage', async () => {
      const t = await cutTranscript(fake, 'messages', eventsThroughDelta('messages', 2));
      assert.equal(t.text, 'The quick brown fox ');
      assert.equal(t.continuable, true);
      assert.equal(t.notContinuableBecause, undefined);
      const p = t.position;
      assert.equal(p.endpoint, 'messages');
      assert.match(must(p.id), /^msg_/);
      assert.equal(p.model, 'claude-test');
      assert.equal(p.openIndex, 0);
      assert.equal(p.nextIndex, 1);
      assert.ok(must(t.usage.input) > 0, 'message_start reported the input tokens');
      assert.equal(t.deliveredOutputTokens, Math.ceil('The quick brown fox '.length / 4));
    });

    it('OpenAI Chat: text and what every chunk repeats', async () => {
      const t = await cutTranscript(fake, 'chat', eventsThroughDelta('chat', 3));
      assert.equal(t.text, 'The quick brown fox jumps over');
      assert.equal(t.continuable, true);
      const p = t.position;
      if (p.endpoint !== 'chat') return assert.fail('chat position');
      assert.match(must(p.id), /^chatcmpl-/);
      assert.equal(p.model, 'gpt-test');
      assert.equal(typeof p.created, 'number');
      assert.equal(p.systemFingerprint, 'fp_fake');
    });

    it('OpenAI Responses: text, the open item and part, and the last sequence number', async () => {
      const t = await cutTranscript(fake, 'responses', eventsThroughDelta('responses', 1));
      assert.equal(t.text, 'The quick ');
      assert.equal(t.continuable, true);
      const p = t.position;
      if (p.endpoint !== 'responses') return assert.fail('responses position');
      assert.match(must(p.id), /^resp_/);
      assert.equal(p.lastSequence, 4);
      assert.equal(p.openItem?.outputIndex, 0);
      assert.match(must(p.openItem).id, /^msg_/);
      assert.equal(p.openItem.openPart, 0);
      assert.equal(must(p.openItem.parts[0]).text, 'The quick ');
      assert.equal(p.nextOutputIndex, 1);
      assert.deepEqual(t.facts, { responseId: p.id, model: 'gpt-test', createdAt: p.createdAt, lastSequence: 4 });
    });
  });

  describe('never continuable across a tool call', () => {
    for (const endpoint of ['messages', 'chat', 'responses'] as const) {
      it(`${endpoint}: a tool call seen after text`, async () => {
        fake.setResponder(() => ({ text: 'Let me look.', toolCall: { name: 'Read', arguments: { path: '/tmp/x' } }, events: 2 }));
        // Text block (or item) complete, then the tool call opened: cut inside its arguments.
        const afterEvents = { messages: 7, chat: 4, responses: 10 }[endpoint];
        const t = await cutTranscript(fake, endpoint, afterEvents);
        assert.equal(t.text, 'Let me look.');
        assert.equal(t.continuable, false);
        assert.equal(t.notContinuableBecause, 'the answer contains a tool call');
      });
    }
  });

  describe('never continuable after thinking or reasoning', () => {
    it('Anthropic: a thinking block before the text', () => {
      const t = new StreamTranscript('messages');
      t.note(sse('message_start', { type: 'message_start', message: { id: 'msg_1', model: 'claude-test', usage: { input_tokens: 9, output_tokens: 1 } } }));
      t.note(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      t.note(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } }));
      t.note(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
      t.note(sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }));
      t.note(sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Answer' } }));
      assert.equal(t.text, 'Answer');
      assert.equal(t.notContinuableBecause, 'the answer contains a thinking block');
    });

    it('Chat: reasoning_content streamed beside the text (DeepSeek, OpenRouter)', () => {
      const t = new StreamTranscript('chat');
      t.note(sse('', { id: 'c1', choices: [{ index: 0, delta: { role: 'assistant', content: '', reasoning_content: 'Hmm.' } }] }));
      t.note(sse('', { id: 'c1', choices: [{ index: 0, delta: { content: 'Answer' } }] }));
      assert.equal(t.notContinuableBecause, 'the answer contains reasoning');
    });

    it('Responses: a reasoning item before the message', () => {
      const t = new StreamTranscript('responses');
      t.note(sse('response.created', { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', model: 'gpt-test', output: [] } }));
      t.note(
        sse('response.output_item.added', {
          type: 'response.output_item.added',
          sequence_number: 1,
          output_index: 0,
          item: { id: 'rs_1', type: 'reasoning', summary: [] },
        }),
      );
      assert.equal(t.notContinuableBecause, 'the answer contains reasoning');
    });
  });

  describe('other answers that must not be continued', () => {
    it('an answer already complete, then ended (Anthropic message_delta, message_stop)', async () => {
      const t = await cutTranscript(fake, 'messages', 10);
      assert.equal(t.notContinuableBecause, 'the answer was already complete');
      t.note(sse('message_stop', { type: 'message_stop' }));
      assert.equal(t.ended, true);
      assert.equal(t.notContinuableBecause, 'the stream already ended');
    });

    it('a chat chunk with finish_reason, then [DONE]', () => {
      const t = new StreamTranscript('chat');
      t.note(sse('', { id: 'c1', choices: [{ index: 0, delta: { content: 'Done.' }, finish_reason: null }] }));
      assert.equal(t.continuable, true);
      t.note(sse('', { id: 'c1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      assert.equal(t.notContinuableBecause, 'the answer was already complete');
      t.note({ name: '', data: '[DONE]' });
      assert.equal(t.ended, true);
    });

    it('a second chat choice (n > 1), a refusal, an event that is not JSON', () => {
      const choices = new StreamTranscript('chat');
      choices.note(sse('', { id: 'c1', choices: [{ index: 1, delta: { content: 'B' } }] }));
      assert.equal(choices.notContinuableBecause, 'the answer contains several choices');
      const refusal = new StreamTranscript('chat');
      refusal.note(sse('', { id: 'c1', choices: [{ index: 0, delta: { refusal: 'I cannot' } }] }));
      assert.equal(refusal.notContinuableBecause, 'the answer contains a refusal');
      const malformed = new StreamTranscript('messages');
      malformed.note({ name: 'content_block_delta', data: '{not json' });
      assert.equal(malformed.notContinuableBecause, 'the answer contains an event that is not JSON');
    });

    it('a Responses stream that completed', async () => {
      const t = await cutTranscript(fake, 'responses', 100);
      assert.equal(t.text, FULL);
      assert.equal(t.ended, true);
      assert.equal(t.continuable, false);
    });
  });
});
