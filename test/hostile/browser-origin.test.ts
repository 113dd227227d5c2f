// Guards against a web page spending the user's keys: any request a browser marks as coming from a page
// (an Origin, including "null" from sandboxed frames and file: URLs, or Sec-Fetch-Site other than "none") is
// refused with a 403, CORS preflights get no CORS grant, and the CORS-"simple" content types a page can
// send without a preflight are refused as not JSON.
import assert from 'node:assert/strict';
import { chatBody, messagesBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { errorMessage, rawExchange, rawRequest } from './rawHttp';
import { at, strAt } from '../helpers/json';

describe('browser origins', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  afterEach(() => assert.equal(h.provider.ledger.length, 0, 'nothing reached the provider'));

  const pageHeaders: Record<string, string>[] = [
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { origin: 'http://127.0.0.1:1' },
    { origin: 'http://localhost' },
    { origin: 'vscode-webview://abc' },
    { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
    { 'sec-fetch-site': 'same-site' },
    { 'sec-fetch-site': 'same-origin' },
  ];

  it('refuses requests a browser marks as from a page, with the right token, on every surface', async () => {
    for (const headers of pageHeaders) {
      const label = JSON.stringify(headers);
      const oa = await post(`${h.openaiBase}/chat/completions`, chatBody(), headers);
      assert.equal(oa.status, 403, label);
      assert.match(strAt(oa.json(), 'error', 'message'), /web pages/, label);
      assert.equal(oa.headers.get('access-control-allow-origin'), null, label);
      const an = await post(`${h.anthropicBase}/v1/messages`, messagesBody(), { ...headers, authorization: '', 'x-api-key': TOKEN });
      assert.equal(an.status, 403, label);
      assert.equal(at(an.json(), 'type'), 'error', label);
      const admin = await fetch(`${h.bridge.url}/_keybridge/status`, { headers: { ...headers, authorization: 'Bearer kb-test-admin-token' } });
      assert.equal(admin.status, 403, `admin API, ${label}`);
      await admin.body?.cancel();
    }
  });

  it('answers a CORS preflight without granting anything', async () => {
    const answer = await rawExchange(
      h.bridge.port,
      rawRequest('OPTIONS', '/openai/v1/chat/completions', [
        ['Host', `127.0.0.1:${h.bridge.port}`],
        ['Origin', 'https://evil.example'],
        ['Access-Control-Request-Method', 'POST'],
        ['Access-Control-Request-Headers', 'authorization, content-type'],
        ['Connection', 'close'],
      ]),
    );
    assert.equal(answer.status, 403);
    assert.doesNotMatch(answer.text, /access-control-allow/i);
  });

  it('refuses the content types a page can POST without a preflight, even with no Origin', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await post(`${h.openaiBase}/chat/completions`, JSON.stringify(chatBody()), { 'content-type': type });
      assert.equal(res.status, 415, type);
      assert.match(strAt(res.json(), 'error', 'message'), /send application\/json/, type);
    }
  });

  it('still serves a same-machine agent, which sends no Origin, or Sec-Fetch-Site: none', async () => {
    const answer = await rawExchange(
      h.bridge.port,
      rawRequest('GET', '/openai/v1/models', [
        ['Host', `127.0.0.1:${h.bridge.port}`],
        ['Authorization', `Bearer ${TOKEN}`],
        ['Sec-Fetch-Site', 'none'],
        ['Connection', 'close'],
      ]),
    );
    assert.equal(answer.status, 200, errorMessage(answer.body));
    h.provider.reset();
  });
});
