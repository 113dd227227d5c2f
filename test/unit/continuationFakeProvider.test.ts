// Guards the fake provider's support for continuation tests: strictRequests answers a 400, in the provider's own
// shape, to the request shapes the real APIs refuse (a prefill ending in whitespace above all), and is off by
// default so every other test keeps today's lenient fake; restOfText answers a continuation with the rest of a text.
import assert from 'node:assert/strict';
import { restOfText, startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { endpointUrl, keyHeaders, streamedBody } from '../helpers/continuationFixtures';
import { captureStream } from '../helpers/sseStreams';
import { must } from '../helpers/must';
import { at, parseJson, strAt } from '../helpers/json';

const prefilled = (text: string) =>
  streamedBody('messages', {
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: text },
    ],
  });

describe('continuation: fake provider support', () => {
  let fake: FakeProvider;
  before(async () => (fake = await startFakeProvider()));
  after(async () => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.options.strictRequests = false;
  });

  it('refuses, when strict, a prefill ending in whitespace with the Anthropic error shape; accepts it by default', async () => {
    const url = endpointUrl(fake, 'messages');
    const lenient = await captureStream(url, keyHeaders('messages', 'test-key-1'), prefilled('The quick '));
    assert.equal(lenient.status, 200);
    fake.options.strictRequests = true;
    const strict = await captureStream(url, keyHeaders('messages', 'test-key-1'), prefilled('The quick '));
    assert.equal(strict.status, 400);
    assert.deepEqual(at(parseJson(strict.bytes.toString()), 'error'), {
      type: 'invalid_request_error',
      message: 'messages: final assistant content cannot end with trailing whitespace',
    });
    const trimmed = await captureStream(url, keyHeaders('messages', 'test-key-1'), prefilled('The quick'));
    assert.equal(trimmed.status, 200);
  });

  it('refuses, when strict, an empty non-final message and a chat body OpenAI would reject, in the OpenAI shape', async () => {
    fake.options.strictRequests = true;
    const empty = streamedBody('messages', {
      messages: [
        { role: 'user', content: '' },
        { role: 'assistant', content: 'x' },
      ],
    });
    assert.equal((await captureStream(endpointUrl(fake, 'messages'), keyHeaders('messages', 'test-key-1'), empty)).status, 400);
    const chat = await captureStream(endpointUrl(fake, 'chat'), keyHeaders('chat', 'test-key-1'), { ...streamedBody('chat'), stream: false });
    assert.equal(chat.status, 400);
    assert.equal(at(parseJson(chat.bytes.toString()), 'error', 'message'), "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
    const responses = await captureStream(
      endpointUrl(fake, 'responses'),
      keyHeaders('responses', 'test-key-1'),
      streamedBody('responses', { max_output_tokens: 8 }),
    );
    assert.equal(responses.status, 400);
  });

  it('restOfText answers the whole text from the start, and the rest after a delivered start', async () => {
    const responder = restOfText('The quick brown fox.');
    fake.setResponder(responder);
    const text = async (body: Record<string, unknown>) =>
      (await captureStream(endpointUrl(fake, 'messages'), keyHeaders('messages', 'test-key-1'), body)).events
        .map((e) => parseJson(must(e.data)))
        .filter((e) => at(e, 'type') === 'content_block_delta')
        .map((e) => strAt(e, 'delta', 'text'))
        .join('');
    assert.equal(await text(streamedBody('messages')), 'The quick brown fox.');
    assert.equal(await text(prefilled('The quick')), ' brown fox.');
    assert.deepEqual(
      responder.asked.map((a) => a.delivered),
      [undefined, 'The quick'],
    );
  });
});
