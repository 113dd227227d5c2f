// Guards the agents harness's teardown (test/agents/agentCases.ts): every case's temporary folder, which holds the
// bridge's config and the agent's home, is removed whether the case passes, fails, or the bridge never starts.
// It runs the real headless bridge (dist/cli.js) in front of the fake provider, as `npm run test:agents` does,
// without any agent.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeSecrets, withFreshBridge } from '../agents/agentCases';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';

const CLI = resolve(__dirname, '../../../dist/cli.js');

describe('agents harness teardown', function () {
  // Each case starts a bridge process: a Node start takes over a second on a loaded machine.
  this.timeout(60_000);
  let fake: FakeProvider;
  const prefixes: string[] = [];
  const leftovers = () => readdirSync(tmpdir()).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
  before(async () => {
    fake = await startFakeProvider();
  });
  after(async () => {
    await fake.close();
    // What a failing test found left behind, so that the failure leaves nothing either.
    for (const name of leftovers()) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  });

  /** A context with an agent id of its own, and the folders in the temporary directory made for it. */
  const fresh = () => {
    const agent = { id: `harness-${randomBytes(4).toString('hex')}` };
    const ctx = { fake, cli: CLI, secrets: makeSecrets(), token: 'test-local-token-harness-1', adminToken: 'test-admin-token-harness-1', agent };
    const prefix = `kb-agents-${agent.id}-`;
    prefixes.push(prefix);
    const folders = () => readdirSync(tmpdir()).filter((name) => name.startsWith(prefix));
    return { ctx, folders };
  };

  it('removes the folder when the bridge refuses its config and never starts', async () => {
    const { ctx, folders } = fresh();
    let ran = false;
    await assert.rejects(
      withFreshBridge(ctx, 'refused', [{ protocol: 'openai', match: '*', targets: [{ pool: 'missing' }] }], () => {
        ran = true;
        return Promise.resolve();
      }),
      /bridge exited with 2 before listening; stderr: .*no pool with id "missing"/s,
    );
    assert.equal(ran, false, 'the case body never runs without a bridge');
    assert.deepEqual(folders(), [], 'no folder left behind');
  });

  it('removes the folder and stops the bridge after a case that passes or fails', async () => {
    const { ctx, folders } = fresh();
    let seen = '';
    const report = await withFreshBridge(ctx, 'passes', [], async ({ dirs, bridge, checks }) => {
      assert.ok(existsSync(dirs.home) && existsSync(dirs.work), 'the case gets its home and work folders');
      assert.equal(folders().length, 1, 'the folder exists while the case runs');
      seen = bridge.url;
      const status = await bridge.status();
      checks.push({ ok: status.pools.length === 2, text: 'the bridge serves both pools' });
    });
    assert.deepEqual(report.checks, [{ ok: true, text: 'the bridge serves both pools' }]);
    assert.deepEqual(folders(), []);
    await assert.rejects(fetch(`${seen}/_keybridge/status`), 'the bridge is stopped');

    await assert.rejects(
      withFreshBridge(ctx, 'fails', [], () => Promise.reject(new Error('the case failed'))),
      /the case failed/,
    );
    assert.deepEqual(folders(), []);
  });
});
