// Guards the splice against continuations that repeat what the client already has, on every endpoint, against the
// fake provider and parsed by the real SDKs: a target that starts the answer again from the beginning, or restarts
// the sentence it was cut in, gives the client the text once; one that restarts and then says something else is
// refused before any of it is written (the caller then ends the stream with the terminal error).
import assert from 'node:assert/strict';
import { divergingText, restartingSentence, restartingText, startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { eventsThroughDelta, type StreamEndpoint } from '../helpers/continuationFixtures';
import { continueOnFake, interruptedStream, parsedBySdk, parseEvents, sdkText } from '../helpers/continuationSplice';
import { assertWellFormed } from '../helpers/wellFormedStream';

const FULL = 'The quick brown fox jumps over the lazy dog, then rests under the old oak tree until the evening comes.';
const ENDPOINTS: StreamEndpoint[] = ['messages', 'chat', 'responses'];

describe('continuation: a continuation that repeats the answer', function () {
  this.timeout(8000);
  let fake: FakeProvider;
  before(async () => (fake = await startFakeProvider({ strictRequests: true, streamEvents: 12 })));
  after(async () => fake.close());
  beforeEach(() => fake.reset());

  for (const endpoint of ENDPOINTS) {
    describe(endpoint, () => {
      /** Cut after 6 text deltas, continued without prefill (the instruction form) on the fake. */
      const cutAndContinue = async () => {
        const interrupted = await interruptedStream(fake, endpoint, eventsThroughDelta(endpoint, 6));
        const delivered = interrupted.transcript.text;
        assert.ok(delivered.length > 20 && FULL.startsWith(delivered), `cut mid-answer: ${JSON.stringify(delivered)}`);
        const continued = await continueOnFake(fake, endpoint, interrupted, 'none');
        return { interrupted, delivered, continued };
      };

      it('drops a restart from the beginning: the SDK gets the text once', async () => {
        fake.setResponder(restartingText(FULL));
        const { continued } = await cutAndContinue();
        assert.equal(continued.splicer.status, 'ended');
        assertWellFormed(endpoint, parseEvents(continued.clientBytes));
        assert.equal(sdkText(endpoint, await parsedBySdk(endpoint, continued.clientBytes)), FULL);
      });

      it('drops a restart of the sentence that was cut', async () => {
        fake.setResponder(restartingSentence(FULL));
        const { delivered, continued } = await cutAndContinue();
        assert.equal(continued.splicer.status, 'ended');
        assertWellFormed(endpoint, parseEvents(continued.clientBytes));
        assert.equal(sdkText(endpoint, await parsedBySdk(endpoint, continued.clientBytes)), FULL, `delivered ${JSON.stringify(delivered)}`);
      });

      it('refuses a restart that departs from the delivered text, writing none of it', async () => {
        fake.setResponder(divergingText(FULL, 'The quick brown cat sleeps all afternoon in the warm sun.'));
        const { interrupted, continued } = await cutAndContinue();
        assert.equal(continued.splicer.status, 'failed');
        assert.equal(continued.splicer.refusedJoin, true);
        assert.match(continued.splicer.failure ?? '', /repeated text the client already has/);
        assert.equal(continued.clientBytes.length, interrupted.clientBytes.length, 'nothing written after the cut');
      });

      it('releases a short continuation held back while it might have been a repeat, where the text goes', async () => {
        fake.setResponder(divergingText(FULL, 'The'));
        const { delivered, continued } = await cutAndContinue();
        assert.equal(continued.splicer.status, 'ended');
        assertWellFormed(endpoint, parseEvents(continued.clientBytes));
        assert.equal(sdkText(endpoint, await parsedBySdk(endpoint, continued.clientBytes)), `${delivered}The`);
      });
    });
  }

  it('Anthropic prefill: a provider that echoes the prefill before the rest gives the text once', async () => {
    fake.setResponder(restartingText(FULL));
    const interrupted = await interruptedStream(fake, 'messages', eventsThroughDelta('messages', 6));
    const continued = await continueOnFake(fake, 'messages', interrupted, 'assistant');
    assert.equal(sdkText('messages', await parsedBySdk('messages', continued.clientBytes)), FULL);
  });
});
