// Guards the translating paths against JSON nested thousands deep, which JSON.parse takes but a recursive walk
// (or JSON.stringify) overflows the stack on: a provider answer nested 5,000 deep on a translated target is that
// target's fault, so the route fails over to its next target (and with none left the client gets a 502 in its
// own protocol); a client request nested 20,000 deep gets a 400 in its own protocol, from a translated route and
// from the count_tokens estimate. Never the bridge's internal error.
import assert from 'node:assert/strict';
import { post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { at, strAt } from '../helpers/json';

/** An object nested `depth` levels deep, as JSON text (JSON.stringify itself would overflow on it). */
const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
/** A Chat answer whose tool call's arguments are an object nested 5,000 deep: the Anthropic client gets them as `input`. */
const deepChatAnswer = JSON.stringify({
  id: 'chatcmpl-deep',
  object: 'chat.completion',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'Read', arguments: nested(5_000) } }] },
      finish_reason: 'tool_calls',
    },
  ],
});
/** An Anthropic answer whose tool_use input is nested 5,000 deep: the Chat client gets it as arguments text. */
const deepMessagesAnswer = `{"id":"msg_deep","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"Read","input":${nested(5_000)}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}`;

const anthropicHeaders = { authorization: '', 'x-api-key': TOKEN, 'anthropic-version': '2023-06-01' };

describe('JSON nested thousands deep on translated routes', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({
        routes: [
          // An Anthropic client on a Chat pool, then on its own protocol.
          {
            protocol: 'anthropic',
            match: 'claude-then-*',
            targets: [
              { pool: 'oa', model: 'gpt-deep' },
              { pool: 'an', model: 'claude-ok' },
            ],
          },
          { protocol: 'anthropic', match: 'claude-only-*', targets: [{ pool: 'oa', model: 'gpt-deep' }] },
          // A Chat client on an Anthropic pool, then on its own protocol.
          {
            protocol: 'openai',
            match: 'gpt-then-*',
            targets: [
              { pool: 'an', model: 'claude-deep' },
              { pool: 'oa', model: 'gpt-ok' },
            ],
          },
          { protocol: 'openai', match: 'gpt-only-*', targets: [{ pool: 'an', model: 'claude-deep' }] },
        ],
      })),
  );
  after(async () => h.close());
  beforeEach(() => {
    h.provider.reset();
    h.provider.alwaysWhen('*', { model: 'gpt-deep' }, { kind: 'status', status: 200, body: deepChatAnswer });
    h.provider.alwaysWhen('*', { model: 'claude-deep' }, { kind: 'status', status: 200, body: deepMessagesAnswer });
  });

  it('fails over from a provider answer nested 5,000 deep to the next target (Anthropic client, Chat pool)', async () => {
    const res = await post(
      `${h.anthropicBase}/v1/messages`,
      { model: 'claude-then-x', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      anthropicHeaders,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(at(res.json(), 'type'), 'message');
    assert.equal(h.provider.ledger.at(-1)?.model, 'claude-ok', 'the next target served');
    assert.ok(!h.logs.some((line) => /internal error/.test(line)), 'no internal error was logged');
  });

  it('fails over from a provider answer nested 5,000 deep to the next target (Chat client, Anthropic pool)', async () => {
    const res = await post(`${h.openaiBase}/chat/completions`, { model: 'gpt-then-x', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.status, 200, res.text);
    assert.equal(at(res.json(), 'object'), 'chat.completion');
    assert.equal(h.provider.ledger.at(-1)?.model, 'gpt-ok', 'the next target served');
  });

  it('answers 502 in the client’s protocol when no target is left after a deep answer', async () => {
    const an = await post(
      `${h.anthropicBase}/v1/messages`,
      { model: 'claude-only-x', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      anthropicHeaders,
    );
    assert.equal(an.status, 502, an.text);
    assert.equal(at(an.json(), 'type'), 'error');
    assert.match(strAt(an.json(), 'error', 'message'), /nested deeper/);
    const oa = await post(`${h.openaiBase}/chat/completions`, { model: 'gpt-only-x', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(oa.status, 502, oa.text);
    assert.match(strAt(oa.json(), 'error', 'message'), /nested deeper/);
  });

  it('refuses a Messages request nested 20,000 deep on a translated route with an Anthropic 400, sending nothing', async () => {
    const body = `{"model":"claude-only-x","max_tokens":64,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Read","input":${nested(20_000)}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}`;
    const res = await post(`${h.anthropicBase}/v1/messages`, body, anthropicHeaders);
    assert.equal(res.status, 400, res.text);
    assert.equal(at(res.json(), 'type'), 'error');
    assert.equal(at(res.json(), 'error', 'type'), 'invalid_request_error');
    assert.match(strAt(res.json(), 'error', 'message'), /nested deeper than \d+ levels/);
    assert.equal(h.provider.ledger.length, 0);
  });

  it('refuses a Chat request nested 20,000 deep on a translated route with an OpenAI 400, sending nothing', async () => {
    const body = `{"model":"gpt-only-x","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"Read","parameters":${nested(20_000)}}}]}`;
    const res = await post(`${h.openaiBase}/chat/completions`, body);
    assert.equal(res.status, 400, res.text);
    assert.equal(at(res.json(), 'error', 'type'), 'invalid_request_error');
    assert.match(strAt(res.json(), 'error', 'message'), /nested deeper than \d+ levels/);
    assert.equal(h.provider.ledger.length, 0);
  });

  it('refuses a count_tokens request nested 20,000 deep with an Anthropic 400 instead of estimating it', async () => {
    const body = `{"model":"claude-only-x","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_use","id":"t","name":"x","input":${nested(20_000)}}]}]}]}`;
    const res = await post(`${h.anthropicBase}/v1/messages/count_tokens`, body, anthropicHeaders);
    assert.equal(res.status, 400, res.text);
    assert.equal(at(res.json(), 'type'), 'error');
    assert.match(strAt(res.json(), 'error', 'message'), /nested deeper than \d+ levels/);
  });

  it('still relays a deep request byte for byte where no target translates it', async () => {
    const body = `{"model":"gpt-plain","messages":[{"role":"user","content":"hi"}],"deep":${nested(20_000)}}`;
    const res = await post(`${h.openaiBase}/chat/completions`, body);
    assert.equal(res.status, 200, res.text);
    assert.equal(h.provider.ledger[0].bodyBytes, body.length);
  });
});
