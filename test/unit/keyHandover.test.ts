// Guards the key handover between windows (keys a window's SecretStorage view lacks: the owner's, fetched
// by followers; a follower's, sent to the owner): served only when the host asks for it (the VS Code
// extension; never the headless CLI) and only to the admin token, never to agents' local token or to
// anonymous callers; a malformed change is refused before it reaches the host.
import assert from 'node:assert/strict';
import { Bridge } from '../../src/core/bridge';
import { KEY_HANDOVER_PATH, type FollowerKeyChange } from '../../src/core/server/keyHandover';

const ADMIN = 'kbadmin-' + 'handover-test-token';
const LOCAL = 'kb-' + 'handover-local-token';
const SECRET = 'sk-' + 'handover-test-0000';

describe('key handover over the admin API', () => {
  let bridge: Bridge | undefined;
  let received: FollowerKeyChange[];
  beforeEach(() => (received = []));
  afterEach(async () => bridge?.dispose(0));

  const start = async (withHandover: boolean): Promise<Bridge> => {
    bridge = new Bridge({
      config: { pools: [], routes: [] },
      port: 0,
      token: LOCAL,
      adminToken: ADMIN,
      keyHandover: withHandover
        ? {
            keys: () => [{ pool: 'oa', id: 'k1', label: 'work', secret: SECRET }],
            apply: async (change) => void received.push(change),
          }
        : undefined,
    });
    await bridge.start();
    return bridge;
  };
  const get = (b: Bridge, token?: string) => fetch(`${b.url}${KEY_HANDOVER_PATH}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const post = (b: Bridge, token: string | undefined, body: unknown) =>
    fetch(`${b.url}${KEY_HANDOVER_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const change: FollowerKeyChange = {
    add: [{ pool: 'oa', id: 'k2', label: 'home', secret: 'sk-' + 'handover-from-follower' }],
    remove: [{ pool: 'oa', id: 'k9' }],
  };

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

  it('takes a follower’s change from the admin token only, and refuses malformed ones', async () => {
    const b = await start(true);
    assert.equal((await post(b, undefined, change)).status, 401);
    assert.equal((await post(b, LOCAL, change)).status, 401);
    assert.equal((await post(b, ADMIN, { add: [{ pool: 'oa', id: 'k2' }] })).status, 400, 'a key without its secret');
    assert.equal((await post(b, ADMIN, { add: 'x' })).status, 400);
    assert.deepEqual(received, [], 'nothing reached the host');
    assert.equal((await post(b, ADMIN, change)).status, 200);
    assert.deepEqual(received, [change]);
  });

  it('does not exist where the host did not ask for it (the headless bridge)', async () => {
    const b = await start(false);
    const admin = await get(b, ADMIN);
    assert.equal(admin.status, 404);
    assert.ok(!(await admin.text()).includes(SECRET));
    assert.equal((await post(b, ADMIN, change)).status, 400, 'the ordinary admin POST refuses it: no "pool"');
  });
});
