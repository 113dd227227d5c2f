// Guards the owner challenge: a window that finds the port taken asks the holder to prove it is our bridge
// before it sends the admin token. The proof is an HMAC of the window's nonce keyed by the admin token and
// bound to the port, answered without credentials; nothing in the answer reveals the token, and a proof
// made for another port, token or nonce does not pass.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Bridge } from '../../src/core/bridge';
import { isOwnerNonce, newOwnerNonce, OWNER_PROOF_PATH, OWNER_PROOF_SCHEME, ownerProof, ownerProofMatches } from '../../src/core/server/ownerProof';

const ADMIN = 'kbadmin-' + 'owner-proof-test-token';

describe('owner proof (challenge–response before the admin token is sent)', () => {
  it('is HMAC-SHA256 of scheme, port and nonce keyed by the admin token', () => {
    const nonce = newOwnerNonce();
    const expected = createHmac('sha256', ADMIN).update(`${OWNER_PROOF_SCHEME}\n17381\n${nonce}`).digest('hex');
    assert.equal(ownerProof(ADMIN, 17381, nonce), expected);
    assert.equal(ownerProofMatches(ADMIN, 17381, nonce, expected), true);
  });

  it('does not pass for another token, port or nonce, nor for junk', () => {
    const nonce = newOwnerNonce();
    const proof = ownerProof(ADMIN, 17381, nonce);
    assert.equal(ownerProofMatches('kbadmin-' + 'someone-else', 17381, nonce, proof), false);
    assert.equal(ownerProofMatches(ADMIN, 17382, nonce, proof), false, 'a proof relayed from a bridge on another port');
    assert.equal(ownerProofMatches(ADMIN, 17381, newOwnerNonce(), proof), false, 'a replayed proof');
    for (const junk of [undefined, '', 'x', proof.toUpperCase(), `${proof}00`, 42, { proof }])
      assert.equal(ownerProofMatches(ADMIN, 17381, nonce, junk), false);
  });

  it('takes only fresh-looking nonces', () => {
    assert.equal(isOwnerNonce(newOwnerNonce()), true);
    assert.notEqual(newOwnerNonce(), newOwnerNonce());
    for (const bad of [undefined, null, '', 'short', 'a'.repeat(129), `${'a'.repeat(30)}\n`, `${'a'.repeat(30)}/..`]) assert.equal(isOwnerNonce(bad), false);
  });

  describe('on a real bridge', () => {
    let bridge: Bridge;
    beforeEach(async () => {
      bridge = new Bridge({ config: { pools: [], routes: [] }, port: 0, token: 'kb-' + 'owner-proof-local', adminToken: ADMIN });
      await bridge.start();
    });
    afterEach(async () => bridge.dispose(0));

    it('answers the challenge without credentials, with a proof bound to its port that reveals no token', async () => {
      const nonce = newOwnerNonce();
      const res = await fetch(`${bridge.url}${OWNER_PROOF_PATH}?nonce=${nonce}`);
      assert.equal(res.status, 200);
      const text = await res.text();
      const body = JSON.parse(text) as { scheme: string; port: number; proof: string };
      assert.equal(body.scheme, OWNER_PROOF_SCHEME);
      assert.equal(body.port, bridge.port);
      assert.equal(ownerProofMatches(ADMIN, bridge.port, nonce, body.proof), true);
      assert.ok(!text.includes(ADMIN) && !text.includes('owner-proof-local'), 'no token in the answer');
    });

    it('refuses a missing or malformed nonce and other methods, and still refuses the rest of the admin API', async () => {
      assert.equal((await fetch(`${bridge.url}${OWNER_PROOF_PATH}`)).status, 400);
      assert.equal((await fetch(`${bridge.url}${OWNER_PROOF_PATH}?nonce=abc`)).status, 400);
      assert.equal((await fetch(`${bridge.url}${OWNER_PROOF_PATH}?nonce=${newOwnerNonce()}`, { method: 'POST' })).status, 405);
      assert.equal((await fetch(`${bridge.url}/_keybridge/status?nonce=${newOwnerNonce()}`)).status, 401);
    });

    it('is still behind the browser and DNS-rebinding guards', async () => {
      const nonce = newOwnerNonce();
      const fromPage = await fetch(`${bridge.url}${OWNER_PROOF_PATH}?nonce=${nonce}`, { headers: { origin: 'https://evil.example' } });
      assert.equal(fromPage.status, 403);
    });
  });
});
