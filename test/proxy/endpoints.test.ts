// Guards the public surface: every documented endpoint reaches the right provider path with its query string
// and protocol headers intact, and agents' unauthenticated `HEAD /` probe gets an answer.
import assert from 'node:assert/strict';
import { chatBody, keysSeen, messagesBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { arrAt, at, strAt } from '../helpers/json';

describe('endpoints', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  beforeEach(() => h.provider.reset());

  it('relays OpenAI chat, responses and embeddings to the OpenAI pool', async () => {
    const chat = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(chat.status, 200);
    assert.equal(at(chat.json(), 'object'), 'chat.completion');
    const responses = await post(`${h.openaiBase}/responses`, { model: 'gpt-test', input: 'hi' });
    assert.equal(at(responses.json(), 'object'), 'response');
    const embeddings = await post(`${h.openaiBase}/embeddings`, { model: 'emb-test', input: ['a', 'b'] });
    assert.equal(arrAt(embeddings.json(), 'data').length, 2);
    assert.deepEqual(
      h.provider.ledger.map((e) => [e.path, e.key]),
      [
        ['/v1/chat/completions', 'oa-key-1'],
        ['/v1/responses', 'oa-key-1'],
        ['/v1/embeddings', 'oa-key-1'],
      ],
    );
  });

  it('lists models for each protocol with GET', async () => {
    const oa = await fetch(`${h.openaiBase}/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(oa.status, 200);
    assert.equal(((await oa.json()) as { object: string }).object, 'list');
    const an = await fetch(`${h.anthropicBase}/v1/models`, { headers: { 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' } });
    assert.equal(an.status, 200);
    assert.equal(((await an.json()) as { has_more: boolean }).has_more, false);
    assert.deepEqual(keysSeen(h.provider), ['oa-key-1', 'an-key-1']);
  });

  it('keeps the query string and the anthropic-beta / anthropic-version headers on messages', async () => {
    const res = await post(`${h.anthropicBase}/v1/messages?beta=true`, messagesBody(), {
      authorization: '',
      'x-api-key': TOKEN,
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'context-management-2025-06-27',
    });
    assert.equal(res.status, 200);
    assert.equal(at(res.json(), 'type'), 'message');
    const entry = h.provider.ledger[0];
    assert.equal(entry.path, '/v1/messages?beta=true');
    assert.equal(entry.headers['anthropic-beta'], 'context-management-2025-06-27');
    assert.equal(entry.headers['anthropic-version'], '2023-06-01');
    assert.equal(entry.key, 'an-key-1');
  });

  it('adds anthropic-version when a client leaves it out, and serves count_tokens', async () => {
    const res = await post(`${h.anthropicBase}/v1/messages/count_tokens`, messagesBody());
    assert.equal(res.status, 200);
    assert.equal(typeof at(res.json(), 'input_tokens'), 'number');
    assert.equal(h.provider.ledger[0].headers['anthropic-version'], '2023-06-01');
  });

  it('passes other /v1 paths through to the default pool of the protocol', async () => {
    const res = await post(`${h.openaiBase}/unknown/thing`, { model: 'x' });
    assert.equal(res.status, 404, 'the provider’s own 404 comes back');
    assert.equal(h.provider.ledger[0].path, '/v1/unknown/thing');
    assert.equal(h.provider.ledger[0].key, 'oa-key-1');
  });

  it('accepts the bare /v1 form: messages go to Anthropic, chat to OpenAI', async () => {
    const root = h.bridge.url;
    assert.equal((await post(`${root}/v1/messages`, messagesBody())).status, 200);
    assert.equal((await post(`${root}/v1/chat/completions`, chatBody())).status, 200);
    assert.deepEqual(keysSeen(h.provider), ['an-key-1', 'oa-key-1']);
  });

  it('answers HEAD on the base URLs without credentials', async () => {
    for (const url of [`${h.bridge.url}/`, h.anthropicBase, h.openaiBase]) {
      const res = await fetch(url, { method: 'HEAD' });
      assert.equal(res.status, 200, url);
    }
    assert.equal(h.provider.ledger.length, 0);
  });

  it('answers an unknown path with a 404 that names the base URLs', async () => {
    const res = await post(`${h.bridge.url}/nope`, {});
    assert.equal(res.status, 404);
    assert.match(strAt(res.json(), 'error', 'message'), /openai\/v1/);
  });
});
