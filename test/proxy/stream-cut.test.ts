// Guards streams cut after the commit point: never retried, never spliced with a second answer (it would
// replay tool calls); the client's stream ends with its protocol's own terminal error instead.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';
import { at, numAt, parseJson, strAt } from '../helpers/json';

describe('a stream cut mid-way', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(async () => h.close());

  it('ends an Anthropic stream with event: error', async () => {
    h.provider.fault('an-key-1', { kind: 'cut', afterEvents: 5 });
    const res = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ stream: true }));
    const events = sseEvents(res.text);
    const last = events[events.length - 1];
    assert.equal(last.event, 'error');
    assert.equal(at(parseJson(last.data), 'type'), 'error');
    assert.equal(at(parseJson(last.data), 'error', 'type'), 'api_error');
    assert.equal(h.provider.ledger.length, 1, 'no second upstream request once bytes reached the client');
  });

  it('ends an OpenAI chat stream with an error chunk and [DONE]', async () => {
    h.provider.fault('oa-key-1', { kind: 'cut', afterEvents: 3 });
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true }));
    const events = sseEvents(res.text);
    assert.equal(events[events.length - 1].data, '[DONE]');
    assert.match(strAt(parseJson(events[events.length - 2].data), 'error', 'message'), /interrupted/);
    assert.equal(h.provider.ledger.length, 1);
  });

  it('ends a Responses stream with a well-formed response.failed', async () => {
    h.provider.fault('oa-key-1', { kind: 'cut', afterEvents: 5 });
    const res = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi', stream: true });
    const events = sseEvents(res.text);
    const created = parseJson(must(events.find((e) => e.event === 'response.created')).data);
    const last = events[events.length - 1];
    assert.equal(last.event, 'response.failed');
    const failed = parseJson(last.data);
    assert.equal(at(failed, 'response', 'id'), at(created, 'response', 'id'), 'the failure names the response the client was receiving');
    assert.equal(at(failed, 'response', 'status'), 'failed');
    assert.ok(numAt(failed, 'sequence_number') > numAt(parseJson(events[events.length - 2].data), 'sequence_number'));
  });

  it('ends a translated Responses stream (a Chat-only pool) with a response.failed that continues the stream the client got', async () => {
    await h.close();
    h = await startHarness({
      pools: (provider) => [
        {
          id: 'oa-chat',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          strategy: 'fill-first',
          responses: false,
          keys: [{ id: 'k1', secret: 'oa-key-1' }],
        },
      ],
    });
    h.provider.fault('oa-key-1', { kind: 'cut', afterEvents: 3 });
    const res = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi', stream: true });
    assert.equal(h.provider.ledger.at(-1)?.path, '/v1/chat/completions', 'the pool answered in Chat Completions');
    const events = sseEvents(res.text).map((e) => ({
      event: e.event,
      data: JSON.parse(e.data) as { sequence_number: number; response?: { id: string; status: string; model: string } },
    }));
    const created = events.find((e) => e.event === 'response.created');
    assert.ok(created?.data.response, 'the client got response.created');
    const last = events.at(-1);
    assert.equal(last?.event, 'response.failed');
    assert.equal(last.data.response?.id, created.data.response.id, 'the failure names the response the client was receiving');
    assert.equal(last.data.response.model, created.data.response.model);
    assert.equal(last.data.response.status, 'failed');
    assert.deepEqual(
      events.map((e) => e.data.sequence_number),
      events.map((_, i) => i),
      'the failure takes the next sequence number',
    );
  });
});
