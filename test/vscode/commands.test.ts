// Guards the command handlers as a user drives them: scripted quick picks, input boxes and confirmations.
// Keys are pasted into a password box, checked for shape and duplicates before anything is stored, and end
// up in (fake) SecretStorage, never in settings; every failure is shown with something to do.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import './vscodeHook';
import assert from 'node:assert/strict';
import type { KeyState } from '../../src/core/keys/keyHealth';
import type { Logger } from '../../src/core/logger';
import type { BridgeStatus, KeyTestResult } from '../../src/core/status';
import { parseSettings } from '../../src/vscode/settings/bridgeConfig';
import type { HostRole } from '../../src/core/ownership/hostState';
import { COMMAND_IDS } from '../../src/vscode/shared/commandIds';
import type { CommandServices } from '../../src/vscode/commands/commandServices';
import { KeyBridgeCommands } from '../../src/vscode/commands/commands';
import type { DisposableLike } from '../../src/vscode/shared/disposable';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import type { KeyNode, PoolNode } from '../../src/vscode/tree/keyTree';
import { testCandidateKeys } from '../../src/core/engine/candidateKeyTests';
import { routeStatus } from '../../src/core/engine/routeStatus';
import { addPoolSetting, removePoolSetting, routesSetting, writeRoutesSetting } from '../../src/vscode/settings/settings';
import { FakeSecretBackend } from './fakeSecretStorage';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { fake, InputBoxValidationSeverity, Uri, type InputBoxOptions, type QuickPickItemLike } from './fakeVscode';
import { must } from '../helpers/must';

const OPENAI_1 = 'sk-' + 'proj-aaaaaaaaaaaaaaaaaaaaaaaa1111';
const OPENAI_2 = 'sk-' + 'proj-bbbbbbbbbbbbbbbbbbbbbbbb2222';
const ANTHROPIC_1 = 'sk-' + 'ant-api03-cccccccccccccccccccc3333';
const ANTHROPIC_2 = 'sk-' + 'ant-api03-dddddddddddddddddddd4444';

/** A host that serves what the key store holds, with states the test sets; records what it is asked. */
class FakeHost {
  role: HostRole = 'owner';
  detail = 'serving http://127.0.0.1:17381';
  states = new Map<string, KeyState>();
  calls: string[] = [];
  constructor(private readonly keyStore: KeyStore) {}
  get baseUrls() {
    return { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic', gemini: 'http://127.0.0.1:17381/gemini' };
  }
  status(): BridgeStatus {
    const pools = parseSettings((name) => fake.settings.get(`keybridge.${name}`)).settings.pools;
    return {
      running: true,
      port: 17381,
      now: Date.now(),
      totals: { requests: 0, succeeded: 0, failed: 0 },
      pools: pools.map((p) => ({
        id: p.id,
        label: p.label ?? p.id,
        protocol: p.protocol,
        baseUrl: p.baseUrl,
        strategy: 'fill-first',
        breaker: 'closed',
        keys: (this.keyStore.snapshot?.keys ?? [])
          .filter((k) => k.pool === p.id)
          .map((k) => ({
            id: k.id,
            label: k.label,
            masked: k.masked,
            fingerprint: k.fingerprint,
            state: this.states.get(k.id) ?? 'ready',
            stats: { requests: 0, successes: 0, failures: {}, inputTokens: 0, outputTokens: 0 },
          })),
      })),
    };
  }
  async testKey(pool: string, key: string): Promise<KeyTestResult> {
    this.calls.push(`test ${pool}/${key}`);
    const state = this.states.get(key);
    // As the key tester reports a 429: the key was accepted (ok) and now cools.
    if (state === 'cooling')
      return { pool, key, ok: true, status: 429, latencyMs: 123.4, state, message: 'accepted but rate-limited (HTTP 429 rate_limit_exceeded)' };
    const bad = state === 'invalid';
    return {
      pool,
      key,
      ok: !bad,
      status: bad ? 401 : 200,
      latencyMs: 123.4,
      state: bad ? 'invalid' : 'ready',
      message: bad ? 'HTTP 401 invalid_api_key' : 'OK (HTTP 200)',
    };
  }
  async testPool(pool: string): Promise<KeyTestResult[]> {
    this.calls.push(`testPool ${pool}`);
    const keys = this.status().pools.find((p) => p.id === pool)?.keys ?? [];
    return Promise.all(keys.map((k) => this.testKey(pool, k.id)));
  }
  async retireKey(pool: string, key: string): Promise<void> {
    this.calls.push(`retire ${pool}/${key}`);
    this.states.set(key, 'retired');
  }
  async restoreKey(pool: string, key: string): Promise<void> {
    this.calls.push(`restore ${pool}/${key}`);
    this.states.set(key, 'ready');
  }
  async start(): Promise<void> {
    this.calls.push('start');
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
  }
  async restart(): Promise<void> {
    this.calls.push('restart');
  }
}

describe('commands', () => {
  let backend: FakeSecretBackend;
  let keyStore: KeyStore;
  let host: FakeHost;
  let registrations: DisposableLike[];
  let logs: string[];
  let logShown: number;
  let dashboardsShown: number;
  /** How many keys each call of testCandidateKeys was given. */
  let candidateTests: number[];
  /** The host each call of testCandidateKeys was for (the pool's), before it is sent to the fake provider. */
  let candidateHosts: string[];
  let provider: FakeProvider;

  before(async () => (provider = await startFakeProvider()));
  after(async () => provider.close());

  const run = (id: string, ...args: unknown[]): Promise<unknown> => {
    const fn = fake.commands.get(id);
    assert.ok(fn, `command ${id} is registered`);
    return Promise.resolve(fn(...args));
  };
  const pools = () => parseSettings((name) => fake.settings.get(`keybridge.${name}`)).settings.pools;
  const keysOf = (pool: string) => (keyStore.snapshot?.keys ?? []).filter((k) => k.pool === pool);
  const keyNode = (pool: string, label: string): KeyNode => {
    const status = host.status();
    const p = must(status.pools.find((x) => x.id === pool));
    const k = must(p.keys.find((x) => x.label === label));
    return { kind: 'key', id: `key:${pool}/${k.id}`, poolId: pool, pool: p, key: k };
  };
  const poolNode = (pool: string): PoolNode => ({ kind: 'pool', id: `pool:${pool}`, pool: must(host.status().pools.find((x) => x.id === pool)) });
  const keyBoxes = (): InputBoxOptions[] => fake.inputBoxes.filter((b) => b.title?.startsWith('KeyBridge: Add Keys'));

  beforeEach(async () => {
    fake.reset();
    backend = new FakeSecretBackend();
    keyStore = new KeyStore(backend.view(), { timeoutMs: 500, debounceMs: 5 });
    await keyStore.load();
    await keyStore.ensureTokens();
    host = new FakeHost(keyStore);
    logs = [];
    logShown = 0;
    dashboardsShown = 0;
    const logger: Logger = { debug: () => undefined, info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(`error ${m}`) };
    const services: CommandServices = {
      host: host,
      keyStore,
      pools,
      addPoolSetting,
      removePoolSetting,
      routes: () => routeStatus(parseSettings((name) => fake.settings.get(`keybridge.${name}`)).settings),
      routesSetting,
      writeRoutesSetting,
      testCandidateKeys: (pool, secrets, options) => {
        candidateTests.push(secrets.length);
        candidateHosts.push(new URL(pool.baseUrl).host);
        // Test traffic stays on loopback: a pool on a provider's real URL (a preset's) is tested against the
        // in-repo fake provider instead.
        const onLoopback = new URL(pool.baseUrl).hostname === '127.0.0.1';
        const baseUrl = onLoopback ? pool.baseUrl : pool.protocol === 'anthropic' ? provider.anthropicBaseUrl : provider.openaiBaseUrl;
        return testCandidateKeys({ ...pool, baseUrl }, secrets, { ...options, timeoutMs: 2_000 });
      },
      refresh: async () => undefined,
      showLog: () => logShown++,
      showDashboard: () => dashboardsShown++,
      logger,
    };
    candidateTests = [];
    candidateHosts = [];
    registrations = new KeyBridgeCommands(services).register();
  });

  afterEach(() => {
    registrations.forEach((r) => r.dispose());
    keyStore.dispose();
    assert.deepEqual(fake.inputAnswers, [], 'every scripted input box was used');
    assert.deepEqual(fake.pickAnswers, [], 'every scripted quick pick was used');
  });

  it('registers every command', () => {
    assert.deepEqual([...fake.commands.keys()].sort(), [...COMMAND_IDS].sort());
  });

  it('Add Pool from a preset writes the pool to user settings and goes on to a password box for keys', async () => {
    fake.pickAnswers.push('Anthropic');
    fake.inputAnswers.push((o) => o.value); // accept the suggested pool id
    fake.inputAnswers.push(`${ANTHROPIC_1}, ${ANTHROPIC_2}`);
    assert.equal(await run('keybridge.addPool'), 'anthropic');

    const presets = fake.quickPicks[0].items.map((i) => i.label);
    for (const name of [
      'OpenAI',
      'Anthropic',
      'OpenRouter',
      'Groq',
      'DeepSeek',
      'Mistral',
      'xAI',
      'Together',
      'Gemini (OpenAI-compatible)',
      'Custom base URL',
    ]) {
      assert.ok(presets.includes(name), `preset ${name} offered`);
    }
    assert.deepEqual(fake.settingWrites.at(-1), {
      key: 'keybridge.pools',
      value: [
        { id: 'anthropic', label: 'Anthropic', provider: 'anthropic', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com', strategy: 'fill-first' },
      ],
      target: 1, // ConfigurationTarget.Global
    });
    const box = keyBoxes()[0];
    assert.equal(box.password, true, 'keys are typed into a password box');
    assert.equal(box.ignoreFocusOut, true);
    assert.deepEqual(
      keysOf('anthropic').map((k) => k.secret),
      [ANTHROPIC_1, ANTHROPIC_2],
    );
    assert.deepEqual(candidateHosts, ['api.anthropic.com'], 'the pasted keys were tested, once, for the pool’s provider');
    assert.ok(!JSON.stringify([...fake.settings.values()]).includes('sk-ant'), 'no key material in settings');
    assert.match(fake.messagesOf('info').at(-1) ?? '', /added 2 key\(s\) to Anthropic/);
    assert.ok(!logs.join('\n').includes(ANTHROPIC_1), 'the log names keys only masked');
  });

  it('Add Pool with a custom base URL asks for the protocol and suggests an id from the host', async () => {
    fake.settings.set('keybridge.pools', [{ id: 'openai', protocol: 'openai', baseUrl: 'https://api.openai.com/v1' }]);
    fake.pickAnswers.push('Custom base URL', 'Anthropic');
    fake.inputAnswers.push('https://llm.example.com/anthropic/', (o) => o.value, undefined /* Escape at the key box */);
    assert.equal(await run('keybridge.addPool'), 'llm.example.com');
    assert.deepEqual(
      pools().map((p) => [p.id, p.protocol, p.baseUrl]),
      [
        ['openai', 'openai', 'https://api.openai.com/v1'],
        ['llm.example.com', 'anthropic', 'https://llm.example.com/anthropic'],
      ],
    );
  });

  it('Add Pool marks a provider without the Responses API with responses: false, and only that', async () => {
    fake.pickAnswers.push('DeepSeek');
    fake.inputAnswers.push((o) => o.value);
    assert.equal(await run('keybridge.addPool', { addKeys: false }), 'deepseek');
    fake.pickAnswers.push('Groq');
    fake.inputAnswers.push((o) => o.value);
    assert.equal(await run('keybridge.addPool', { addKeys: false }), 'groq');
    assert.deepEqual(
      (fake.settings.get('keybridge.pools') as Record<string, unknown>[]).map((p) => [p.id, p.responses]),
      [
        ['deepseek', false],
        ['groq', undefined],
      ],
    );
    assert.deepEqual(
      pools().map((p) => p.responses),
      [false, undefined],
      'the setting reads back',
    );
  });

  it('refuses a pool id that exists', async () => {
    fake.settings.set('keybridge.pools', [{ id: 'openai', protocol: 'openai', baseUrl: 'https://api.openai.com/v1' }]);
    fake.pickAnswers.push('OpenAI');
    fake.inputAnswers.push((o) => {
      assert.equal(o.value, 'openai-2', 'the suggestion is free');
      return 'openai';
    });
    assert.equal(await run('keybridge.addPool'), undefined);
    assert.match(String(fake.validations[0]), /exists already/);
    assert.equal(pools().length, 1);
  });

  describe('Add Key(s)', () => {
    beforeEach(() =>
      fake.settings.set('keybridge.pools', [{ id: 'oa', label: 'OpenAI', provider: 'openai', protocol: 'openai', baseUrl: provider.openaiBaseUrl }]),
    );

    it('asks a label for a single key and stores it under its pool', async () => {
      fake.inputAnswers.push(OPENAI_1, 'work');
      assert.equal(await run('keybridge.addKeys'), 1, 'with one pool, no pool picker');
      assert.deepEqual(
        keysOf('oa').map((k) => [k.label, k.secret, k.masked]),
        [['work', OPENAI_1, 'sk-…1111']],
      );
      assert.equal(fake.messages.at(-1)?.items[0], 'Test Now');
    });

    it('tests a pasted key with one request to the pool’s provider before storing it', async () => {
      const before = provider.ledger.length;
      fake.inputAnswers.push('sk-test-past-good-5555', 'work');
      assert.equal(await run('keybridge.addKeys', 'oa'), 1);
      assert.deepEqual(
        provider.ledger.slice(before).map((e) => e.key),
        ['sk-test-past-good-5555'],
        'one test request, with the pasted key',
      );
      assert.equal(fake.quickPicks.length, 0, 'every key passed: no results to look at');
      assert.deepEqual(
        keysOf('oa').map((k) => [k.label, k.masked]),
        [['work', 'sk-…5555']],
      );
    });

    it('does not store a pasted key the provider refuses without asking: the results show it unchecked', async () => {
      const BAD = 'sk-test-past-bad-6666';
      const GOOD = 'sk-test-past-good-7777';
      provider.always(BAD, { kind: 'invalidKey' });
      try {
        fake.inputAnswers.push(`${BAD}, ${GOOD}`);
        fake.pickAnswers.push((items) => items.filter((i) => i.picked));
        assert.equal(await run('keybridge.addKeys', 'oa'), 1);
        const results = must(fake.quickPicks.at(-1));
        assert.match((results.options as { title: string }).title, /Add Keys to OpenAI — 1 of 2 passed the test/);
        assert.deepEqual(
          results.items.map((i) => [i.label, i.picked, i.detail]),
          [
            ['$(error) sk-…6666', false, 'pasted key 1'],
            ['$(pass) sk-…7777', true, 'pasted key 2'],
          ],
        );
        assert.deepEqual(
          keysOf('oa').map((k) => k.secret),
          [GOOD],
          'only the key left checked is stored',
        );

        fake.inputAnswers.push(BAD);
        fake.pickAnswers.push(undefined);
        assert.equal(await run('keybridge.addKeys', 'oa'), 0, 'Escape at the results stores nothing');
        assert.deepEqual(
          keysOf('oa').map((k) => k.secret),
          [GOOD],
        );
      } finally {
        provider.always(BAD, undefined);
      }
    });

    it('refuses a key that is already in the pool and a key pasted twice, storing nothing', async () => {
      await keyStore.addKeys('oa', [{ secret: OPENAI_1 }]);
      fake.inputAnswers.push(`${OPENAI_2}\n${OPENAI_1}`);
      assert.equal(await run('keybridge.addKeys', 'oa'), 0);
      assert.equal(fake.validations[0], 'Key 2 is already in this pool.');
      fake.inputAnswers.push(`${OPENAI_2} ${OPENAI_2}`);
      assert.equal(await run('keybridge.addKeys', 'oa'), 0);
      assert.equal(fake.validations[1], 'Key 2 is pasted twice.');
      assert.equal(keysOf('oa').length, 1);
    });

    it('refuses text that cannot be a key, and warns without refusing about an unusual prefix', async () => {
      fake.inputAnswers.push('hello', 'kb-abcdefghijklmnopqrstuvwx', 'sk-has"quote"inside-aaaaaaaaaaaa');
      for (let i = 0; i < 3; i++) assert.equal(await run('keybridge.addKeys', 'oa'), 0);
      assert.match(String(fake.validations[0]), /too short/);
      assert.match(String(fake.validations[1]), /KeyBridge token/);
      assert.match(String(fake.validations[2]), /characters API keys do not use/);
      assert.equal(fake.inputBoxes[0].validateInput?.('  '), 'Paste at least one key.');

      fake.inputAnswers.push('OPENAI_API_KEY="xk-zzzzzzzzzzzzzzzzzzzz9999"', '');
      assert.equal(await run('keybridge.addKeys', 'oa'), 1);
      const warning = fake.validations.at(-1) as { message: string; severity: number };
      assert.equal(warning.severity, InputBoxValidationSeverity.Warning);
      assert.match(warning.message, /does not start with sk-/);
      assert.deepEqual(
        keysOf('oa').map((k) => k.secret),
        ['xk-zzzzzzzzzzzzzzzzzzzz9999'],
        'the NAME= prefix and quotes of a pasted line are dropped',
      );
    });

    it('offers Add Pool when there is no pool yet', async () => {
      fake.settings.delete('keybridge.pools');
      assert.equal(await run('keybridge.addKeys'), 0);
      assert.deepEqual(fake.messages.at(-1)?.items, ['Add Pool']);
    });

    it('shows a keyring failure with what to do, and stores nothing', async () => {
      backend.failStores = 'Cannot create an item in a locked collection';
      fake.inputAnswers.push(OPENAI_1, '');
      assert.equal(await run('keybridge.addKeys', 'oa'), undefined);
      const error = fake.messages.at(-1);
      assert.equal(error?.level, 'error');
      assert.match(error.text, /keyring.*locked collection.*(gnome-keyring|password-store=basic)/s);
      assert.deepEqual(error.items, ['Show Log']);
      assert.ok(!error.text.includes(OPENAI_1));
      assert.equal(keysOf('oa').length, 0);
    });
  });

  describe('Add Keys from File and from Clipboard', () => {
    // Three keys for the in-repo fake provider, one of which it refuses (401), plus lines that are no keys.
    const GOOD_1 = 'sk-test-bulk-good-1111';
    const BAD = 'sk-test-bulk-bad-2222';
    const GOOD_3 = 'sk-test-bulk-good-3333';
    const ENV = [
      '# keys for the fake provider',
      `OPENAI_KEY_WORK=${GOOD_1}`,
      `export OPENAI_KEY_OLD="${BAD}"`,
      '',
      `OPENAI_KEY_SPARE='${GOOD_3}'  # the spare one`,
      'NODE_ENV=production',
      `ANTHROPIC_API_KEY=${ANTHROPIC_1}`,
    ].join('\r\n');
    const ENV_PATH = '/work/project/.env';
    const SECRETS = [GOOD_1, BAD, GOOD_3, ANTHROPIC_1];

    beforeEach(() => {
      fake.settings.set('keybridge.pools', [{ id: 'oa', label: 'OpenAI', provider: 'openai', protocol: 'openai', baseUrl: provider.openaiBaseUrl }]);
      provider.always(BAD, { kind: 'invalidKey' });
      fake.files.set(ENV_PATH, ENV);
    });
    afterEach(() => {
      provider.always(BAD, undefined);
      // Secrets never reach a message, a button, a log line or a quick pick row (rows show them masked).
      const shown = JSON.stringify([fake.messages, fake.quickPicks, logs, fake.channels]);
      for (const secret of SECRETS) assert.ok(!shown.includes(secret.slice(3, 20)), `key …${secret.slice(-4)} shown or logged in full`);
      assert.equal(fake.files.get(ENV_PATH), ENV, 'the picked file is never changed');
    });

    const bulkPicks = () => fake.quickPicks.filter((p) => (p.options as { canPickMany?: boolean }).canPickMany);
    const acceptChecked = (items: QuickPickItemLike[]) => items.filter((i) => i.picked);
    const testsSeen = (since: number) =>
      provider.ledger.slice(since).map((e) => `${e.endpoint} ${e.key === BAD ? 'bad' : e.key === GOOD_1 ? 'good1' : e.key === GOOD_3 ? 'good3' : 'other'}`);

    it('lists the keys of a .env file to tick, tests the ticked ones, shows the results with the valid keys checked, and saves what stays checked', async () => {
      const before = provider.ledger.length;
      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push((items) => {
        assert.equal(provider.ledger.length, before, 'nothing is sent before the user has ticked');
        return acceptChecked(items);
      }, acceptChecked);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 2);

      assert.deepEqual(testsSeen(before).sort(), ['models bad', 'models good1', 'models good3'], 'one cheap test request per key, the Anthropic key not sent');
      const [toTick, results] = bulkPicks();
      assert.match((toTick.options as { title: string }).title, /Add Keys to OpenAI — tick the keys to test at 127\.0\.0\.1:\d+/);
      assert.deepEqual(
        toTick.items.map((i) => [i.label, i.picked, i.description, i.detail]),
        [
          ['sk-…1111', true, 'named for OpenAI', 'line 2 · OPENAI_KEY_WORK'],
          ['sk-…2222', true, 'named for OpenAI', 'line 3 · OPENAI_KEY_OLD'],
          ['sk-…3333', true, 'named for OpenAI', 'line 5 · OPENAI_KEY_SPARE'],
        ],
      );
      const options = results.options as { title: string; canPickMany: boolean; ignoreFocusOut: boolean };
      assert.equal(options.ignoreFocusOut, true);
      assert.match(options.title, /Add Keys to OpenAI — 2 of 3 passed the test/);
      assert.deepEqual(
        results.items.map((i) => [i.label, i.picked, i.detail]),
        [
          ['$(pass) sk-…1111', true, 'line 2 · OPENAI_KEY_WORK'],
          ['$(error) sk-…2222', false, 'line 3 · OPENAI_KEY_OLD'],
          ['$(pass) sk-…3333', true, 'line 5 · OPENAI_KEY_SPARE'],
        ],
      );
      assert.match(String(results.items[0].description), /^ok · \d+ ms$/);
      assert.match(String(results.items[1].description), /^invalid · HTTP 401.* · \d+ ms$/);
      assert.deepEqual(
        keysOf('oa').map((k) => [k.label, k.secret]),
        [
          ['OPENAI_KEY_WORK', GOOD_1],
          ['OPENAI_KEY_SPARE', GOOD_3],
        ],
      );
      assert.match(fake.messagesOf('info').at(-1) ?? '', /added 2 tested key\(s\) to OpenAI/);
      assert.ok(
        logs.some((l) => /Left out: 1 not a key \(line 6\); 1 another provider \(line 7\)/.test(l)),
        logs.join('\n'),
      );
      assert.ok(
        logs.some((l) => /sk-…2222 invalid · HTTP 401/.test(l)),
        'the log has each result, masked',
      );
    });

    it('tests only the keys left ticked, and saves only the keys left checked, the invalid one included if checked', async () => {
      const before = provider.ledger.length;
      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push(['sk-…2222', 'sk-…3333'], ['$(error) sk-…2222', '$(pass) sk-…3333']);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 2);
      assert.deepEqual(testsSeen(before).sort(), ['models bad', 'models good3'], 'the unticked key never reaches the provider');
      assert.deepEqual(
        keysOf('oa').map((k) => k.secret),
        [BAD, GOOD_3],
      );
    });

    it('sends and saves nothing on Escape or with nothing ticked before the tests, and saves nothing on Escape at the results, on Cancel of the tests, or with every key unchecked', async () => {
      const before = provider.ledger.length;
      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push(undefined);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 0);
      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push(() => []);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 0);
      assert.match(fake.messagesOf('info').at(-1) ?? '', /no key ticked; nothing was tested or saved/);
      assert.equal(provider.ledger.length, before, 'nothing reached the provider');
      assert.deepEqual(candidateTests, []);

      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push(acceptChecked, undefined);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 0);

      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push(acceptChecked, () => []);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 0);
      assert.match(fake.messagesOf('info').at(-1) ?? '', /nothing was saved/);

      // Cancel while the keys are being tested: the results never open.
      provider.always(GOOD_1, { kind: 'slowFirstByte', ms: 5_000 });
      fake.openDialogAnswers.push([Uri.file(ENV_PATH)]);
      fake.pickAnswers.push(acceptChecked);
      const pending = run('keybridge.addKeysFromFile', 'oa');
      await new Promise((resolve) => setTimeout(resolve, 100));
      fake.cancelProgress();
      assert.equal(await pending, 0);
      provider.always(GOOD_1, undefined);
      assert.equal(fake.quickPicks.length, 7, 'no results shown after Cancel');

      fake.openDialogAnswers.push(undefined);
      assert.equal(await run('keybridge.addKeysFromFile', 'oa'), 0, 'Cancel in the open dialog');
      assert.equal(keysOf('oa').length, 0);
    });

    it('takes a file Uri given as the argument, without an open dialog', async () => {
      fake.pickAnswers.push(acceptChecked, acceptChecked);
      assert.equal(await run('keybridge.addKeysFromFile', Uri.file(ENV_PATH)), 2);
      assert.equal(fake.openDialogs.length, 0);
    });

    it('adds a block of keys from the clipboard, one per line, offered unticked (sk- is DeepSeek’s too), leaving out keys the pool holds', async () => {
      await keyStore.addKeys('oa', [{ secret: GOOD_1 }]);
      fake.clipboard = `${GOOD_1}\n${BAD}\n\n${GOOD_3}\n${GOOD_3}\n`;
      fake.pickAnswers.push((items) => items, acceptChecked);
      assert.equal(await run('keybridge.addKeysFromClipboard', poolNode('oa')), 1);
      assert.deepEqual(
        bulkPicks()[0].items.map((i) => [i.label, i.picked, i.description]),
        [
          ['sk-…2222', false, "unticked: sk- keys are also DeepSeek's; tick only if it is OpenAI's"],
          ['sk-…3333', false, "unticked: sk- keys are also DeepSeek's; tick only if it is OpenAI's"],
        ],
      );
      assert.deepEqual(candidateTests, [2], 'the key already in the pool and the repeat are not tested');
      assert.deepEqual(
        keysOf('oa').map((k) => [k.label, k.secret]),
        [
          ['sk-…1111', GOOD_1],
          ['sk-…3333', GOOD_3],
        ],
      );
    });

    it('says what it found when there is no new key, and tests nothing', async () => {
      fake.clipboard = '';
      assert.equal(await run('keybridge.addKeysFromClipboard', 'oa'), 0);
      assert.match(fake.messagesOf('warning').at(-1) ?? '', /clipboard holds no text/);

      fake.clipboard = `ANTHROPIC_API_KEY=${ANTHROPIC_1}\nhello world`;
      assert.equal(await run('keybridge.addKeysFromClipboard', 'oa'), 0);
      assert.match(
        fake.messagesOf('warning').at(-1) ?? '',
        /no new key for OpenAI in the clipboard\. OpenAI keys start with sk-\. Left out: 1 another provider \(line 1\); 2 not a key \(line 2\)\./,
      );
      assert.deepEqual(candidateTests, []);
    });
  });

  describe('key actions', () => {
    beforeEach(async () => {
      fake.settings.set('keybridge.pools', [
        { id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: 'https://api.openai.com/v1' },
        { id: 'an', label: 'Anthropic', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' },
      ]);
      await keyStore.addKeys('oa', [{ secret: OPENAI_1, label: 'work' }]);
      await keyStore.addKeys('oa', [{ secret: OPENAI_2, label: 'spare' }]);
      await keyStore.addKeys('an', [{ secret: ANTHROPIC_1, label: 'claude' }]);
      fake.messages.length = 0;
    });

    it('Test Key from a row reports the result with its latency; a failing key warns', async () => {
      const work = keyNode('oa', 'work');
      await run('keybridge.testKey', work);
      assert.deepEqual(host.calls, [`test oa/${work.key.id}`]);
      assert.equal(fake.messages.at(-1)?.level, 'info');
      assert.match(fake.messages.at(-1)?.text ?? '', /OpenAI \/ work \(sk-…1111\): OK \(HTTP 200\) \(123 ms\)/);

      host.states.set(keyNode('oa', 'spare').key.id, 'invalid');
      await run('keybridge.testKey', keyNode('oa', 'spare'));
      assert.equal(fake.messages.at(-1)?.level, 'warning');
      assert.match(fake.messages.at(-1)?.text ?? '', /spare.*HTTP 401 invalid_api_key.*invalid/);
    });

    it('Test Key from the palette picks among all keys', async () => {
      fake.pickAnswers.push('claude');
      await run('keybridge.testKey');
      assert.deepEqual(
        fake.quickPicks[0].items.map((i) => i.label),
        ['work', 'spare', 'claude'],
      );
      assert.deepEqual(host.calls, [`test an/${keyNode('an', 'claude').key.id}`]);
    });

    it('Test Pool summarises every key', async () => {
      host.states.set(keyNode('oa', 'spare').key.id, 'invalid');
      await run('keybridge.testPool', poolNode('oa'));
      const message = fake.messages.at(-1);
      assert.equal(message?.level, 'warning');
      assert.match(message.text, /OpenAI: 1 of 2 key\(s\) ready, 1 failed\./);
      assert.match(message.text, /spare \(sk-…2222\): HTTP 401 invalid_api_key \(123 ms\)/);
      assert.match(message.text, /work \(sk-…1111\): OK \(HTTP 200\) \(123 ms\)/);
    });

    it('Test Pool counts a rate-limited key as valid but not ready, and warns', async () => {
      host.states.set(keyNode('oa', 'spare').key.id, 'cooling');
      await run('keybridge.testPool', poolNode('oa'));
      const message = fake.messages.at(-1);
      assert.equal(message?.level, 'warning');
      assert.match(message.text, /OpenAI: 1 of 2 key\(s\) ready, 1 rate-limited \(valid, cooling\)\./);
      assert.match(message.text, /spare \(sk-…2222\): accepted but rate-limited/);
    });

    it('Test Pool with every key ready is information, not a warning', async () => {
      await run('keybridge.testPool', poolNode('oa'));
      const message = fake.messages.at(-1);
      assert.equal(message?.level, 'info');
      assert.match(message.text, /OpenAI: 2 of 2 key\(s\) ready\./);
    });

    it('Retire and Restore act on the host; the palette offers only keys that fit', async () => {
      const work = keyNode('oa', 'work');
      await run('keybridge.retireKey', work);
      assert.deepEqual(host.calls, [`retire oa/${work.key.id}`]);
      fake.pickAnswers.push((items) => {
        assert.deepEqual(
          items.map((i) => i.label),
          ['work'],
          'only retired keys can be restored',
        );
        return items[0];
      });
      await run('keybridge.restoreKey');
      assert.deepEqual(host.calls.at(-1), `restore oa/${work.key.id}`);
    });

    it('Remove Key asks first; cancelling keeps the key', async () => {
      const spare = keyNode('oa', 'spare');
      fake.messageAnswers.push(undefined);
      assert.equal(await run('keybridge.removeKey', spare), false);
      assert.equal(keysOf('oa').length, 2);
      assert.equal(fake.messages.at(-1)?.modal, true);
      fake.messageAnswers.push('Remove');
      assert.equal(await run('keybridge.removeKey', spare), true);
      assert.deepEqual(
        keysOf('oa').map((k) => k.label),
        ['work'],
      );
      assert.ok(![...backend.values.values()].includes(OPENAI_2), 'the secret is gone from SecretStorage');
    });

    it('Remove Pool removes the setting and the pool’s keys after confirmation', async () => {
      fake.messageAnswers.push('Remove');
      assert.equal(await run('keybridge.removePool', poolNode('oa')), true);
      assert.deepEqual(
        pools().map((p) => p.id),
        ['an'],
      );
      assert.deepEqual(
        (keyStore.snapshot?.keys ?? []).map((k) => k.pool),
        ['an'],
      );
      assert.match(fake.messages.find((m) => m.modal)?.text ?? '', /2 key\(s\)/);
    });

    it('Copy Base URL copies the URL of the pool’s protocol, or the one picked', async () => {
      await run('keybridge.copyBaseUrl', poolNode('an'));
      assert.equal(fake.clipboard, 'http://127.0.0.1:17381/anthropic');
      fake.pickAnswers.push('OpenAI-compatible base URL');
      await run('keybridge.copyBaseUrl');
      assert.equal(fake.clipboard, 'http://127.0.0.1:17381/openai/v1');
    });

    it('Copy Agent Setup copies the exact lines for the chosen agent, with the local token', async () => {
      const token = keyStore.snapshot?.tokens?.token as string;
      fake.pickAnswers.push('Claude Code');
      await run('keybridge.copyAgentSetup');
      assert.equal(fake.clipboard, `export ANTHROPIC_BASE_URL=http://127.0.0.1:17381/anthropic\nexport ANTHROPIC_AUTH_TOKEN=${token}\nclaude`);
      const offered = fake.quickPicks[0].items.map((i) => i.label);
      for (const agent of [
        'Claude Code',
        'Codex CLI',
        'OpenAI SDK (Python, Node)',
        'Anthropic SDK (Python, Node)',
        'opencode',
        'Aider',
        'Cline / Roo Code',
        'Continue',
      ]) {
        assert.ok(offered.includes(agent), `${agent} offered`);
      }
      await run('keybridge.copyAgentSetup', 'codex');
      assert.match(fake.clipboard, /^model_provider = "keybridge"$/m);
      assert.match(fake.clipboard, /^base_url = "http:\/\/127\.0\.0\.1:17381\/openai\/v1"$/m);
      assert.match(fake.clipboard, /^env_key = "KEYBRIDGE_TOKEN"$/m);
      assert.match(fake.clipboard, /^wire_api = "responses"$/m);
      assert.ok(fake.clipboard.includes(`export KEYBRIDGE_TOKEN=${token}`));
      for (const key of [OPENAI_1, OPENAI_2, ANTHROPIC_1]) assert.ok(!fake.clipboard.includes(key), 'provider keys are never copied');
    });

    it('Start, Stop and Restart go to the host; Show Log opens the channel; Show Usage Dashboard opens the dashboard', async () => {
      await run('keybridge.stopBridge');
      await run('keybridge.startBridge');
      await run('keybridge.restartBridge');
      await run('keybridge.showLog');
      await run('keybridge.showDashboard');
      assert.deepEqual(host.calls, ['stop', 'start', 'restart']);
      assert.equal(logShown, 1);
      assert.equal(dashboardsShown, 1);
      assert.match(fake.messagesOf('info')[0], /stopped in every window/);
    });

    it('a failing action shows an error with Show Log instead of failing silently', async () => {
      host.testKey = async () => {
        throw new Error(`connect ECONNREFUSED while using ${OPENAI_1}`);
      };
      await run('keybridge.testKey', keyNode('oa', 'work'));
      const error = fake.messages.at(-1);
      assert.equal(error?.level, 'error');
      assert.match(error.text, /ECONNREFUSED/);
      assert.ok(!error.text.includes(OPENAI_1), 'a key inside an error message is masked');
      fake.messageAnswers.length = 0;
    });
  });
});
