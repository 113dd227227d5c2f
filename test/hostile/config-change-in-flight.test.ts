// Guards against losing requests to a reconfiguration: config applies (keys added, removed and reordered,
// strategies, routes and timeouts changed) and key retirements that land while streams are in flight lose
// none of them and cut none short; new attempts leave a retired or removed key alone from that moment on.
import assert from 'node:assert/strict';
import type { BridgeConfig, PoolSpec, SelectionStrategy } from '../../src/core/config';
import { defaultReplyParts } from '../fakeProvider/fakeProvider';
import { chatBody, messagesBody, post, sseEvents, startHarness, TEST_TUNING, type Harness, type SimpleResponse } from '../helpers/harness';

const EVENTS = 20;

/** The whole text of a streamed answer, and whether it ended with its protocol's normal last event. */
function streamedText(res: SimpleResponse, anthropic: boolean): { text: string; complete: boolean } {
  const events = sseEvents(res.text);
  let text = '';
  for (const e of events) {
    if (e.data === '[DONE]' || !e.data) continue;
    const json = JSON.parse(e.data) as { choices?: { delta?: { content?: string } }[]; delta?: { text?: string } };
    text += anthropic ? (json.delta?.text ?? '') : (json.choices?.[0]?.delta?.content ?? '');
  }
  const last = events.at(-1);
  return { text, complete: anthropic ? last?.event === 'message_stop' : last?.data === '[DONE]' };
}

describe('config changes and retirements while requests are in flight', function () {
  this.timeout(20_000);
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ provider: { streamEvents: EVENTS, eventGapMs: 30 } })));
  afterEach(async () => h.close());

  const config = (variant: number): BridgeConfig => {
    const strategies: SelectionStrategy[] = ['fill-first', 'round-robin', 'weighted'];
    const rotate = <T>(items: T[]): T[] => [...items.slice(variant % items.length), ...items.slice(0, variant % items.length)];
    const keys = (prefix: string): PoolSpec['keys'] =>
      rotate([1, 2, 3, 4].filter((n) => n !== 1 + (variant % 4)).map((n) => ({ id: `k${n}`, secret: `${prefix}-key-${n}`, weight: n })));
    return {
      pools: [
        { id: 'oa', protocol: 'openai', baseUrl: h.provider.openaiBaseUrl, strategy: strategies[variant % 3], keys: keys('oa') },
        { id: 'an', protocol: 'anthropic', baseUrl: h.provider.anthropicBaseUrl, strategy: strategies[(variant + 1) % 3], keys: keys('an') },
      ],
      routes: variant % 2 ? [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }] }] : [],
      tuning: { ...TEST_TUNING, budgetMs: 8_000 + variant, idleTimeoutMs: 1_500 + variant * 10 },
    };
  };

  it('loses and cuts none of 24 streams across 15 config applies', async () => {
    const inFlight: Promise<[SimpleResponse, boolean]>[] = [];
    for (let i = 0; i < 24; i++) {
      const anthropic = i % 2 === 1;
      inFlight.push(
        (anthropic
          ? post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }))
          : post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }))
        ).then((res) => [res, anthropic]),
      );
      if (i % 2 === 1) h.bridge.apply(config(i));
      await new Promise((r) => setTimeout(r, 25));
    }
    for (let v = 0; v < 3; v++) {
      h.bridge.apply(config(100 + v));
      await new Promise((r) => setTimeout(r, 40));
    }
    const answers = await Promise.all(inFlight);
    for (const [res, anthropic] of answers) {
      assert.equal(res.status, 200);
      const { text, complete } = streamedText(res, anthropic);
      assert.ok(complete, 'the stream ended normally');
      const seq = Number(/^Reply (\d+) /.exec(text)?.[1]);
      assert.equal(text, defaultReplyParts(seq, EVENTS).join(''), 'the whole answer, nothing cut or spliced');
    }
    assert.equal(h.provider.ledger.length, 24, 'one upstream request each: nothing retried or lost');
    assert.ok(h.provider.ledger.every((e) => e.completed && !e.aborted));
  });

  it('finishes the streams of a key retired mid-stream, and sends nothing new to it until restored', async () => {
    const streams = Array.from({ length: 6 }, () => post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true })));
    await h.provider.waitFor((e) => e.eventsSent > 2, 2_000);
    assert.ok(
      h.provider.ledger.every((e) => e.key === 'oa-key-1'),
      'fill-first: all on key 1',
    );
    h.bridge.retireKey('oa', 'k1');
    const during = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(during.status, 200);
    for (const res of await Promise.all(streams)) assert.ok(streamedText(res, false).complete, 'retiring does not cut a stream under way');
    assert.equal(h.provider.ledger.at(-1)?.key, 'oa-key-2', 'the new request went to key 2');
    h.bridge.restoreKey('oa', 'k1');
    await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(h.provider.ledger.length, 8);
  });

  it('never sends a new attempt with a key removed from its pool, even for a request already in flight', async () => {
    h.bridge.apply({
      pools: [
        {
          id: 'oa',
          protocol: 'openai',
          baseUrl: h.provider.openaiBaseUrl,
          strategy: 'fill-first',
          keys: [
            { id: 'k1', secret: 'oa-key-1' },
            { id: 'k2', secret: 'oa-key-2' },
          ],
        },
      ],
      routes: [],
      tuning: { ...TEST_TUNING, transientBackoffMs: 600 },
    });
    h.provider.fault('oa-key-1', { kind: 'serverError' });
    const pending = post(`${h.openaiBase}/chat/completions`, chatBody());
    await h.provider.waitFor((e) => e.key === 'oa-key-1' && e.completed, 2_000);
    // The request now waits out its transient backoff; the user removes key 1 meanwhile.
    h.bridge.apply({
      pools: [{ id: 'oa', protocol: 'openai', baseUrl: h.provider.openaiBaseUrl, strategy: 'fill-first', keys: [{ id: 'k2', secret: 'oa-key-2' }] }],
      routes: [],
      tuning: { ...TEST_TUNING, transientBackoffMs: 600 },
    });
    assert.equal((await pending).status, 200);
    assert.deepEqual(
      h.provider.ledger.map((e) => e.key),
      ['oa-key-1', 'oa-key-2'],
    );
  });
});
