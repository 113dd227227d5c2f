// Guards "one bridge across windows" (docs/ARCHITECTURE.md §6): every window's host tries the fixed port; one owns it,
// the others follow its status stream, and when the owner goes a follower takes the port over within
// seconds, starting from the key state the owner persisted, so agents keep one URL and known-bad keys are
// not hammered again. Real Bridge instances on a real 127.0.0.1 port, against the in-repo fake provider.
import './vscodeHook';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { BridgeHost, type BridgeHostOptions } from '../../src/vscode/host/bridgeHost';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { chat, configFor, hostBench, TOKENS } from './hostFixtures';
import { freePort, listening, waitFor } from './waitFor';

describe('BridgeHost: one bridge across windows', function () {
  this.timeout(20_000);
  const bench = hostBench();
  const openWindow = (extra?: Partial<BridgeHostOptions>): BridgeHost => bench.openWindow(extra);
  let provider: FakeProvider;
  let port: number;
  let stateDir: string;
  beforeEach(() => {
    ({ provider, port, stateDir } = bench);
  });

  it('waits for the tokens, then the first window owns the port and the second follows it', async () => {
    const a = openWindow();
    await a.configure({ config: configFor(provider) });
    assert.equal(a.role, 'idle', 'no tokens yet (secret storage has not answered): no listening');
    assert.equal(await listening(port), false);
    await a.configure({ tokens: TOKENS });
    assert.equal(a.role, 'owner');
    assert.equal(a.status()?.port, port);

    const b = openWindow();
    await b.configure({ config: configFor(provider), tokens: TOKENS });
    assert.equal(b.role, 'follower');
    assert.deepEqual(
      b.status()?.pools.map((p) => [p.id, p.keys.map((k) => `${k.id}:${k.state}`)]),
      [['oa', ['k1:ready', 'k2:ready']]],
    );
    assert.deepEqual(a.baseUrls, b.baseUrls, 'agents get one URL whichever window they ask');
    assert.equal(b.baseUrls.openai, `http://127.0.0.1:${port}/openai/v1`);

    // The owner's key changes reach the follower through the event stream...
    await a.retireKey('oa', 'k1');
    await waitFor(() => b.status()?.pools[0].keys[0].state === 'retired', 3_000, 'follower sees the retire');
    // ...and the follower's actions are carried out by the owner.
    await b.restoreKey('oa', 'k1');
    assert.equal(a.status()?.pools[0].keys[0].state, 'ready');
    await waitFor(() => b.status()?.pools[0].keys[0].state === 'ready', 3_000, 'follower sees the restore');

    const result = await b.testKey('oa', 'k2');
    assert.equal(result.ok, true);
    assert.equal(provider.ledger.at(-1)?.key, 'oa-key-2', 'the test went to the provider with the right key');

    assert.equal((await chat(port)).status, 200);
    await waitFor(() => b.status()?.totals.requests === 1, 3_000, 'follower sees the request count');
  });

  it('a follower takes the port over within seconds when the owner goes, with the key state the owner knew', async () => {
    provider.always('oa-key-1', { kind: 'invalidKey' });
    const a = openWindow();
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    const b = openWindow();
    await b.configure({ config: configFor(provider), tokens: TOKENS });
    assert.equal(a.role, 'owner');
    assert.equal(b.role, 'follower');

    const test = await a.testKey('oa', 'k1');
    assert.equal(test.ok, false);
    assert.equal(test.state, 'invalid');
    await waitFor(() => b.status()?.pools[0].keys[0].state === 'invalid', 3_000, 'follower sees k1 invalid');

    const started = Date.now();
    await a.shutdown(200); // the owner's window closes
    await waitFor(() => b.role === 'owner', 5_000, 'takeover');
    const took = Date.now() - started;
    assert.ok(took < 5_000, `takeover took ${took} ms`);
    console.log(`      (takeover ${took} ms after the owner began to shut down)`);

    const keys = b.status()?.pools[0].keys.map((k) => `${k.id}:${k.state}`);
    assert.deepEqual(keys, ['k1:invalid', 'k2:ready'], 'the new owner starts from the persisted state');
    provider.reset();
    provider.always('oa-key-1', { kind: 'invalidKey' });
    assert.equal((await chat(port)).status, 200, 'the same URL keeps working');
    assert.deepEqual(
      provider.ledger.map((e) => e.key),
      ['oa-key-2'],
      'the known-bad key is not tried again',
    );
  });

  it('takes the port over when the owner process dies without shutting down (SIGKILL)', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'ownerProcess.js'), String(port), stateDir, provider.openaiBaseUrl], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const role = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
        child.once('exit', (code) => reject(new Error(`owner process exited with ${code}`)));
      });
      assert.equal(role, 'owner');
      const b = openWindow();
      await b.configure({ config: configFor(provider), tokens: TOKENS });
      assert.equal(b.role, 'follower');
      const started = Date.now();
      child.kill('SIGKILL');
      await waitFor(() => b.role === 'owner', 5_000, 'takeover after the owner was killed');
      console.log(`      (takeover ${Date.now() - started} ms after SIGKILL)`);
      assert.equal((await chat(port)).status, 200);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('of two followers, exactly one takes over and the other follows it', async () => {
    const a = openWindow();
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    const b = openWindow();
    const c = openWindow();
    await Promise.all([b.configure({ config: configFor(provider), tokens: TOKENS }), c.configure({ config: configFor(provider), tokens: TOKENS })]);
    assert.deepEqual([a.role, b.role, c.role], ['owner', 'follower', 'follower']);
    await a.shutdown(0);
    await waitFor(() => [b.role, c.role].sort().join() === 'follower,owner', 6_000, 'one owner and one follower');
    const [owner, follower] = b.role === 'owner' ? [b, c] : [c, b];
    await owner.retireKey('oa', 'k2');
    await waitFor(() => follower.status()?.pools[0].keys[1].state === 'retired', 3_000, 'the remaining follower follows the new owner');
  });

  it('Stop in any window stops the bridge in every window; Start brings it back', async () => {
    const a = openWindow();
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    const b = openWindow();
    await b.configure({ config: configFor(provider), tokens: TOKENS });
    await b.stop();
    assert.equal(b.role, 'stopped');
    await waitFor(() => a.role === 'stopped', 3_000, 'the owner notices the shared stop');
    assert.equal(await listening(port), false, 'nobody serves the port after Stop');
    assert.equal(b.status()?.pools[0].keys.length, 2, 'a stopped window still shows its pools');

    await a.start();
    assert.equal(a.role, 'owner');
    await waitFor(() => b.role === 'follower', 3_000, 'the other window follows again');
    assert.equal((await chat(port)).status, 200);
  });

  it('reports a port held by another program, and takes it once it is free', async () => {
    const squatter: Server = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const a = openWindow();
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    assert.equal(a.role, 'blocked');
    assert.match(a.detail, /another program/);
    assert.match(a.detail, /keybridge\.port/);
    assert.equal(a.status()?.pools[0].keys.length, 2, 'pools still show while blocked');
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await waitFor(() => a.role === 'owner', 3_000, 'the host retries and owns the freed port');
  });

  it('tells a KeyBridge with another admin token apart from a stranger', async () => {
    const other = openWindow();
    await other.configure({ config: configFor(provider), tokens: { token: 'kb-other', adminToken: 'kbadmin-other' } });
    assert.equal(other.role, 'owner');
    const a = openWindow({ retryMs: 60_000 });
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    assert.equal(a.role, 'blocked');
    assert.match(a.detail, /another KeyBridge with a different admin token/);
  });

  it('moves to a new port when the setting changes, and a config change is applied in place', async () => {
    const a = openWindow();
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    const next = await freePort();
    await a.configure({ port: next });
    assert.equal(a.role, 'owner');
    assert.equal(a.status()?.port, next);
    assert.equal(await listening(port), false);
    const config = configFor(provider);
    config.pools[0].keys.push({ id: 'k3', secret: 'oa-key-3' });
    await a.configure({ config });
    assert.deepEqual(
      a.status()?.pools[0].keys.map((k) => k.id),
      ['k1', 'k2', 'k3'],
    );
    await a.shutdown(0);
    assert.equal(await listening(next), false);
  });

  it('the owner records usage beside the state file; a follower reads the same report through the owner', async () => {
    const a = openWindow();
    await a.configure({ config: configFor(provider), tokens: TOKENS });
    const b = openWindow();
    await b.configure({ config: configFor(provider), tokens: TOKENS });
    assert.equal(b.role, 'follower');
    for (let i = 0; i < 3; i++) assert.equal((await chat(port)).status, 200);

    const own = await a.usage({ sinceMs: 3_600_000, by: 'model' });
    assert.equal(own.totals.requests, 3, 'the owner counts the requests it has not written yet');
    assert.ok(own.totals.inputTokens > 0, 'tokens from the fake provider answers');
    assert.deepEqual(
      own.breakdowns.model?.map((l) => [l.name, l.requests]),
      [['gpt-test', 3]],
    );
    const followed = await b.usage({ sinceMs: 3_600_000, by: 'model' });
    assert.deepEqual(followed.breakdowns, own.breakdowns, 'the follower gets the owner report');
    assert.deepEqual(followed.totals, own.totals);

    await a.shutdown(0); // flushes the store
    const lines = readFileSync(join(stateDir, 'key-state.usage.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(!lines.join('').includes('oa-key-'), 'no secret in the usage file');
  });
});
