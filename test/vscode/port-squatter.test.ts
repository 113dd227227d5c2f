// Guards the port against a squatter (issue 14, item 8): a window that finds the bridge port taken used to
// send its admin token in the very first probe, so any program listening there received it (and then
// agents' local token and prompts through the terminal variables). Now the holder must first prove it is
// our bridge without seeing the token (an HMAC of a nonce); a squatter, even one that mimics KeyBridge's
// answers, never sees either token, the status bar and log name the port and the process, and new
// terminals get no KeyBridge variables while the port is taken.
import './vscodeHook';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { activate, deactivate } from '../../src/extension';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import { contextFor } from './fakeExtensionContext';
import { FakeSecretBackend } from './fakeSecretStorage';
import { fake } from './fakeVscode';
import { impostor, startSquatter, stranger, type Squatter } from './squatter';
import { freePort, waitFor } from './waitFor';

describe('a program squatting the bridge port', function () {
  this.timeout(20_000);
  let storage: string;
  let port: number;
  let squatter: Squatter | undefined;

  beforeEach(async () => {
    fake.reset();
    storage = mkdtempSync(join(tmpdir(), 'kb-squatter-'));
    port = await freePort();
    fake.settings.set('keybridge.port', port);
  });

  afterEach(async () => {
    await deactivate();
    await squatter?.close();
    squatter = undefined;
    rmSync(storage, { recursive: true, force: true });
  });

  const scenarios: [string, (req: IncomingMessage, res: ServerResponse) => void][] = [
    ['a plain web server', stranger],
    ['an impostor that answers in KeyBridge’s shape', impostor],
  ];

  for (const [name, answer] of scenarios) {
    it(`${name} never sees the admin or local token; status bar and log name the port and process; terminals get nothing`, async function () {
      this.timeout(30_000);
      squatter = await startSquatter(port, answer);
      const backend = new FakeSecretBackend();
      const context = contextFor(backend, storage);
      // What VS Code restored from an earlier session: the port and the token, pointing at the squatter now.
      context.environmentVariableCollection.replace('OPENAI_BASE_URL', `http://127.0.0.1:${port}/openai/v1`);
      context.environmentVariableCollection.replace('OPENAI_API_KEY', 'kb-' + 'restored-token');
      const api = activate(context as never);
      await waitFor(() => api.role() === 'blocked', 5_000, 'the window sees the port blocked');
      await waitFor(() => /taken/.test(fake.statusBarItems[0]?.text ?? ''), 2_000, 'status bar updated');
      // Let the host retry a few times (every 5 s by default; once is enough to be sure it sends nothing later).
      await new Promise((r) => setTimeout(r, 300));

      const adminToken = backend.values.get('keybridge.adminToken') as string;
      const token = backend.values.get('keybridge.token') as string;
      assert.ok(adminToken && token, 'tokens exist');
      assert.ok(squatter.requests.length >= 1, 'the window did ask who holds the port');
      const raw = squatter.raw();
      assert.ok(!raw.includes(adminToken), `the squatter received the admin token: ${raw.slice(0, 400).replace(adminToken, '<ADMIN TOKEN>')}`);
      assert.ok(!raw.includes(token), 'the squatter received the local token');
      assert.ok(
        squatter.requests.every((r) => r.headers.authorization === undefined && r.headers['x-api-key'] === undefined),
        'no credential header of any kind',
      );

      const item = fake.statusBarItems[0];
      assert.equal(item.text, `$(error) KeyBridge :${port} taken`);
      // The holder is looked up in /proc after the port is found taken: slower than 300 ms on a loaded machine.
      const holderNamed = (): boolean =>
        new RegExp(`pid ${process.pid}\\b`).test((fake.statusBarItems[0].tooltip as { value: string } | undefined)?.value ?? '');
      await waitFor(holderNamed, 10_000, 'the tooltip names the process holding the port');
      const tooltip = (fake.statusBarItems[0].tooltip as { value: string }).value;
      assert.match(tooltip, new RegExp(`port ${port}`));
      // The squatter is this very test process: /proc names it.
      assert.match(tooltip, new RegExp(`pid ${process.pid}\\b`), `the tooltip names the process: ${tooltip}`);
      const log = fake.channels[0].lines.join('\n');
      assert.match(log, new RegExp(`warn bridge: blocked — port ${port} .*pid ${process.pid}`));
      assert.ok(!log.includes(adminToken) && !log.includes(token), 'no token in the log');

      assert.equal(
        context.environmentVariableCollection.vars.size,
        0,
        `terminal variables withheld, found ${[...context.environmentVariableCollection.vars.keys()].join(', ')}`,
      );
    });
  }

  it('once the squatter goes, the window serves the port and terminals get the variables back', async () => {
    squatter = await startSquatter(port, impostor);
    const backend = new FakeSecretBackend();
    // A pool with a key: terminals get a protocol's variables only while something can serve it. Nothing is sent to it.
    fake.settings.set('keybridge.pools', [{ id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: 'http://127.0.0.1:9/v1' }]);
    const earlier = new KeyStore(backend.view());
    await earlier.load();
    await earlier.addKeys('oa', [{ secret: 'sk-test-squa-0001' }]);
    earlier.dispose();
    const context = contextFor(backend, storage);
    fake.settings.set('keybridge.tuning', {});
    const api = activate(context as never);
    await waitFor(() => api.role() === 'blocked', 5_000, 'blocked');
    await squatter.close();
    squatter = undefined;
    await waitFor(() => api.role() === 'owner', 8_000, 'the window takes the freed port');
    const env = context.environmentVariableCollection.vars;
    await waitFor(() => env.get('OPENAI_BASE_URL') === `http://127.0.0.1:${port}/openai/v1`, 2_000, 'variables back');
    assert.equal(env.get('OPENAI_API_KEY'), backend.values.get('keybridge.token'));
  });
});
