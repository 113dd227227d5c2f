// Guards the local gate of docs/ARCHITECTURE.md §3 as pure functions: token strength rules, the credential an
// agent presents, constant-time comparison, and the Host forms the DNS-rebinding guard accepts.
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { generateToken, hostAllowed, presentedToken, tokenProblem, tokensEqual, withoutQueryKey } from '../../src/core/server/security';

const SIXTEEN = 'a'.repeat(16);
const FIFTEEN = 'b'.repeat(15);

describe('local security rules', () => {
  it('accepts tokens of 16 characters and more, and refuses shorter ones naming which and how long', () => {
    assert.equal(tokenProblem(undefined, undefined), undefined, 'nothing supplied: generated or off');
    assert.equal(tokenProblem(SIXTEEN, undefined), undefined);
    assert.equal(tokenProblem(undefined, SIXTEEN), undefined, 'an admin token alone is fine');
    assert.deepEqual(tokenProblem(FIFTEEN, undefined), { which: 'token', message: 'the local access token is 15 character(s); use at least 16' });
    assert.deepEqual(tokenProblem(SIXTEEN, FIFTEEN), { which: 'adminToken', message: 'the admin token is 15 character(s); use at least 16' });
    assert.equal(tokenProblem(SIXTEEN, 'c'.repeat(16)), undefined);
  });

  it('refuses an admin token equal to the local token, which every agent holds', () => {
    assert.deepEqual(tokenProblem(SIXTEEN, SIXTEEN), {
      which: 'adminToken',
      message: 'the admin token must differ from the local access token (every agent holds the local one)',
    });
  });

  it('generates fresh prefixed tokens long enough to pass its own rule', () => {
    const a = generateToken('kb');
    const b = generateToken('kb');
    assert.match(a, /^kb-[A-Za-z0-9_-]{32}$/);
    assert.notEqual(a, b);
    assert.equal(tokenProblem(a, b), undefined);
  });

  it('compares tokens whatever their length, and notices when the expected token changes', () => {
    assert.equal(tokensEqual(SIXTEEN, SIXTEEN), true);
    assert.equal(tokensEqual(SIXTEEN + 'x', SIXTEEN), false);
    assert.equal(tokensEqual('', SIXTEEN), false);
    assert.equal(tokensEqual(SIXTEEN, 'd'.repeat(16)), false, 'a rotated token is compared against the new one');
    assert.equal(tokensEqual('d'.repeat(16), 'd'.repeat(16)), true);
  });

  it('refuses every near miss: a prefix, the token padded with NUL, a longer one, other bytes of the same length', () => {
    const expected = 'test-local-token-ü-1234';
    assert.equal(tokensEqual(expected, expected), true, 'multi-byte characters compare as their UTF-8 bytes');
    assert.equal(tokensEqual(expected.slice(0, -1), expected), false, 'a prefix');
    assert.equal(tokensEqual(`${expected.slice(0, -1)}\u0000`, expected), false, 'the last character as NUL');
    assert.equal(tokensEqual(`${expected}\u0000`, expected), false, 'the token and a NUL');
    assert.equal(tokensEqual(expected.replace('ü', 'u\u0000'), expected), false, 'a character swapped for one of another byte length');
    assert.equal(tokensEqual(expected.replace('ü', 'üü'), expected), false, 'a longer token whose start fills the expected bytes');
    assert.equal(tokensEqual('', ''), true);
    assert.equal(tokensEqual('\u0000', ''), false);
    // The admin API compares against another token: alternating between the two keeps each answer right.
    const admin = 'test-admin-token-5678-abcdef';
    for (let i = 0; i < 3; i++) {
      assert.equal(tokensEqual(admin, admin), true);
      assert.equal(tokensEqual(expected, admin), false);
      assert.equal(tokensEqual(expected, expected), true);
      assert.equal(tokensEqual(admin, expected), false);
    }
  });

  it('answers each near miss of a table false, whatever token was compared before and whatever its length', () => {
    const expected = 'test-local-token-0123456789';
    const rows: [string, boolean, string][] = [
      [expected, true, 'the token itself'],
      [`X${expected.slice(1)}`, false, 'the first character differs'],
      [`${expected.slice(0, 13)}X${expected.slice(14)}`, false, 'a middle character differs'],
      [`${expected.slice(0, -1)}X`, false, 'the last character differs'],
      [expected.toUpperCase(), false, 'another case'],
      [expected.slice(1), false, 'one character short at the start'],
      [`${expected}9`, false, 'one character more'],
      [`${expected}${expected}`, false, 'the token twice'],
      [` ${expected}`.slice(0, expected.length), false, 'shifted by one'],
      ['', false, 'empty'],
    ];
    // Before each row, a comparison against another expected token, shorter or longer: the cached bytes and
    // the scratch buffer are replaced, and the row's answer must not depend on what they held.
    const others = ['test-short-tok-1', `test-long-${'x'.repeat(60)}`, expected];
    for (const other of others) {
      for (const [presented, answer, why] of rows) {
        assert.equal(tokensEqual(other, other), true, `${other.length} characters against themselves`);
        assert.equal(tokensEqual(presented, expected), answer, `${why}, after a ${other.length}-character token`);
      }
    }
    // A presented token compared right after a longer one against the same expected token: the scratch buffer
    // holds the longer one's bytes.
    assert.equal(tokensEqual(`${expected}-and-more`, expected), false);
    assert.equal(tokensEqual(expected.slice(0, 5), expected), false, 'a prefix after a longer presented token');
    assert.equal(tokensEqual(expected, expected), true);
  });

  it('reads the credential from a Bearer header or x-api-key, trimmed, and nothing else', () => {
    assert.equal(presentedToken({ authorization: 'Bearer  local-token ' }), 'local-token');
    assert.equal(presentedToken({ authorization: 'bearer local-token' }), 'local-token');
    assert.equal(presentedToken({ 'x-api-key': ' local-token ' }), 'local-token');
    assert.equal(
      presentedToken({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'local-token' }),
      'local-token',
      'a non-Bearer Authorization is not the credential',
    );
    assert.equal(presentedToken({ authorization: 'Token bearer local-token' }), undefined, 'Bearer only at the start');
    assert.equal(presentedToken({ 'x-api-key': '' }), undefined);
    assert.equal(presentedToken({}), undefined);
  });

  it('reads exactly the credential each table row presents: Bearer scheme, whitespace, empty tokens, which header wins', () => {
    // [headers, what the agent presented, why]; no URL, so no query token.
    const rows: [IncomingHttpHeaders, string | undefined, string][] = [
      [{ authorization: 'Bearer local-token' }, 'local-token', 'the usual form'],
      [{ authorization: 'BEARER local-token' }, 'local-token', 'the scheme in capitals'],
      [{ authorization: 'bEaReR local-token' }, 'local-token', 'the scheme in mixed case'],
      [{ authorization: 'Bearer\tlocal-token' }, 'local-token', 'a tab after the scheme'],
      [{ authorization: 'Bearer \t local-token\t ' }, 'local-token', 'runs of whitespace on both sides'],
      [{ authorization: 'Bearer local token' }, 'local token', 'inner whitespace is part of the token'],
      [{ authorization: 'Bearer    ' }, '', 'a Bearer header with no token: empty, which the gate refuses'],
      [{ authorization: 'Bearer    ', 'x-api-key': 'local-token' }, '', 'an empty Bearer token still wins over x-api-key'],
      [{ authorization: 'Bearer', 'x-api-key': 'local-token' }, 'local-token', 'the bare scheme with no space is no Bearer credential'],
      [{ authorization: 'Bearerlocal-token' }, undefined, 'the scheme run into the token is no Bearer credential'],
      [{ authorization: 'Bearer a', 'x-api-key': 'b', 'x-goog-api-key': 'c' }, 'a', 'Bearer wins over both key headers'],
      [{ 'x-api-key': 'b', 'x-goog-api-key': 'c' }, 'b', 'x-api-key wins over x-goog-api-key'],
      [{ 'x-goog-api-key': '\tc ' }, 'c', "Gemini's header, trimmed"],
      [{ 'x-api-key': '   ' }, '', 'a key header of whitespace: empty, which the gate refuses'],
      [{ 'x-api-key': ['a', 'b'] }, undefined, 'a header value that is not one string is no credential'],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, undefined, 'another scheme, and no key header'],
    ];
    for (const [headers, expected, why] of rows) assert.equal(presentedToken(headers), expected, why);
  });

  it("reads the query token only where the client's protocol names one, and only from the query", () => {
    // [url, the protocol's query parameter, what the agent presented, why]; no credential header.
    const rows: [string, string | undefined, string | undefined, string][] = [
      ['/gemini/v1beta/models/m:generateContent?key=kb-1', 'key', 'kb-1', 'the parameter first in the query'],
      ['/gemini/v1beta/models/m:streamGenerateContent?alt=sse&key=kb-2', 'key', 'kb-2', 'the parameter after another'],
      ['/g?key=+kb-3%20', 'key', 'kb-3', 'decoded and trimmed'],
      ['/g?key=kb-4&key=kb-5', 'key', 'kb-4', 'the first of two'],
      ['/g?key=kb-6', undefined, undefined, 'the protocol names no query token'],
      ['/g?undefined=kb-6', undefined, undefined, 'nor a parameter named like the missing name'],
      ['/g?key=kb-6', 'token', undefined, 'another parameter than the protocol names'],
      ['/g?token=kb-7', 'token', 'kb-7', 'whatever parameter the protocol names'],
      ['/g?KEY=kb-8', 'key', undefined, 'parameter names are case-sensitive'],
      ['/g&key=kb-9', 'key', undefined, 'a path with no query'],
      ['/g', 'key', undefined, 'no query at all'],
      ['/g?key=', 'key', undefined, 'an empty parameter'],
      ['/g?key=%20', 'key', '', 'a parameter of whitespace: empty, which the gate refuses'],
    ];
    for (const [url, queryToken, expected, why] of rows) assert.equal(presentedToken({}, url, queryToken), expected, why);
    assert.equal(presentedToken({ authorization: 'Bearer kb-h' }, '/g?key=kb-q', 'key'), 'kb-h', 'a header wins over the query');
    assert.equal(presentedToken({ 'x-goog-api-key': '' }, '/g?key=kb-q', 'key'), 'kb-q', 'an empty header falls through to the query');
    assert.equal(presentedToken({}, undefined, 'key'), undefined, 'no URL given');
  });

  it('masks every key= value of a URL for logs, and leaves every other URL as it is', () => {
    const rows: [string, string][] = [
      ['/g?key=kb-1', '/g?key=…'],
      ['/g?alt=sse&key=kb-2&b=2', '/g?alt=sse&key=…&b=2'],
      ['/g?Key=kb-3#frag', '/g?Key=…#frag'],
      ['/g?key=kb-4&key=kb-5', '/g?key=…&key=…'],
      ['/g?key=', '/g?key=…'],
      ['/g?monkey=1&keys=2', '/g?monkey=1&keys=2'],
      ['/g/key=kb-6', '/g/key=kb-6'],
      ['/openai/v1/chat/completions', '/openai/v1/chat/completions'],
    ];
    for (const [url, shown] of rows) assert.equal(withoutQueryKey(url), shown, url);
    // Twice in a row: the pattern is global, and a leftover lastIndex would skip the second URL's key.
    assert.equal(withoutQueryKey('/g?key=kb-7'), '/g?key=…');
    assert.equal(withoutQueryKey('/g?key=kb-7'), '/g?key=…');
  });

  it('accepts exactly 127.0.0.1:PORT and localhost:PORT as Host', () => {
    assert.equal(hostAllowed('127.0.0.1:17381', 17381), true);
    assert.equal(hostAllowed('localhost:17381', 17381), true);
    assert.equal(hostAllowed(undefined, 17381), false);
    assert.equal(hostAllowed('localhost:17382', 17381), false, 'another port');
    assert.equal(hostAllowed('localhost', 17381), false, 'no port');
    assert.equal(hostAllowed('attacker.example:17381', 17381), false, 'a rebound name');
    const refused: [string, string][] = [
      ['', 'empty'],
      ['127.0.0.1', 'the address without a port'],
      ['127.0.0.1:17382', 'the address with another port'],
      ['LOCALHOST:17381', 'the name in capitals'],
      ['localhost:17381.', 'a trailing dot'],
      [' localhost:17381', 'a leading space'],
      ['[::1]:17381', 'IPv6 loopback: the bridge listens on 127.0.0.1 only'],
      ['0.0.0.0:17381', 'the any-address'],
      ['localhost:017381', 'the port with a leading zero'],
    ];
    for (const [host, why] of refused) assert.equal(hostAllowed(host, 17381), false, why);
    assert.equal(hostAllowed('127.0.0.1:80', 80), true, 'whatever port the bridge bound');
  });
});
