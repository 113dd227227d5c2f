// Guards against near-miss local tokens and credential confusion: a token with a character more or less,
// other case, inner spaces, in the query string, as Basic auth, or the admin token used on the API (and the
// other way round) are all refused with a 401 in the client's protocol, nothing reaches the provider, and no
// answer ever echoes what was presented.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { at } from '../helpers/json';

const ADMIN = 'kb-test-admin-token';

describe('token guessing', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());
  afterEach(() => assert.equal(h.provider.ledger.length, 0, 'nothing reached the provider'));

  const near: [string, Record<string, string>][] = [
    ['the token minus its last character', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['the token plus a character', { authorization: `Bearer ${TOKEN}x` }],
    ['the token upper-cased', { authorization: `Bearer ${TOKEN.toUpperCase()}` }],
    ['the token with an inner space', { authorization: `Bearer ${TOKEN.slice(0, 5)} ${TOKEN.slice(5)}` }],
    ['the token as Basic auth', { authorization: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}` }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
    ['the admin token', { authorization: `Bearer ${ADMIN}` }],
    ['a provider-looking key', { authorization: 'Bearer sk-' + 'proj-0123456789abcdef' }],
    ['a wrong Bearer next to the right x-api-key', { authorization: 'Bearer wrong', 'x-api-key': TOKEN }],
  ];

  for (const [name, headers] of near) {
    it(`refuses ${name}`, async () => {
      const res = await post(`${h.openaiBase}/chat/completions`, chatBody(), headers);
      assert.equal(res.status, 401);
      assert.equal(at(res.json(), 'error', 'type'), 'authentication_error');
      for (const value of Object.values(headers).map((v) => v.replace(/^(Bearer|Basic) /, ''))) {
        if (value.length >= 12) assert.ok(!res.text.includes(value), 'the presented credential is not echoed');
      }
    });
  }

  it('ignores a token in the query string', async () => {
    const res = await post(`${h.openaiBase}/chat/completions?api_key=${TOKEN}&key=${TOKEN}`, chatBody(), { authorization: '' });
    assert.equal(res.status, 401);
    assert.ok(!res.text.includes(TOKEN));
  });

  it('keeps the admin API to the admin token, and the API token off it', async () => {
    for (const token of [TOKEN, `${ADMIN}x`, '']) {
      const res = await fetch(`${h.bridge.url}/_keybridge/status`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401, JSON.stringify(token));
      assert.doesNotMatch(await res.text(), /"pools"/);
    }
    const ok = await fetch(`${h.bridge.url}/_keybridge/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(ok.status, 200);
    assert.doesNotMatch(await ok.text(), new RegExp(`${TOKEN}|${ADMIN}|oa-key-1|an-key-1`), 'status shows neither tokens nor keys');
  });
});
