// Guards the local gate of docs/ARCHITECTURE.md §3 as pure functions: token strength rules, the credential an
// agent presents, constant-time comparison, and the Host forms the DNS-rebinding guard accepts.
import assert from 'node:assert/strict';
import { generateToken, hostAllowed, presentedToken, tokenProblem, tokensEqual } from '../../src/core/server/security';

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

  it('accepts exactly 127.0.0.1:PORT and localhost:PORT as Host', () => {
    assert.equal(hostAllowed('127.0.0.1:17381', 17381), true);
    assert.equal(hostAllowed('localhost:17381', 17381), true);
    assert.equal(hostAllowed(undefined, 17381), false);
    assert.equal(hostAllowed('localhost:17382', 17381), false, 'another port');
    assert.equal(hostAllowed('localhost', 17381), false, 'no port');
    assert.equal(hostAllowed('attacker.example:17381', 17381), false, 'a rebound name');
  });
});
