// Guards issue 20, item 3: reasoning carried for a Chat provider (our `kbr1.` carrier) never reaches Anthropic or
// OpenAI, also when a cut stream is continued on another target (the continuation is the client's request rewritten).
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { restOfText } from '../fakeProvider/continuationReplies';
import { sseEvents, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { encodeCarriedReasoning } from '../../src/core/conversation/reasoningCarry';
import { must } from '../helpers/must';

const FULL = 'The quick brown fox jumps over the lazy dog, then rests under the old oak tree until the evening comes.';
const pools = (p: FakeProvider) => [
  { id: 'an-a', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'an-first-1' }] },
  { id: 'an-b', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'an-second-1' }] },
];

describe('reasoning carried for a Chat provider, on a continuation', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => h.close());
  it('the continuation leaves out the carrier, as the first attempt does', async () => {
    h = await startHarness({
      pools,
      routes: [{ protocol: 'anthropic' as const, match: '*', targets: [{ pool: 'an-a' }, { pool: 'an-b' }], continueOnCut: true }],
      provider: { streamEvents: 12, strictRequests: true },
    });
    h.provider.setResponder(restOfText(FULL));
    h.provider.fault('an-first-1', { kind: 'cut', afterEvents: 6 });
    const carrier = encodeCarriedReasoning({ dialect: 'deepseek' });
    const res = await fetch(`${h.anthropicBase}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TOKEN },
      body: JSON.stringify({
        model: 'claude-test',
        max_tokens: 400,
        stream: true,
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'deepseek thought', signature: carrier },
              { type: 'text', text: 'hello' },
            ],
          },
          { role: 'user', content: 'tell me' },
        ],
      }),
    });
    sseEvents(await res.text());
    const bodies = h.provider.ledger.map((e) => JSON.stringify(e.body));
    assert.equal(bodies.length, 2, 'a first attempt and a continuation');
    assert.doesNotMatch(must(bodies[0]), /kbr1\./, 'first attempt stripped');
    assert.doesNotMatch(must(bodies[1]), /kbr1\./, 'continuation stripped');
  });
});
