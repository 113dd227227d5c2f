// Guards what unit tests with a fake `vscode` cannot show: that KeyBridge works inside a real VS Code
// extension host (code-server through the smoke-test driver, or desktop VS Code via @vscode/test-electron).
// Activation, the bridge on its port, the local token and keys in the real SecretStorage (and not in
// settings), the tree built from them, a route with a translated target written by command and shown in the
// tree, every contributed command, the terminal environment, and a
// request through the real bridge to the in-repo fake provider that fails over from a rate-limited key
// while the tree shows that key cooling. The tests run in order and share one extension instance.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { KeyBridgeApi, KeyBridgeTreeRow } from '../../src/extension';
import type { BridgeStatus, KeyStatus } from '../../src/core/status';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { say } from './hostLog';
import { loopbackRequest, type LoopbackResponse } from './loopbackHttp';
import { sleep, until } from './until';

const EXTENSION_ID = 'keybridge.keybridge';
/** The product default; a test run must never take it from a user's own bridge. */
const DEFAULT_PORT = 17381;

/** Fresh fake provider keys each run; the tails make the masked labels tell them apart. */
const run = randomBytes(4).toString('hex');
const OPENAI_FIRST = `sk-kbe2e-${run}-openai-first-1111`;
const OPENAI_SECOND = `sk-kbe2e-${run}-openai-second-2222`;
const ANTHROPIC_FIRST = `sk-ant-kbe2e-${run}-first-3333`;
const ANTHROPIC_SECOND = `sk-ant-kbe2e-${run}-second-4444`;

const fingerprint = (secret: string): string => createHash('sha256').update(secret).digest('hex').slice(0, 12);

/** Resolves with the promise's value, or fails after `ms` (a command stuck on UI would hang the suite). */
async function settle<T>(what: string, pending: Thenable<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(pending),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A command's result: undefined when it returned nothing (or was cancelled), whatever type it is asked for. */
function command<T = unknown>(id: string, ...args: unknown[]): Promise<T | undefined> {
  return settle(id, vscode.commands.executeCommand<T | undefined>(id, ...args));
}

function rowText(row: KeyBridgeTreeRow): string {
  return `${'  '.repeat(row.depth)}${row.label} — ${row.description} [${row.contextValue}]`;
}

describe('KeyBridge in a real VS Code extension host', function () {
  let api: KeyBridgeApi;
  let fake: FakeProvider;
  let port: number;
  let token: string;
  let scratchDir: string;

  const status = (): BridgeStatus => {
    const current = api.status();
    assert.ok(current, 'the bridge has no status');
    return current;
  };
  const pool = (id: string) => status().pools.find((p) => p.id === id);
  const keyOf = (poolId: string, secret: string): KeyStatus | undefined => pool(poolId)?.keys.find((k) => k.fingerprint === fingerprint(secret));
  const rowOf = (poolId: string, secret: string): KeyBridgeTreeRow | undefined => {
    const key = keyOf(poolId, secret);
    return key && api.treeRows().find((r) => r.id === `key:${poolId}/${key.id}`);
  };
  const chat = (): Promise<LoopbackResponse> =>
    loopbackRequest(`${api.baseUrls().openai}/chat/completions`, {
      headers: { authorization: `Bearer ${token}` },
      body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Say hello through KeyBridge.' }] },
    });

  before(async function () {
    this.timeout(60_000);
    scratchDir = mkdtempSync(join(tmpdir(), 'kb-host-'));
    fake = await startFakeProvider();
    say(`fake provider on ${fake.url}; VS Code ${vscode.version}, ${vscode.env.appName} (${vscode.env.appHost}), Node ${process.version}`);
    port = vscode.workspace.getConfiguration('keybridge').get<number>('port') ?? DEFAULT_PORT;
    assert.notEqual(port, DEFAULT_PORT, 'run the suite with a non-default keybridge.port (machine settings), never the user default');
  });

  after(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when before() failed
    await fake?.close();
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  });

  it('activates and returns its API without waiting for secret storage', async () => {
    const extension = vscode.extensions.getExtension<KeyBridgeApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this host`);
    api = await extension.activate();
    assert.equal(extension.isActive, true);
    assert.equal(typeof api.activationMs, 'number');
    assert.ok(api.activationMs < 1_000, `activate() took ${api.activationMs} ms`);
    const role = await api.whenReady(20_000);
    say(`activated in ${api.activationMs} ms (version ${(extension.packageJSON as { version: string }).version}); role ${role}`);
    assert.equal(role, 'owner', `this window should serve the bridge, but its role is ${role}`);
  });

  it('serves the bridge on the configured port', async () => {
    assert.deepEqual(api.baseUrls(), {
      openai: `http://127.0.0.1:${port}/openai/v1`,
      anthropic: `http://127.0.0.1:${port}/anthropic`,
      gemini: `http://127.0.0.1:${port}/gemini`,
    });
    const root = await loopbackRequest(`http://127.0.0.1:${port}/`);
    assert.equal(root.status, 200);
    assert.match(root.text, /KeyBridge is running/);
    const anonymous = await loopbackRequest(`${api.baseUrls().openai}/chat/completions`, { body: { model: 'x', messages: [] } });
    assert.equal(anonymous.status, 401, 'a request without the local token must be refused');
    assert.equal(status().running, true);
    assert.equal(status().port, port);
    say(`GET / -> ${root.status} "${root.text.trim().slice(0, 60)}…"; no token -> ${anonymous.status}`);
  });

  it('keeps the local token in SecretStorage and hands it to agents', async () => {
    const setup = await command<string>('keybridge.copyAgentSetup', 'shell');
    const match = /KEYBRIDGE_TOKEN='?(kb-[A-Za-z0-9_-]+)/.exec(setup ?? '');
    assert.ok(match, `no token in the shell setup: ${setup?.replace(/kb-[A-Za-z0-9_-]+/g, 'kb-…')}`);
    token = match[1];
    assert.equal(await vscode.env.clipboard.readText(), setup, 'Copy Agent Setup put something else on the clipboard');
    // Refresh re-reads SecretStorage from scratch: the token must come back the same.
    await command('keybridge.refresh');
    const again = await command<string>('keybridge.copyAgentSetup', 'shell');
    assert.ok(again?.includes(token), 'the token changed after re-reading SecretStorage');
    say(`token kb-…${token.slice(-4)} (${token.length} chars) stable across a SecretStorage re-read`);
  });

  it('stores keys added by command in SecretStorage, not in settings, and reads them back', async () => {
    const openaiId = await command<string>('keybridge.addPool', {
      preset: 'custom',
      id: 'e2e-openai',
      label: 'E2E OpenAI',
      baseUrl: fake.openaiBaseUrl,
      protocol: 'openai',
      keys: [OPENAI_FIRST, OPENAI_SECOND],
    });
    assert.equal(openaiId, 'e2e-openai');
    const anthropicId = await command<string>('keybridge.addPool', {
      preset: 'custom',
      id: 'e2e-anthropic',
      label: 'E2E Anthropic',
      baseUrl: fake.anthropicBaseUrl,
      protocol: 'anthropic',
      keys: [ANTHROPIC_FIRST],
    });
    assert.equal(anthropicId, 'e2e-anthropic');
    await until('both pools with their keys in the bridge', () => pool('e2e-openai')?.keys.length === 2 && pool('e2e-anthropic')?.keys.length === 1);
    const first = keyOf('e2e-openai', OPENAI_FIRST);
    assert.ok(first && keyOf('e2e-openai', OPENAI_SECOND) && keyOf('e2e-anthropic', ANTHROPIC_FIRST), 'a key came back with another fingerprint');
    assert.equal(first.masked, 'sk-…1111');
    const settings = JSON.stringify(vscode.workspace.getConfiguration('keybridge').inspect('pools'));
    assert.match(settings, /e2e-openai/);
    for (const secret of [OPENAI_FIRST, OPENAI_SECOND, ANTHROPIC_FIRST]) assert.ok(!settings.includes(secret), 'a key secret reached the settings');
    const ids = pool('e2e-openai')?.keys.map((k) => k.id);
    await command('keybridge.refresh');
    assert.deepEqual(
      pool('e2e-openai')?.keys.map((k) => k.id),
      ids,
      'keys changed after re-reading SecretStorage',
    );
    say(
      `pools ${status()
        .pools.map((p) => `${p.id}[${p.keys.map((k) => `${k.id} ${k.masked} ${k.fingerprint}`).join(', ')}]`)
        .join('; ')}; settings hold no secret`,
    );
  });

  it('shows the pools and keys from SecretStorage in the tree', async () => {
    const rows = await until('the tree to list both pools and three keys', () => {
      const current = api.treeRows();
      return current.filter((r) => r.contextValue.startsWith('key.')).length === 3 && current;
    });
    for (const row of rows) say(`tree: ${rowText(row)}`);
    const openaiPool = rows.find((r) => r.id === 'pool:e2e-openai');
    assert.deepEqual(openaiPool && [openaiPool.label, openaiPool.description, openaiPool.contextValue], ['E2E OpenAI', 'openai · 2/2 ready', 'pool']);
    assert.deepEqual(
      [rowOf('e2e-openai', OPENAI_FIRST), rowOf('e2e-openai', OPENAI_SECOND)].map((r) => r && [r.depth, r.label, r.contextValue]),
      [
        [1, 'sk-…1111', 'key.ready'],
        [1, 'sk-…2222', 'key.ready'],
      ],
    );
    // The view itself: its focus command exists only when the manifest's view was registered.
    await command('keybridge.keys.focus');
  });

  it('puts the base URLs and the token in new terminals', async function () {
    if (process.platform === 'win32') this.skip();
    const file = join(scratchDir, 'terminal-env.txt');
    const terminal = vscode.window.createTerminal({
      name: 'KeyBridge e2e env',
      shellPath: '/bin/sh',
      shellArgs: ['-c', `env > '${file}.tmp' && mv '${file}.tmp' '${file}'`],
    });
    try {
      await until('the terminal to write its environment', () => existsSync(file) && statSync(file).size > 0, 20_000);
    } finally {
      terminal.dispose();
    }
    const env = new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    const urls = api.baseUrls();
    const expected: Record<string, string> = {
      ANTHROPIC_BASE_URL: urls.anthropic,
      OPENAI_BASE_URL: urls.openai,
      OPENAI_API_BASE: urls.openai,
      KEYBRIDGE_URL: `http://127.0.0.1:${port}`,
      ANTHROPIC_API_KEY: token,
      ANTHROPIC_AUTH_TOKEN: token,
      OPENAI_API_KEY: token,
      KEYBRIDGE_TOKEN: token,
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(env.get(name), value, `${name} in a new terminal`);
    say(
      `new terminal: ANTHROPIC_BASE_URL=${env.get('ANTHROPIC_BASE_URL')} OPENAI_BASE_URL=${env.get('OPENAI_BASE_URL')} KEYBRIDGE_URL=${env.get('KEYBRIDGE_URL')} OPENAI_API_KEY=kb-…${token.slice(-4)}`,
    );
  });

  it('fails over from a rate-limited key to the next and shows the first one cooling', async () => {
    fake.fault(OPENAI_FIRST, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
    const before = fake.ledger.length;
    const response = await chat();
    assert.equal(response.status, 200, `the bridge answered ${response.status}: ${response.text.slice(0, 300)}`);
    const content = (response.json as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content;
    assert.equal(typeof content, 'string');
    const upstream = fake.ledger.slice(before).filter((e) => e.endpoint === 'chat');
    assert.deepEqual(
      upstream.map((e) => [e.key, e.fault ?? 'ok']),
      [
        [OPENAI_FIRST, 'rateLimit'],
        [OPENAI_SECOND, 'ok'],
      ],
      'the fake provider should have seen the first key (429), then the second',
    );
    // The 429 cools the key for the model it was answered for; key-wide it stays usable for other models.
    const cooling = keyOf('e2e-openai', OPENAI_FIRST);
    assert.equal(cooling?.state, 'ready');
    assert.equal(cooling.cooling?.length, 1, 'cooling for one model');
    const left = (cooling.cooling[0]?.until ?? 0) - Date.now();
    assert.ok(left > 50_000 && left <= 61_000, `cooling for ${left} ms, expected about 60 s (retry-after: 60)`);
    assert.equal(keyOf('e2e-openai', OPENAI_SECOND)?.state, 'ready');
    const row = await until('the first key row to show cooling', () => {
      const r = rowOf('e2e-openai', OPENAI_FIRST);
      return / · cooling /.test(r?.description ?? '') && r;
    });
    // The countdown comes first, so a narrow sidebar's ellipsis never hides it.
    assert.match(row.description, /^(0:5\d|1:00) · cooling \S+$/);
    const poolRow = api.treeRows().find((r) => r.id === 'pool:e2e-openai');
    assert.equal(poolRow?.description, 'openai · 2/2 ready', 'a key cooling for one model still counts as usable');
    const later = await until(
      'the countdown to move',
      () => {
        const r = rowOf('e2e-openai', OPENAI_FIRST);
        return r && r.description !== row.description && r;
      },
      3_000,
    );
    say(
      `upstream saw ${upstream.map((e) => `${e.key === OPENAI_FIRST ? 'first' : 'second'}→${e.fault ? 429 : 200}`).join(', ')}; client got 200 "${String(content).slice(0, 40)}"`,
    );
    say(
      `tree: ${rowText(row)} … then ${later.description}; pool: ${poolRow.description}; second key ${rowText(rowOf('e2e-openai', OPENAI_SECOND) as KeyBridgeTreeRow)}`,
    );

    const message = await loopbackRequest(`${api.baseUrls().anthropic}/v1/messages`, {
      headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01' },
      body: { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello through KeyBridge.' }] },
    });
    assert.equal(message.status, 200, `Anthropic route answered ${message.status}: ${message.text.slice(0, 300)}`);
    assert.equal(fake.ledger.at(-1)?.key, ANTHROPIC_FIRST);
    say(`Anthropic route: POST /anthropic/v1/messages -> ${message.status} with the stored Anthropic key`);
  });

  describe('every contributed command', () => {
    it('is registered', async () => {
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      const contributed = ((extension?.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map(
        (c) => c.command,
      );
      assert.ok(contributed.length >= 15, `only ${contributed.length} commands in the manifest`);
      const registered = new Set(await vscode.commands.getCommands(true));
      assert.deepEqual(
        contributed.filter((id) => !registered.has(id)),
        [],
        'contributed but not registered',
      );
      say(`${contributed.length} commands registered: ${contributed.map((c) => c.replace('keybridge.', '')).join(', ')}`);
    });

    it('copyBaseUrl and copyAgentSetup put the URLs on the clipboard', async () => {
      const urls = api.baseUrls();
      assert.equal(await command('keybridge.copyBaseUrl', 'openai'), urls.openai);
      assert.equal(await vscode.env.clipboard.readText(), urls.openai);
      assert.equal(await command('keybridge.copyBaseUrl', 'e2e-anthropic'), urls.anthropic, 'a pool row copies its protocol’s URL');
      assert.equal(await vscode.env.clipboard.readText(), urls.anthropic);
      const claude = await command<string>('keybridge.copyAgentSetup', 'claude-code');
      assert.ok(claude, 'Copy Agent Setup returned nothing for Claude Code');
      assert.ok(claude.includes(urls.anthropic) && claude.includes(token), 'the Claude Code setup names the Anthropic URL and the token');
      say(`clipboard: ${urls.openai}, ${urls.anthropic}; Claude Code setup ${claude.split('\n').length} line(s)`);
    });

    it('showLog and refresh run', async () => {
      await command('keybridge.showLog');
      await command('keybridge.refresh');
      assert.equal(pool('e2e-openai')?.keys.length, 2);
    });

    it('testKey and testPool reach the provider with the stored key', async () => {
      const key = keyOf('e2e-anthropic', ANTHROPIC_FIRST);
      assert.ok(key);
      const before = fake.ledger.length;
      const result = await command<{ ok: boolean; message: string; state: string }>('keybridge.testKey', { pool: 'e2e-anthropic', key: key.id });
      assert.equal(result?.ok, true, `test failed: ${result?.message}`);
      const results = await command<{ ok: boolean }[]>('keybridge.testPool', 'e2e-anthropic');
      assert.deepEqual(
        results?.map((r) => r.ok),
        [true],
      );
      const seen = fake.ledger.slice(before).map((e) => `${e.method} ${e.path}`);
      assert.ok(fake.ledger.slice(before).every((e) => e.key === ANTHROPIC_FIRST) && seen.length === 2, `provider saw ${seen.join(', ')}`);
      say(`testKey: ${result.message} (${result.state}); testPool: ${results.length} ok; provider saw ${seen.join(', ')}`);
    });

    it('retireKey and restoreKey change the key and its row', async () => {
      const key = keyOf('e2e-anthropic', ANTHROPIC_FIRST);
      assert.ok(key);
      const ref = { pool: 'e2e-anthropic', key: key.id };
      assert.equal(await command('keybridge.retireKey', ref), true);
      const retired = await until('the row to show retired', () => {
        const r = rowOf('e2e-anthropic', ANTHROPIC_FIRST);
        return r?.contextValue === 'key.retired' && r;
      });
      assert.equal(keyOf('e2e-anthropic', ANTHROPIC_FIRST)?.state, 'retired');
      assert.equal(await command('keybridge.restoreKey', ref), true);
      const restored = await until('the row to show ready again', () => {
        const r = rowOf('e2e-anthropic', ANTHROPIC_FIRST);
        return r?.contextValue === 'key.ready' && r;
      });
      say(`retire: ${rowText(retired)}; restore: ${rowText(restored)}`);
    });

    it('addKeys adds keys to a pool', async () => {
      assert.equal(await command('keybridge.addKeys', 'e2e-anthropic', [ANTHROPIC_SECOND]), 1);
      await until('the second Anthropic key in the bridge', () => keyOf('e2e-anthropic', ANTHROPIC_SECOND));
      // The same key again is refused, not stored twice.
      assert.notEqual(await command('keybridge.addKeys', 'e2e-anthropic', [ANTHROPIC_SECOND]), 1);
      assert.equal(pool('e2e-anthropic')?.keys.length, 2);
    });

    it('removeKey and removePool delete nothing without the confirmation', async () => {
      // Both ask in a modal dialog first. VS Code refuses dialogs in extension tests (so does the smoke-test
      // driver), which counts as "not confirmed": the key and the pool must stay. The UI smoke test
      // confirms a removal in the real dialog.
      const key = keyOf('e2e-anthropic', ANTHROPIC_SECOND);
      assert.ok(key);
      const keyResult = await command('keybridge.removeKey', { pool: 'e2e-anthropic', key: key.id });
      const poolResult = await command('keybridge.removePool', 'e2e-anthropic');
      assert.ok(!keyResult && !poolResult, `removeKey → ${JSON.stringify(keyResult)}, removePool → ${JSON.stringify(poolResult)}`);
      await command('keybridge.refresh');
      assert.ok(keyOf('e2e-anthropic', ANTHROPIC_SECOND), 'the key was deleted without a confirmation');
      assert.match(JSON.stringify(vscode.workspace.getConfiguration('keybridge').inspect('pools')), /e2e-anthropic/);
      say(
        `unconfirmed: removeKey → ${JSON.stringify(keyResult ?? null)}, removePool → ${JSON.stringify(poolResult ?? null)}; pool e2e-anthropic still has ${pool('e2e-anthropic')?.keys.length} keys after a SecretStorage re-read`,
      );
    });

    it('addRouteTarget writes a route whose translated target the tree marks; removeRouteTarget keeps the last target unconfirmed', async () => {
      const config = () => vscode.workspace.getConfiguration('keybridge');
      try {
        await command('keybridge.addRouteTarget', { protocol: 'anthropic', match: 'claude-*', pool: 'e2e-anthropic', model: '' });
        const route = await command('keybridge.addRouteTarget', { protocol: 'anthropic', match: 'claude-*', pool: 'e2e-openai', model: 'gpt-4.1-mini' });
        assert.deepEqual(route, {
          protocol: 'anthropic',
          match: 'claude-*',
          targets: [{ pool: 'e2e-anthropic' }, { pool: 'e2e-openai', model: 'gpt-4.1-mini' }],
        });
        const rows = await until('the route and its translated target in the tree', () => {
          const current = api.treeRows();
          return current.some((r) => r.id === 'route:0/target:1') && current.filter((r) => r.id === 'routes' || r.id.startsWith('route:'));
        });
        for (const row of rows) say(`tree: ${rowText(row)}`);
        assert.deepEqual(
          rows.filter((r) => r.id === 'routes' || r.id.startsWith('route:0')).map((r) => [r.depth, r.label, r.description, r.contextValue]),
          [
            [0, 'Routes', 'first match wins', 'routes'],
            [1, 'anthropic claude-*', '2 targets · 1 translated', 'route'],
            [2, '1. e2e-anthropic', '', 'routeTarget'],
            [2, '2. e2e-openai → gpt-4.1-mini', 'translated: Anthropic → OpenAI Chat', 'routeTarget'],
          ],
        );
        assert.equal(status().routes?.[0].targets[1].translated, true);

        assert.equal(await command('keybridge.removeRouteTarget', { protocol: 'anthropic', match: 'claude-*', pool: 'e2e-openai', index: 1 }), true);
        await until('the translated target gone', () => !api.treeRows().some((r) => r.id === 'route:0/target:1'));
        // The last target takes the route with it, which is asked in a modal dialog; the test host refuses dialogs.
        const last = await command('keybridge.removeRouteTarget', { protocol: 'anthropic', match: 'claude-*', pool: 'e2e-anthropic', index: 0 });
        assert.ok(!last, `removeRouteTarget of the last target → ${JSON.stringify(last)} without a confirmation`);
        assert.match(JSON.stringify(config().inspect('routes')), /claude-\*/);
        say(`routes setting: ${JSON.stringify(config().inspect('routes')?.globalValue)}`);
      } finally {
        await config().update('routes', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('commands that ask for input open their picker and cancel cleanly', async () => {
      // Without arguments these ask through a quick pick; Escape (closeQuickOpen) must end them quietly.
      const interactive = [
        'addPool',
        'addKeys',
        'testKey',
        'testPool',
        'retireKey',
        'removeKey',
        'removePool',
        'addRouteTarget',
        'copyBaseUrl',
        'copyAgentSetup',
      ];
      const seen: string[] = [];
      for (const name of interactive) {
        let done = false;
        const pending = vscode.commands.executeCommand(`keybridge.${name}`).then((value) => {
          done = true;
          return value;
        });
        const deadline = Date.now() + 10_000;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the command's callback during the await
        while (!done && Date.now() < deadline) {
          await sleep(150);
          await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        }
        const value = await settle(`keybridge.${name} after Escape`, pending, 1_000);
        assert.ok(!value, `keybridge.${name} returned ${JSON.stringify(value)} after Escape`);
        seen.push(`${name}→${JSON.stringify(value ?? null)}`);
      }
      say(`cancelled: ${seen.join(', ')}`);
    });

    it('stopBridge, startBridge and restartBridge stop and serve the port, keeping key state', async () => {
      await command('keybridge.stopBridge');
      assert.equal(api.role(), 'stopped');
      const refused = await loopbackRequest(`http://127.0.0.1:${port}/`).then(
        (r) => `answered ${r.status}`,
        (error: unknown) => (error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error)),
      );
      assert.equal(refused, 'ECONNREFUSED', 'the port still answers after Stop Bridge');
      await command('keybridge.startBridge');
      await until('the bridge to serve again', () => api.role() === 'owner');
      assert.equal((await loopbackRequest(`http://127.0.0.1:${port}/`)).status, 200);
      await command('keybridge.restartBridge');
      await until('the bridge to serve after restart', () => api.role() === 'owner');
      assert.equal((await loopbackRequest(`http://127.0.0.1:${port}/`)).status, 200);
      // The cooldown from the failover test (for the model it was answered for) survives the restart: key state is persisted.
      assert.equal(keyOf('e2e-openai', OPENAI_FIRST)?.cooling?.length, 1);
      const response = await chat();
      assert.equal(response.status, 200);
      assert.equal(fake.ledger.at(-1)?.key, OPENAI_SECOND, 'the cooling key was used after the restart');
      say(
        `stop → ${refused}; start → GET / 200; restart → owner, first key still cooling for ${keyOf('e2e-openai', OPENAI_FIRST)?.cooling?.[0]?.scope}, request served by the second key`,
      );
    });
  });
});
