// Guards against an upstream that sends a 200 status and headers for a non-streamed answer, then nothing:
// the client must not be left with a dropped connection and no HTTP answer at all. Nothing has reached the
// client before the first body byte, so the bridge fails over (found by the chaos soak: "other side closed").
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, type Harness } from '../helpers/harness';
import { at, strAt } from '../helpers/json';

describe('an upstream silent after its headers', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({
        pools: (provider) => [
          { id: 'oa', protocol: 'openai', baseUrl: provider.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'oa-key-1' }] },
          { id: 'oa-backup', protocol: 'openai', baseUrl: provider.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k2', secret: 'oa-key-2' }] },
          { id: 'an', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'an-key-1' }] },
        ],
        routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'oa' }, { pool: 'oa-backup' }] }],
      })),
  );
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  it('fails a non-streamed answer over to the next target when the body never starts', async () => {
    h.provider.fault('oa-key-1', { kind: 'slowFirstEvent', ms: 4_000 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.equal(at(res.json(), 'object'), 'chat.completion');
    assert.deepEqual(
      h.provider.ledger.map((e) => e.key),
      ['oa-key-1', 'oa-key-2'],
    );
    assert.equal(h.provider.ledger[0].aborted, true, 'the silent upstream request was given up');
  });

  it('answers in the client protocol when every target stays silent', async () => {
    h.provider.always('*', { kind: 'slowFirstEvent', ms: 4_000 });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody());
    assert.equal(res.status, 504);
    assert.equal(at(res.json(), 'type'), 'error');
    assert.match(strAt(res.json(), 'error', 'message'), /no answer body in time/);
    assert.equal(h.provider.ledger.length, 1, 'a silent provider is not retried');
  });
});
