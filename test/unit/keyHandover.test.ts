// Guards the key handover that lets a follower window catch up with keys its SecretStorage view lacks: it is
// served only when the host asks for it (the VS Code extension; never the headless CLI) and only to the
// admin token, never to agents' local token or to anonymous callers.
import assert from 'node:assert/strict';
import { Bridge } from '../../src/core/bridge';
import { KEY_HANDOVER_PATH } from '../../src/core/server/keyHandover';

const ADMIN = 'kbadmin-' + 'handover-test-token';
const LOCAL = 'kb-' + 'handover-local-token';
const SECRET = 'sk-' + 'handover-test-0000';

describe('key handover over the admin API', () => {
  let bridge: Bridge | undefined;
  afterEach(async () => bridge?.dispose(0));

  const start = async (withHandover: boolean): Promise<Bridge> => {
    bridge = new Bridge({
      config: { pools: [], routes: [] },
      port: 0,
      token: LOCAL,
      adminToken: ADMIN,
      keyHandover: withHandover ? () => ({ keys: [{ pool: 'oa', id: 'k1', label: 'work', secret: SECRET }] }) : undefined,
    });
    await bridge.start();
    return bridge;
  };
  const get = (b: Bridge, token?: string) => fetch(`${b.url}${KEY_HANDOVER_PATH}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('hands the keys to the admin token only', async () => {
    const b = await start(true);
    const anonymous = await get(b);
    assert.equal(anonymous.status, 401);
    assert.ok(!(await anonymous.text()).includes(SECRET));
    const agent = await get(b, LOCAL);
    assert.equal(agent.status, 401);
    assert.ok(!(await agent.text()).includes(SECRET));
    const admin = await get(b, ADMIN);
    assert.equal(admin.status, 200);
    assert.deepEqual(await admin.json(), { keys: [{ pool: 'oa', id: 'k1', label: 'work', secret: SECRET }] });
  });

  it('does not exist where the host did not ask for it (the headless bridge)', async () => {
    const b = await start(false);
    const admin = await get(b, ADMIN);
    assert.equal(admin.status, 404);
    assert.ok(!(await admin.text()).includes(SECRET));
  });
});
