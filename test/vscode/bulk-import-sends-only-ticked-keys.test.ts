// Guards issue 19, item 1: Add Keys from File/Clipboard used to test every candidate against the pool's host
// before the user had chosen anything. OpenAI and DeepSeek keys share `sk-`, so a .env holding both sent the
// OpenAI key to DeepSeek's host and the other way round; a pool whose provider has no key prefix (Mistral, a
// custom URL) took GITHUB_TOKEN, AWS keys, payment keys. Each pool here has its own recording fake provider on
// loopback: nothing may reach any of them before the user has ticked, and then only the ticked keys, each at
// its own pool's host only. Every key is obviously fake.
import './vscodeHook';
import assert from 'node:assert/strict';
import { testCandidateKeys } from '../../src/core/engine/candidateKeyTests';
import type { Logger } from '../../src/core/logger';
import type { PoolSetting } from '../../src/vscode/settings/bridgeConfig';
import { BulkKeyCommands } from '../../src/vscode/commands/bulkKeyCommands';
import { KeyStore } from '../../src/vscode/keys/keyStore';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';
import { FakeSecretBackend } from './fakeSecretStorage';
import { fake, Uri, type QuickPickItemLike } from './fakeVscode';

const OPENAI_NAMED = 'sk-test-open-name-0001';
const OPENAI_PROJECT = 'sk-proj-test-open-0002';
const DEEPSEEK_NAMED = 'sk-test-deep-name-0003';
const MISTRAL_NAMED = 'test-key-mistral-named-0004';
const GATEWAY = 'sk-test-gate-0005';
const UNKNOWN = 'test-key-unknown-service-0006';
const OTHERS = {
  GITHUB_TOKEN: 'ghp_test-key-github-0007',
  GH_TOKEN: 'test-key-gh-0008-abcdef',
  AWS_ACCESS_KEY_ID: 'AKIATESTKEY000000009',
  AWS_SECRET_ACCESS_KEY: 'test-key-aws-secret-0010-abcdef',
  DATABASE_URL: 'postgres://app:test-password-0011@localhost:5432/app',
  DB_PASSWORD: 'test-password-db-0012',
  STRIPE_SECRET_KEY: 'sk_live_test-key-stripe-0013',
  STRIPE_WEBHOOK_SECRET: 'whsec_test-key-stripe-0014',
  SLACK_BOT_TOKEN: 'xoxb-test-key-slack-0015',
  ANTHROPIC_API_KEY: 'sk-ant-test-anth-0016',
  GROQ_API_KEY: 'gsk_test-key-groq-0017',
};

/** A developer's .env as it comes: both sk- providers, the project's other services, and one unknown credential. */
const ENV = [
  '# app settings',
  'NODE_ENV=production',
  `OPENAI_API_KEY=${OPENAI_NAMED}`,
  `DEEPSEEK_API_KEY="${DEEPSEEK_NAMED}"`,
  `export MISTRAL_API_KEY=${MISTRAL_NAMED}`,
  OPENAI_PROJECT,
  ...Object.entries(OTHERS).map(([name, value]) => `${name}=${value}`),
  `SERVICE_TOKEN=${UNKNOWN}`,
  OTHERS.AWS_SECRET_ACCESS_KEY, // pasted again on a bare line
  `LLM_GATEWAY_KEY=${GATEWAY}`,
].join('\n');
const ENV_PATH = '/work/project/.env';
const ALL_SECRETS = [OPENAI_NAMED, OPENAI_PROJECT, DEEPSEEK_NAMED, MISTRAL_NAMED, GATEWAY, UNKNOWN, ...Object.values(OTHERS)];
const last4 = (secret: string) => secret.slice(-4);

describe('bulk import sends only the ticked keys, each to its own pool’s host', function () {
  this.timeout(30_000);
  const hosts: Record<'openai' | 'deepseek' | 'mistral' | 'custom', FakeProvider | undefined> = {
    openai: undefined,
    deepseek: undefined,
    mistral: undefined,
    custom: undefined,
  };
  let keyStore: KeyStore;
  let logs: string[];
  let bulk: BulkKeyCommands;
  let pools: PoolSetting[];

  const host = (id: keyof typeof hosts): FakeProvider => hosts[id] ?? assert.fail(`no fake host ${id}`);
  /** What every fake host has received, by host: the keys, in order. */
  const sent = () => Object.fromEntries(Object.entries(hosts).map(([id, h]) => [id, (h?.ledger ?? []).map((e) => e.key)]));
  const nothingSent = { openai: [], deepseek: [], mistral: [], custom: [] };
  const keysOf = (pool: string) => (keyStore.snapshot?.keys ?? []).filter((k) => k.pool === pool).map((k) => k.secret);
  const bulkPicks = () => fake.quickPicks.filter((p) => (p.options as { canPickMany?: boolean }).canPickMany);
  /** The tick step: checks that nothing left the machine yet, records what was offered, answers as `choose` says. */
  const tick = (choose: (items: QuickPickItemLike[]) => QuickPickItemLike[]) => (items: QuickPickItemLike[]) => {
    assert.deepEqual(sent(), nothingSent, 'no key reaches any host before the user has ticked');
    return choose(items);
  };
  const ticked = (items: QuickPickItemLike[]) => items.filter((i) => i.picked);
  const offered = () => bulkPicks()[0].items.map((i) => [i.label, i.picked]);
  const importFile = (pool: string) => bulk.addKeysFromFile(pool, Uri.file(ENV_PATH));

  before(async () => {
    for (const id of Object.keys(hosts) as (keyof typeof hosts)[]) hosts[id] = await startFakeProvider();
  });
  after(async () => {
    for (const h of Object.values(hosts)) await h?.close();
  });

  beforeEach(async () => {
    fake.reset();
    fake.files.set(ENV_PATH, ENV);
    for (const h of Object.values(hosts)) h?.ledger.splice(0);
    keyStore = new KeyStore(new FakeSecretBackend().view(), { timeoutMs: 500, debounceMs: 5 });
    await keyStore.load();
    logs = [];
    const logger: Logger = { debug: () => undefined, info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
    pools = [
      { id: 'openai', provider: 'openai', protocol: 'openai', baseUrl: host('openai').openaiBaseUrl },
      { id: 'deepseek', provider: 'deepseek', protocol: 'openai', baseUrl: host('deepseek').openaiBaseUrl },
      { id: 'mistral', provider: 'mistral', protocol: 'openai', baseUrl: host('mistral').openaiBaseUrl },
      { id: 'custom', provider: 'custom', protocol: 'openai', baseUrl: host('custom').openaiBaseUrl },
    ];
    bulk = new BulkKeyCommands(
      { keyStore, logger, testCandidateKeys: (pool, secrets, options) => testCandidateKeys(pool, secrets, { ...options, timeoutMs: 5_000 }) },
      async (arg) => pools.find((p) => p.id === arg),
    );
  });

  afterEach(() => {
    keyStore.dispose();
    assert.deepEqual(fake.pickAnswers, [], 'every scripted quick pick was used');
    const shown = JSON.stringify([fake.messages, fake.quickPicks, logs]);
    for (const secret of ALL_SECRETS) assert.ok(!shown.includes(secret.slice(3, 20)), `…${last4(secret)} shown or logged in full`);
  });

  it('a DeepSeek pool is offered its own key ticked and never the OpenAI ones; only the ticked key reaches DeepSeek’s host', async () => {
    fake.pickAnswers.push(tick(ticked), ticked);
    assert.equal(await importFile('deepseek'), 1);
    assert.deepEqual(offered(), [
      ['sk-…0003', true],
      ['sk-…0005', false], // LLM_GATEWAY_KEY: sk- names no provider, so it waits for a tick that does not come
    ]);
    assert.deepEqual(sent(), { ...nothingSent, deepseek: [DEEPSEEK_NAMED] });
    assert.deepEqual(keysOf('deepseek'), [DEEPSEEK_NAMED]);
  });

  it('an OpenAI pool is never offered the DeepSeek key, and a key the user unticks is never sent', async () => {
    fake.pickAnswers.push(
      tick((items) => items.filter((i) => i.label === 'sk-…0001')),
      ticked,
    );
    assert.equal(await importFile('openai'), 1);
    assert.deepEqual(offered(), [
      ['sk-…0001', true],
      ['sk-…0002', true],
      ['sk-…0005', false],
    ]);
    assert.deepEqual(sent(), { ...nothingSent, openai: [OPENAI_NAMED] });
  });

  it('a Mistral pool (no key prefix) is offered no cloud, VCS, payment, chat, database or other-LLM credential; ticking decides what is sent', async () => {
    fake.pickAnswers.push(tick(ticked), ticked);
    assert.equal(await importFile('mistral'), 1);
    assert.deepEqual(offered(), [
      ['…0004', true],
      ['…0006', false], // SERVICE_TOKEN names no provider: offered, unticked, with the reason
    ]);
    assert.match(String(bulkPicks()[0].items[1].description), /^unticked: SERVICE_TOKEN names no provider; tick only if it is Mistral's$/);
    assert.deepEqual(sent(), { ...nothingSent, mistral: [MISTRAL_NAMED] });

    // The user ticks the unknown credential too: it is sent because they ticked it, and nothing else is.
    fake.pickAnswers.push(
      tick((items) => items),
      () => [],
    );
    for (const h of Object.values(hosts)) h?.ledger.splice(0);
    fake.quickPicks.splice(0);
    assert.equal(await importFile('mistral'), 0);
    assert.deepEqual(offered(), [['…0006', false]], 'the key stored a moment ago is not offered again');
    assert.deepEqual(sent(), { ...nothingSent, mistral: [UNKNOWN] });
  });

  it('a custom base URL gets nothing ticked, so Enter alone sends nothing; a ticked gateway key goes to it alone', async () => {
    fake.pickAnswers.push(tick(ticked));
    assert.equal(await importFile('custom'), 0);
    assert.deepEqual(offered(), [
      ['…0006', false],
      ['sk-…0005', false],
    ]);
    assert.match(fake.messagesOf('info').at(-1) ?? '', /no key ticked; nothing was tested or saved/);
    assert.deepEqual(sent(), nothingSent);

    fake.pickAnswers.push(
      tick((items) => items.filter((i) => i.label === 'sk-…0005')),
      ticked,
    );
    fake.quickPicks.splice(0);
    assert.equal(await importFile('custom'), 1);
    assert.deepEqual(sent(), { ...nothingSent, custom: [GATEWAY] });
  });

  it('from the clipboard, the same: a bare list for DeepSeek holding an OpenAI project key never offers it', async () => {
    fake.clipboard = [DEEPSEEK_NAMED, OPENAI_PROJECT, OTHERS.GITHUB_TOKEN, OTHERS.STRIPE_SECRET_KEY].join('\n');
    fake.pickAnswers.push(
      tick((items) => items),
      ticked,
    );
    assert.equal(await bulk.addKeysFromClipboard('deepseek'), 1);
    assert.deepEqual(offered(), [['sk-…0003', false]]);
    assert.deepEqual(sent(), { ...nothingSent, deepseek: [DEEPSEEK_NAMED] });
  });
});
