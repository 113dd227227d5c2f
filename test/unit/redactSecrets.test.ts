import assert from 'node:assert/strict';
import { mayQuote, redactSecrets } from '../../src/core/secrets';

const KEY = 'sk-' + 'unit-Kq3vX9mP2rT8wY5zA1bC';
const material = KEY.slice(8);

describe('redactSecrets', () => {
  it('replaces the key with its mask', () => {
    assert.equal(redactSecrets(`bad key ${KEY}!`, [KEY]), 'bad key sk-…A1bC!');
  });

  it('removes any run of 12 or more of its characters, and leaves 11', () => {
    const cut = KEY.slice(2, -3);
    assert.ok(!redactSecrets(`code=${cut}.`, [KEY]).includes(cut.slice(0, 12)));
    const eleven = material.slice(3, 14);
    assert.equal(redactSecrets(`x${eleven}y`, [KEY]), `x${eleven}y`);
    assert.ok(!redactSecrets(`x${material.slice(3, 15)}y`, [KEY]).includes(material.slice(3, 15)));
  });

  it('removes the key spelt with JSON \\u escapes', () => {
    const escaped = KEY.replace(/-/g, '\\u002d').replace(/K/g, '\\u004B');
    const out = redactSecrets(`{"code":"${escaped}"}`, [KEY]);
    assert.equal(out, '{"code":"sk-…A1bC"}');
  });

  it('removes the key inside base64, as in an encoded "Bearer <key>", in either alphabet', () => {
    for (const prefix of ['Bearer ', 'x', 'xy', '']) {
      const b64 = Buffer.from(`${prefix}${KEY}`).toString('base64');
      const b64url = Buffer.from(`${prefix}${KEY}`).toString('base64url');
      for (const encoded of [b64, b64url]) {
        const out = redactSecrets(`auth=${encoded};`, [KEY]);
        assert.ok(!out.includes(encoded.slice(12, 24)), `${prefix}: ${out}`);
      }
    }
  });

  it('uses an ASCII mask for headers and a same-length filler for bodies', () => {
    assert.equal(redactSecrets(`Key ${KEY}`, [KEY], 'header'), 'Key sk-...A1bC');
    const body = `{"m":"${KEY}"}`;
    const out = redactSecrets(body, [KEY], 'body');
    assert.equal(out.length, body.length);
    assert.equal(out, `{"m":"${'*'.repeat(KEY.length)}"}`);
  });

  it('leaves text that quotes no key alone, and short keys only when whole', () => {
    const text = 'sk-proj- is how OpenAI keys start; nothing here is secret';
    assert.equal(redactSecrets(text, [KEY]), text);
    assert.equal(redactSecrets('key oa-key-1 and oa-key-12', ['oa-key-1']), 'key oa-…ey-1 and oa-…ey-12');
  });

  it('tells cheaply whether a body may quote the key: its middle, or its base64', () => {
    assert.equal(mayQuote(Buffer.from('{"choices":[{"text":"hello"}]}'), KEY), false);
    assert.equal(mayQuote(Buffer.from(`{"text":"${KEY.slice(1, -1)}"}`), KEY), true);
    assert.equal(mayQuote(Buffer.from(`{"auth":"${Buffer.from(`Bearer ${KEY}`).toString('base64')}"}`), KEY), true);
  });

  it('sends a body that escapes one of the key’s characters to the full search, not one escaping only what no key holds', () => {
    // Go's encoder escapes `<`, `>` and `&`; a provider echoing the key may escape its letters.
    assert.equal(mayQuote(Buffer.from('{"text":"a \\u003cb\\u003e \\u0026 \\u00e9"}'), KEY), false);
    const spelt = `${KEY.slice(0, 14)}\\u00${KEY.charCodeAt(14).toString(16)}${KEY.slice(15)}`;
    assert.equal(mayQuote(Buffer.from(`{"text":"${spelt}"}`), KEY), true);
    assert.equal(mayQuote(Buffer.from(`{"text":"cut \\u00`), KEY), true, 'an escape cut at the end of a chunk');
  });
});
