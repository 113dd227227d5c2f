// Guards memory against many large uploads at once: 30 concurrent 30 MB bodies took the bridge from 191 to
// 1,230 MB resident, since every body is held whole while its request is served. In-flight request bodies
// share one budget (small here, set through the option): a request that would go over it is answered 503
// with Retry-After in the client's protocol before its body is read - with `Expect: 100-continue`, before the
// client uploads anything - and never reaches the provider, so a retry once the budget frees up succeeds.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { chatBody, messagesBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, parseRawAnswer, rawExchange, rawRequest } from './rawHttp';
import { must } from '../helpers/must';
import { at, strAt } from '../helpers/json';

const MiB = 1024 * 1024;
const BUDGET = 4 * MiB;

/** A prompt of about `bytes` bytes. */
const bigChat = (bytes: number) => chatBody({ messages: [{ role: 'user', content: 'x'.repeat(bytes) }] });

describe('concurrent large uploads', function () {
  this.timeout(20_000);
  let h: Harness;
  let holder: Socket | undefined;
  before(async () => (h = await startHarness({ bodyBudgetBytes: BUDGET, tuning: { maxBodyBytes: 3 * MiB } })));
  afterEach(() => holder?.destroy());
  after(async () => h.close());

  /** Starts an upload that declares `bytes` and sends only its first byte, holding its share of the budget. */
  const holdBudget = async (bytes: number): Promise<void> => {
    holder = connect(h.bridge.port, '127.0.0.1');
    holder.on('error', () => undefined);
    await new Promise((r) => must(holder).once('connect', r));
    holder.write(
      rawRequest(
        'POST',
        '/openai/v1/chat/completions',
        [
          ['Host', `127.0.0.1:${h.bridge.port}`],
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', 'application/json'],
          ['Content-Length', String(bytes)],
        ],
        '{',
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
  };

  it('answers 503 with Retry-After in the client protocol while the budget is held, and serves the retry', async () => {
    await holdBudget(3 * MiB);
    const openai = await post(`${h.openaiBase}/chat/completions`, bigChat(2 * MiB));
    assert.equal(openai.status, 503, openai.text.slice(0, 200));
    assert.equal(openai.headers.get('retry-after'), '1');
    assert.match(strAt(openai.json(), 'error', 'message'), /retry shortly/);
    const anthropic = await post(`${h.anthropicBase}/v1/messages`, messagesBody({ messages: [{ role: 'user', content: 'x'.repeat(2 * MiB) }] }), {
      'anthropic-version': '2023-06-01',
    });
    assert.equal(anthropic.status, 503);
    assert.equal(at(anthropic.json(), 'type'), 'error');
    assert.equal(at(anthropic.json(), 'error', 'type'), 'overloaded_error');
    // Small requests still fit beside the held upload.
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);
    assert.equal(h.provider.ledger.length, 1, 'the refused requests never reached the provider');

    must(holder).destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await post(`${h.openaiBase}/chat/completions`, bigChat(2 * MiB))).status, 200, 'the retry is served once the budget is free');
  });

  it('refuses a body of unknown length as soon as it outgrows the budget', async () => {
    await holdBudget(3 * MiB);
    const chunk = Buffer.alloc(256 * 1024, 'x');
    const chunks = Array.from({ length: 8 }, () => `${chunk.length.toString(16)}\r\n${chunk.toString('latin1')}\r\n`).join('');
    const answer = await rawExchange(
      h.bridge.port,
      rawRequest(
        'POST',
        '/openai/v1/chat/completions',
        [
          ['Host', `127.0.0.1:${h.bridge.port}`],
          ['Authorization', `Bearer ${TOKEN}`],
          ['Content-Type', 'application/json'],
          ['Transfer-Encoding', 'chunked'],
        ],
        `${chunks}0\r\n\r\n`,
      ),
      { timeoutMs: 5_000 },
    );
    assert.equal(answer.status, 503, answer.text.slice(0, 200));
    assert.match(errorMessage(answer.body) ?? '', /retry shortly/);
  });

  it('refuses an Expect: 100-continue upload before asking for its body', async () => {
    await holdBudget(3 * MiB);
    const answer = await rawExchange(
      h.bridge.port,
      rawRequest('POST', '/openai/v1/chat/completions', [
        ['Host', `127.0.0.1:${h.bridge.port}`],
        ['Authorization', `Bearer ${TOKEN}`],
        ['Content-Type', 'application/json'],
        ['Content-Length', String(2 * MiB)],
        ['Expect', '100-continue'],
      ]),
      { timeoutMs: 3_000 },
    );
    assert.doesNotMatch(answer.text, /100 Continue/);
    assert.equal(parseRawAnswer(answer.text).status, 503, answer.text.slice(0, 200));
  });
});
