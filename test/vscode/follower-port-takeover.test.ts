// Guards the follower's later connections (issue 19, item 3): the owner proof used to cover only the probe's
// connection, and a follower's later calls opened new connections to whatever held the port by then. When the
// owner stopped and another program took the port, the next key handover delivered the admin token and a new
// provider key to it. Now every connection that carries the admin token, the local token or a key proves its
// peer first, on that very connection: a program that takes the port over, and a relay that hands on the
// real owner's proof from another port, receive none of them, and the window reports the port taken.
import './vscodeHook';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Bridge } from '../../src/core/bridge';
import type { FollowerKeyChange } from '../../src/core/server/keyHandover';
import { AdminClient, StatusStream } from '../../src/core/ownership/adminClient';
import { BridgeRefusal, LoopbackBridgeClient, type BridgeAccess } from '../../src/core/languageModels/lmBridgeClient';
import { freePort, waitFor } from './waitFor';
import { configFor, hostBench, TOKENS } from './hostFixtures';
import { impostor, startRelay, startSquatter, stranger, type Squatter } from './squatter';

const NEW_KEY = 'sk-test-key-handover-3';
const change: FollowerKeyChange = { add: [{ pool: 'oa', id: 'k3', label: 'new', secret: NEW_KEY }], remove: [] };
const CHAT = { model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'hi' }] };

/** Every secret a window holds: none may reach a holder of the port that did not prove itself. */
const SECRETS = [TOKENS.adminToken, TOKENS.token, NEW_KEY, 'oa-key-1', 'oa-key-2'];

function assertNothingSecret(holder: Squatter): void {
  const raw = holder.raw();
  for (const secret of SECRETS) assert.ok(!raw.includes(secret), `the holder of the port received a secret (${secret.slice(0, 6)}…): ${raw.slice(0, 300)}`);
}

/** A model request through the language-model client, as VS Code's chat would send it; resolves how it ended. */
async function modelRequest(client: LoopbackBridgeClient, port: number): Promise<unknown> {
  const access: BridgeAccess = {
    baseUrls: { openai: `http://127.0.0.1:${port}/openai/v1`, anthropic: `http://127.0.0.1:${port}/anthropic`, gemini: `http://127.0.0.1:${port}/gemini` },
    token: TOKENS.token,
    adminToken: TOKENS.adminToken,
  };
  try {
    for await (const _part of client.stream(access, 'openai', CHAT, AbortSignal.timeout(10_000))) {
      // drained: only whether the stream completes matters
    }
    return 'answered';
  } catch (error) {
    return error;
  }
}

/** Opens the owner's event stream as a follower does; resolves the reason it closed, and whether a snapshot came. */
function eventStream(port: number): Promise<{ reason: string; snapshots: number }> {
  return new Promise((resolve) => {
    let snapshots = 0;
    new StatusStream(port, TOKENS.adminToken, { onStatus: () => (snapshots += 1), onClose: (reason) => resolve({ reason, snapshots }) }, 10_000);
  });
}

const isBlocked = (outcome: unknown): boolean => outcome instanceof BridgeRefusal && outcome.kind === 'blocked' && /could not prove/.test(outcome.message);

describe('a follower window whose owner has gone from the port', function () {
  this.timeout(30_000);
  let holder: Squatter | undefined;
  let lm: LoopbackBridgeClient;

  beforeEach(() => {
    lm = new LoopbackBridgeClient();
  });

  // Before the bench's hooks, which check that the port is free once every window closed.
  afterEach(async () => {
    await lm.close();
    await holder?.close();
    holder = undefined;
  });

  const bench = hostBench();

  for (const [name, answer] of [
    ['an impostor in KeyBridge’s shape', impostor],
    ['a plain web server', stranger],
  ] as const) {
    it(`${name} that takes the port gets no token and no key from the next key handover, key action, event stream or model request; the window reports the port taken`, async () => {
      const a = bench.openWindow();
      await a.configure({ config: configFor(bench.provider), tokens: TOKENS });
      const b = bench.openWindow({ takeoverJitterMs: 30_000 });
      await b.configure({ config: configFor(bench.provider), tokens: TOKENS });
      assert.equal(b.role, 'follower');
      assert.deepEqual(
        (await b.ownerKeys())?.map((k) => k.id),
        ['k1', 'k2'],
        'the proven owner hands its keys over',
      );
      assert.equal(await modelRequest(lm, bench.port), 'answered', 'the model request reaches the proven owner');

      // The owner goes; the follower waits (here: 30 s) before it takes the port, and another program is quicker.
      const random = Math.random;
      Math.random = () => 0.99;
      try {
        await a.shutdown(0);
        await waitFor(() => bench.logs.some((l) => /trying to take the port over/.test(l)), 5_000, 'the follower notices the owner went');
      } finally {
        Math.random = random;
      }
      holder = await startSquatter(bench.port, answer);
      assert.equal(b.role, 'follower', 'the follower has not looked at the port again yet');

      // All at once, while the window still follows: none of them may put a secret on the wire.
      const [handover, fetched, tested, events, model] = await Promise.all([
        b.sendKeysToOwner(change).catch((e: unknown) => e),
        b.ownerKeys().catch((e: unknown) => e),
        b.testKey('oa', 'k1').catch((e: unknown) => e),
        eventStream(bench.port),
        modelRequest(lm, bench.port),
      ]);
      assertNothingSecret(holder);
      for (const [what, outcome] of [
        ['the key handover', handover],
        ['the key fetch', fetched],
        ['the key test', tested],
      ] as const) {
        assert.ok(
          outcome instanceof Error && /could not prove it is this machine's KeyBridge/.test(outcome.message),
          `${what} failed closed: ${String(outcome)}`,
        );
      }
      assert.match(events.reason, /could not prove/);
      assert.equal(events.snapshots, 0);
      assert.ok(isBlocked(model), `the model request is refused as blocked: ${String(model)}`);
      assert.ok(
        !holder.requests.some((r) => r.url !== undefined && !r.url.startsWith('/_keybridge/owner-proof')),
        `only owner challenges reached the holder: ${holder.requests.map((r) => r.url).join(', ')}`,
      );

      // The failed proof makes the window look at the port again now, and it reports it taken, as the probe does.
      await waitFor(() => b.role === 'blocked', 5_000, 'the window reports the port blocked');
      assert.equal(b.portTaken, true);
      assert.match(b.detail, new RegExp(`port ${bench.port} `));
      assertNothingSecret(holder);
    });
  }

  it('a kept-alive proven connection carries several calls; once the owner has gone, a new holder of the port gets nothing', async () => {
    const owner = new Bridge({ config: configFor(bench.provider), port: bench.port, token: TOKENS.token, adminToken: TOKENS.adminToken });
    await owner.start();
    const admin = new AdminClient(bench.port, TOKENS.adminToken);
    // The bridge's own connections to the provider go through undici too: count those to the bridge port.
    const connected: unknown[] = [];
    const count = (message: unknown): void => {
      if ((message as { connectParams: { port: string } }).connectParams.port === String(bench.port)) connected.push(message);
    };
    subscribe('undici:client:connected', count);
    try {
      for (let i = 0; i < 2; i++) {
        await admin.retireKey('oa', 'k1');
        await admin.restoreKey('oa', 'k1');
      }
      assert.equal((await admin.testPool('oa')).length, 2);
      // undici's pool opens a second connection when the first is still marked busy from its connect; then reuses them.
      const proven = connected.length;
      assert.ok(proven <= 2, `five calls reuse their proven connections: ${proven} opened`);
      await owner.dispose(0);
      holder = await startSquatter(bench.port, impostor);
      const outcomes = [await admin.sendKeys(change).catch((e: unknown) => e), await admin.restoreKey('oa', 'k2').catch((e: unknown) => e)];
      assertNothingSecret(holder);
      for (const outcome of outcomes) assert.match(String(outcome), /could not prove it is this machine's KeyBridge/);
      assert.equal(connected.length, proven, 'no connection to the new holder was handed to the client');
    } finally {
      unsubscribe('undici:client:connected', count);
      admin.close();
      await owner.dispose(0);
    }
  });

  it('a relay to the real owner on another port cannot hand its proof on: the proof names the port the owner listens on', async () => {
    const ownerPort = await freePort();
    const owner = new Bridge({ config: configFor(bench.provider), port: ownerPort, token: TOKENS.token, adminToken: TOKENS.adminToken });
    await owner.start();
    holder = await startRelay(bench.port, ownerPort);
    const admin = new AdminClient(bench.port, TOKENS.adminToken);
    try {
      const [handover, pool, events, model] = await Promise.all([
        admin.sendKeys(change).catch((e: unknown) => e),
        admin.testPool('oa').catch((e: unknown) => e),
        eventStream(bench.port),
        modelRequest(lm, bench.port),
      ]);
      assertNothingSecret(holder);
      assert.ok(holder.raw().includes('/_keybridge/owner-proof?nonce='), 'the relay did pass the challenge on');
      for (const outcome of [handover, pool]) assert.match(String(outcome), /could not prove it is this machine's KeyBridge \(wrong owner proof\)/);
      assert.match(events.reason, /could not prove/);
      assert.ok(isBlocked(model), `the model request is refused as blocked: ${String(model)}`);
      assert.equal(bench.provider.ledger.length, 0, 'nothing reached the provider');
    } finally {
      admin.close();
      await owner.dispose(0);
    }
  });
});
