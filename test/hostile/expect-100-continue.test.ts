// Guards against `Expect: 100-continue`, which curl adds by itself to bodies over about 1 MB: the header must
// never reach the upstream client (undici refuses it, and the bridge answered 502 and counted a provider
// failure), the upload must succeed, and a client without the token must get its 401 without a `100 Continue`
// first (the bridge asks for the body only once the request is one it will serve).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { chatBody, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { parseRawAnswer } from './rawHttp';

interface ContinueExchange {
  /** Everything the bridge sent, latin1. */
  text: string;
  /** Whether the bridge sent `100 Continue` before anything else. */
  continued: boolean;
}

/** Sends the head, sends the body only after `100 Continue` (as curl does), and reads until the bridge closes (the request asks it to). */
function expectContinue(port: number, headers: [string, string][], body: Buffer, timeoutMs = 5_000): Promise<ContinueExchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const head = `POST /openai/v1/chat/completions HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}connection: close\r\ncontent-length: ${body.length}\r\nexpect: 100-continue\r\n\r\n`;
    let text = '';
    let continued = false;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, continued });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!continued && text.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        continued = true;
        text = text.slice('HTTP/1.1 100 Continue\r\n\r\n'.length);
        socket.write(body);
      }
    });
    socket.write(head);
  });
}

describe('Expect: 100-continue', function () {
  this.timeout(20_000);
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('is answered with 100 Continue after the token check, never forwarded, and the upload succeeds', async () => {
    // Large like the prompts that make curl add the header; three uploads in a row, so a breaker fed by them would show.
    const body = Buffer.from(JSON.stringify(chatBody({ messages: [{ role: 'user', content: 'x'.repeat(1_200_000) }] })));
    const host: [string, string] = ['host', `127.0.0.1:${h.bridge.port}`];
    for (let i = 0; i < 3; i++) {
      const exchange = await expectContinue(h.bridge.port, [host, ['authorization', `Bearer ${TOKEN}`], ['content-type', 'application/json']], body);
      assert.equal(exchange.continued, true, 'the bridge asked for the body');
      assert.equal(parseRawAnswer(exchange.text).status, 200, exchange.text.slice(0, 300));
    }
    assert.equal(h.provider.ledger.length, 3);
    for (const entry of h.provider.ledger) assert.equal(entry.headers.expect, undefined, 'Expect reached the provider');
  });

  it('sends no 100 Continue before refusing a request without the token', async () => {
    const body = Buffer.from(JSON.stringify(chatBody()));
    const before = h.provider.ledger.length;
    const exchange = await expectContinue(
      h.bridge.port,
      [
        ['host', `127.0.0.1:${h.bridge.port}`],
        ['content-type', 'application/json'],
      ],
      body,
    );
    assert.equal(exchange.continued, false, 'a 100 Continue went out before the 401');
    assert.equal(parseRawAnswer(exchange.text).status, 401, exchange.text.slice(0, 300));
    assert.equal(h.provider.ledger.length, before);
  });
});
