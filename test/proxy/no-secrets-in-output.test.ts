// Guards the rule that secrets never appear in logs, errors, status output or persisted state: drive every
// kind of failure, then search everything the bridge produced for every key.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';

describe('no secret in anything the bridge writes', () => {
  let h: Harness;
  const secrets = ['oa-key-1', 'oa-key-2', 'oa-key-3', 'an-key-1', 'an-key-2', 'an-key-3'];
  before(async () => (h = await startHarness({ tuning: { waitThresholdMs: 0 } })));
  after(async () => h.close());

  it('keeps keys out of logs, error bodies and status', async () => {
    const outputs: string[] = [];
    h.provider.fault('oa-key-1', { kind: 'invalidKey' });
    h.provider.fault('oa-key-2', { kind: 'quota' });
    outputs.push((await post(`${h.openaiBase}/chat/completions`, chatBody())).text);
    h.provider.fault('oa-key-3', { kind: 'rateLimit' });
    outputs.push((await post(`${h.openaiBase}/chat/completions`, chatBody())).text);
    h.provider.always('*', { kind: 'serverError' });
    outputs.push((await post(`${h.anthropicBase}/v1/messages`, messagesBody())).text);
    h.provider.always('*', { kind: 'cut', afterEvents: 3 });
    outputs.push((await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }))).text);
    outputs.push(JSON.stringify(await h.bridge.testPool('an')));
    outputs.push(JSON.stringify(h.bridge.status()));
    outputs.push(...h.logs);
    assert.ok(
      h.logs.some((l) => /key oa\/k1 \(oa-…ey-1\) ready → invalid/.test(l)),
      'state changes are logged with the masked key',
    );
    assert.ok(
      h.logs.some((l) => / pool=oa key=oa-…ey-\d fp=[0-9a-f]{8} attempts=/.test(l)),
      'one line per request with the key fingerprint',
    );
    const all = outputs.join('\n');
    for (const secret of secrets) assert.ok(!all.includes(secret), `${secret} leaked`);
  });
});
