// Guards robustness of the relay: a malformed event is forwarded as it came and never crashes the proxy;
// a clean upstream end without the protocol's final marker ends the client's stream at once.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';

describe('odd but clean streams', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  it('forwards a malformed event untouched and keeps serving', async () => {
    h.provider.fault('oa-key-1', { kind: 'malformed' });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.match(res.text, /data: \{not json\n\n/);
    assert.match(res.text, /data: \[DONE\]/);
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
  });

  it('ends at once when the upstream ends cleanly without [DONE] or message_stop', async () => {
    h.provider.fault('oa-key-1', { kind: 'noDone' });
    h.provider.fault('an-key-1', { kind: 'noDone' });
    const chat = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    assert.ok(!chat.text.includes('[DONE]'));
    assert.ok(!chat.text.includes('"error"'), 'a clean end is not reported as an error');
    const msg = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    assert.ok(!msg.text.includes('message_stop'));
    assert.equal(h.provider.ledger.length, 2);
  });
});
