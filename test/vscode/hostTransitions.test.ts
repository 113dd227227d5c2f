// Guards the window state machine (docs/ARCHITECTURE.md §6, issue 13 item 3) on the transitions that
// bridgeHost.test.ts does not walk: a Stop before secret storage answers, new tokens while stopped, a restart
// that must keep the key state, a port that is changing hands, a Stop reaching a blocked window, and the key
// handover between a follower and its owner. Each `it` names the transition it walks. Real bridges on a real
// 127.0.0.1 port against the in-repo fake provider; the claim verdicts are checked on real (unstarted) bridges.
import './vscodeHook';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { Bridge } from '../../src/core/bridge';
import type { FollowerKeyChange } from '../../src/core/server/keyHandover';
import { afterClaim } from '../../src/core/ownership/hostState';
import { chat, configFor, hostBench, TOKENS } from './hostFixtures';
import { listening, waitFor } from './waitFor';

const closeServer = (server: { close(cb: () => void): unknown }): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('BridgeHost transitions', function () {
  this.timeout(20_000);
  const bench = hostBench();

  it('idle → stopped → stopped with a bridge: a Stop before secret storage answers holds once the tokens arrive', async () => {
    const a = bench.openWindow();
    await a.configure({ config: configFor(bench.provider) });
    await a.stop();
    assert.equal(a.role, 'stopped');
    assert.equal(a.status(), undefined, 'no tokens, so no bridge to show yet');
    await a.configure({ tokens: TOKENS });
    assert.equal(a.role, 'stopped', 'the tokens do not start a stopped bridge');
    assert.equal(a.status()?.pools[0].keys.length, 2, 'the pools show from a bridge that does not listen');
    assert.equal(await listening(bench.port), false);
  });

  it('stopped → stopped (new tokens): they do not start the bridge, and Start serves with them', async () => {
    const a = bench.openWindow();
    await a.configure({ config: configFor(bench.provider), tokens: TOKENS });
    await a.stop();
    const renewed = { token: 'kb-host-test-renewed', adminToken: 'kbadmin-host-renewed' };
    await a.configure({ tokens: renewed });
    assert.equal(a.role, 'stopped');
    assert.equal(await listening(bench.port), false, 'new tokens do not start a stopped bridge');
    await a.start();
    assert.equal(a.role, 'owner');
    assert.equal((await chat(bench.port, renewed.token)).status, 200);
    assert.equal((await chat(bench.port, TOKENS.token)).status, 401, 'the old token is refused');
  });

  it('owner → owner (Restart): the port is released and served again, with the key state the old bridge held', async () => {
    const a = bench.openWindow();
    let claims = 0;
    a.reloadBeforeServing = async () => {
      claims++;
      return undefined;
    };
    await a.configure({ config: configFor(bench.provider), tokens: TOKENS });
    await a.retireKey('oa', 'k1');
    await a.restart();
    assert.equal(claims, 2, 'the restart claimed the port again, with the keys re-read');
    assert.equal(a.role, 'owner');
    assert.equal(a.status()?.running, true);
    assert.deepEqual(
      a.status()?.pools[0].keys.map((k) => `${k.id}:${k.state}`),
      ['k1:retired', 'k2:ready'],
      'the restarted bridge starts from what the old one flushed',
    );
    assert.equal((await chat(bench.port)).status, 200);
    assert.equal(bench.provider.ledger.at(-1)?.key, 'oa-key-2');
  });

  it('→ idle (the port is changing hands) → owner: a port in use that nobody answers on is tried again soon', async () => {
    // In use when we listen, refused when we ask who holds it: what an owner letting go looks like.
    const leaving: Server = createTcpServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => leaving.listen(bench.port, '127.0.0.1', resolve));
    const a = bench.openWindow({ retryMs: 60_000 });
    await a.configure({ config: configFor(bench.provider), tokens: TOKENS });
    assert.equal(a.role, 'idle');
    assert.equal(a.detail, 'the port is changing hands');
    await closeServer(leaving);
    await waitFor(() => a.role === 'owner', 3_000, 'the window serves the port without waiting for the blocked-port retry');
  });

  it('blocked → stopped: a Stop made in another window reaches a window the port is blocked for', async () => {
    const squatter = createHttpServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => squatter.listen(bench.port, '127.0.0.1', resolve));
    try {
      const a = bench.openWindow({ retryMs: 60_000 });
      await a.configure({ config: configFor(bench.provider), tokens: TOKENS });
      assert.equal(a.role, 'blocked');
      assert.equal(a.portTaken, true);
      const b = bench.openWindow({ retryMs: 60_000 });
      await b.configure({ config: configFor(bench.provider), tokens: TOKENS });
      await b.stop();
      await waitFor(() => a.role === 'stopped', 3_000, 'the blocked window follows the shared stop');
      assert.equal(a.portTaken, false, 'a stopped window sends no agent anywhere, so nothing is withheld');
      assert.equal(a.status()?.pools[0].keys.length, 2);
    } finally {
      squatter.closeAllConnections();
      await closeServer(squatter);
    }
  });

  it('follower ⇄ owner key handover: keys go both ways while following, and nowhere otherwise', async () => {
    const received: FollowerKeyChange[] = [];
    const a = bench.openWindow();
    a.acceptFollowerKeys = async (change) => void received.push(change);
    await a.configure({ config: configFor(bench.provider), tokens: TOKENS });
    const b = bench.openWindow();
    await b.configure({ config: configFor(bench.provider), tokens: TOKENS });
    assert.equal(b.role, 'follower');

    const change: FollowerKeyChange = { add: [{ pool: 'oa', id: 'k3', label: 'new', secret: 'oa-key-3' }], remove: [{ pool: 'oa', id: 'k1' }] };
    assert.equal(await b.sendKeysToOwner(change), true);
    assert.deepEqual(received, [change], 'the owner is handed the follower’s change');
    const offered = await b.ownerKeys();
    assert.deepEqual(
      offered?.map((k) => `${k.pool}/${k.id}:${k.secret}`),
      ['oa/k1:oa-key-1', 'oa/k2:oa-key-2'],
      'the follower is handed the owner’s keys with their secrets',
    );

    assert.equal(await a.sendKeysToOwner(change), false, 'the owner follows nobody');
    assert.equal(await a.ownerKeys(), undefined);
    assert.equal(received.length, 1);
  });

  it('decides every claim verdict: role, what is shown, whether the port counts as taken, when to claim again', () => {
    const bridge = new Bridge({ config: configFor(bench.provider), port: bench.port, token: TOKENS.token, adminToken: TOKENS.adminToken });
    const shown = new Bridge({ config: configFor(bench.provider), port: bench.port, token: TOKENS.token, adminToken: TOKENS.adminToken });
    const status = shown.status();
    const port = bench.port;
    const cases: [Parameters<typeof afterClaim>[0], string][] = [
      [{ kind: 'listening', bridge }, 'owner bridge retry=none'],
      [{ kind: 'changingHands' }, 'idle shown retry=soon'],
      [{ kind: 'cannotListen', bridge, code: 'EACCES' }, 'blocked bridge free retry=later'],
      [{ kind: 'unauthorized', bridge, holder: undefined }, 'blocked bridge taken retry=later'],
      [{ kind: 'foreign', bridge, holder: '"nc" (pid 7, user me)', detail: 'HTTP 404' }, 'blocked bridge taken retry=later'],
    ];
    for (const [claim, expected] of cases) {
      const verdict = afterClaim(claim, port, shown);
      assert.ok('next' in verdict, claim.kind);
      const { next, retry } = verdict;
      const held = next.role === 'follower' ? undefined : next.bridge === bridge ? 'bridge' : next.bridge === shown ? 'shown' : 'none';
      const taken = next.role === 'blocked' ? (next.portTaken ? ' taken' : ' free') : '';
      assert.equal(`${next.role} ${held}${taken} retry=${retry ?? 'none'}`, expected, claim.kind);
    }
    assert.deepEqual(afterClaim({ kind: 'keybridge', status }, port, shown), { follow: status });
    const blocked = (claim: Parameters<typeof afterClaim>[0]): string => {
      const verdict = afterClaim(claim, port, undefined);
      return 'next' in verdict ? verdict.next.detail : '';
    };
    assert.equal(blocked({ kind: 'cannotListen', bridge, code: 'EACCES' }), `cannot listen on 127.0.0.1:${port}: EACCES`);
    assert.match(
      blocked({ kind: 'foreign', bridge, holder: '"nc" (pid 7, user me)', detail: 'HTTP 404' }),
      new RegExp(`^port ${port} is used by another program, "nc" \\(pid 7, user me\\) \\(HTTP 404\\);`),
    );
    assert.match(
      blocked({ kind: 'unauthorized', bridge, holder: undefined }),
      new RegExp(`^port ${port} is served by another KeyBridge with a different admin token \\(a "keybridge serve"\\?\\)`),
    );
    void bridge.dispose(0);
    void shown.dispose(0);
  });
});
