// Guards the affinity table against flooding: it is bounded (oldest entries go first), so only ids that are
// ever looked up may enter it. Anthropic streams used to store their message ids as response ids, and heavy
// Claude traffic then evicted the Responses ids that keep Codex's previous_response_id on its key (found
// by the soak's heap figures: the table was most of the bridge's heap growth).
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import { strAt } from '../helpers/json';

describe('affinity table flooding', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('stores only the Responses ids, not what other endpoints stream', async () => {
    const streamed = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi', stream: true });
    assert.equal(streamed.status, 200);
    const whole = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi' });
    assert.equal(whole.status, 200);
    for (let i = 0; i < 20; i++) {
      assert.equal((await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }))).status, 200);
      assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }))).status, 200);
    }
    assert.equal(h.bridge.engine.affinity.size, 2, 'one entry per Responses answer, none for messages or chat');
    assert.ok(h.bridge.engine.affinity.get(`resp:${strAt(whole.json(), 'id')}`), 'the Responses id is there to be looked up');
  });
});
