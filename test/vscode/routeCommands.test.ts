// Guards Add Fallback to Route and Remove from Route as a user drives them: every pool is offered, one of the
// other protocol marked translated; the `keybridge.routes` user setting is written exactly (other fields of
// the route kept, `{pool}` without a model when the client's model is kept, a new route before the catch-all);
// Escape at any step writes nothing; removing a route's last target removes the route, only after a confirm.
import './vscodeHook';
import assert from 'node:assert/strict';
import { routeStatus } from '../../src/core/engine/routeStatus';
import type { Logger } from '../../src/core/logger';
import { parseSettings } from '../../src/vscode/settings/bridgeConfig';
import type { CommandServices } from '../../src/vscode/commands/commandServices';
import { KeyBridgeCommands } from '../../src/vscode/commands/commands';
import type { DisposableLike } from '../../src/vscode/shared/disposable';
import { routeNodes } from '../../src/vscode/tree/routeTree';
import { routesSetting, writeRoutesSetting } from '../../src/vscode/settings/settings';
import { fake, InputBoxValidationSeverity } from './fakeVscode';

const POOLS = [
  { id: 'an', label: 'Anthropic', provider: 'anthropic', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' },
  { id: 'or', label: 'OpenRouter', provider: 'openrouter', protocol: 'openai', baseUrl: 'https://openrouter.ai/api/v1' },
  { id: 'ds', label: 'DeepSeek', provider: 'deepseek', protocol: 'openai', baseUrl: 'https://api.deepseek.com/v1', responses: false },
];
const CLAUDE_ROUTE = { protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }], continueOnCut: true };
const ROUTES = 'keybridge.routes';

describe('route commands', () => {
  let registrations: DisposableLike[];
  let logs: string[];

  const settings = () => parseSettings((name) => fake.settings.get(`keybridge.${name}`)).settings;
  const run = (id: string, ...args: unknown[]): Promise<unknown> => {
    const fn = fake.commands.get(id);
    assert.ok(fn, `command ${id} is registered`);
    return Promise.resolve(fn(...args));
  };
  const routeWrites = () => fake.settingWrites.filter((w) => w.key === ROUTES);
  /** The tree's nodes for the routes the settings make, as a click on a row passes them. */
  const routeRows = () => routeNodes(routeStatus(settings()))?.routes ?? [];

  beforeEach(() => {
    fake.reset();
    fake.settings.set('keybridge.pools', POOLS);
    logs = [];
    const logger: Logger = { debug: () => undefined, info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(`error ${m}`) };
    const services = {
      host: { status: () => undefined },
      keyStore: { snapshot: undefined },
      pools: () => settings().pools,
      addPoolSetting: () => Promise.reject(new Error('not in this test')),
      removePoolSetting: () => Promise.reject(new Error('not in this test')),
      routes: () => routeStatus(settings()),
      routesSetting,
      writeRoutesSetting,
      refresh: async () => undefined,
      showLog: () => undefined,
      showDashboard: () => undefined,
      logger,
    } as unknown as CommandServices;
    registrations = new KeyBridgeCommands(services).register();
  });

  afterEach(() => {
    registrations.forEach((r) => r.dispose());
    assert.deepEqual(fake.inputAnswers, [], 'every scripted input box was used');
    assert.deepEqual(fake.pickAnswers, [], 'every scripted quick pick was used');
    assert.deepEqual(fake.messageAnswers, [], 'every scripted confirmation was used');
  });

  it('Add Fallback on a route row lists every pool, the other protocol’s marked translated, and appends the target', async () => {
    fake.settings.set(ROUTES, [CLAUDE_ROUTE]);
    fake.pickAnswers.push('OpenRouter');
    fake.inputAnswers.push((box) => {
      assert.equal(box.value, undefined, 'nothing pre-filled');
      assert.match(box.prompt ?? '', /^Model name at OpenRouter \(e\.g\. openai\/gpt-4\.1\)/);
      assert.match(box.prompt ?? '', /means nothing to an OpenAI-compatible provider\.$/);
      const empty = box.validateInput?.('') as { message: string; severity: number };
      assert.equal(empty.severity, InputBoxValidationSeverity.Warning, 'a translated target without a model is warned about, not refused');
      return ' gpt-4.1 ';
    });
    await run('keybridge.addRouteTarget', routeRows()[0]);

    assert.deepEqual(
      fake.quickPicks[0].items.map((i) => [i.label, i.description]),
      [
        ['Anthropic', 'same protocol, relayed as is'],
        ['OpenRouter', 'translated (Anthropic → OpenAI Chat)'],
        ['DeepSeek', 'translated (Anthropic → OpenAI Chat)'],
      ],
    );
    assert.deepEqual(routeWrites(), [
      {
        key: ROUTES,
        value: [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'or', model: 'gpt-4.1' }], continueOnCut: true }],
        target: 1, // ConfigurationTarget.Global
      },
    ]);
    assert.match(logs.join('\n'), /route anthropic claude-\*: or → gpt-4\.1 added \(translated\)/);
    assert.equal(fake.messages.at(-1)?.text, 'KeyBridge: anthropic claude-* falls back to OpenRouter (translated)');
  });

  it('Add Fallback to an Anthropic pool names the provider kind with its article', async () => {
    fake.settings.set(ROUTES, [{ protocol: 'openai', match: 'gpt-*', targets: [{ pool: 'or' }] }]);
    fake.pickAnswers.push('Anthropic');
    fake.inputAnswers.push((box) => {
      assert.match(box.prompt ?? '', /The client's model name means nothing to an Anthropic provider\.$/);
      return 'claude-sonnet-4-5';
    });
    await run('keybridge.addRouteTarget', routeRows()[0]);
    assert.deepEqual((routesSetting()[0] as { targets: unknown[] }).targets.at(-1), { pool: 'an', model: 'claude-sonnet-4-5' });
  });

  it('New route from the palette: clients, pattern, pool; an empty model keeps the client’s; it goes before the catch-all', async () => {
    fake.settings.set(ROUTES, [{ protocol: 'openai', match: '*', targets: [{ pool: 'or' }] }]);
    fake.pickAnswers.push('New route…', 'OpenAI clients (Codex, Chat Completions)', 'DeepSeek');
    fake.inputAnswers.push((box) => {
      assert.equal(box.value, '*', 'the pattern defaults to every model');
      return 'deepseek-*';
    });
    fake.inputAnswers.push((box) => {
      assert.match(box.prompt ?? '', /leave empty to keep the client's model/);
      assert.equal(box.validateInput?.(''), undefined, 'no warning for a same-protocol pool');
      return '';
    });
    await run('keybridge.addRouteTarget');
    assert.deepEqual(
      fake.quickPicks[0].items.map((i) => i.label),
      ['openai *', 'anthropic *', 'New route…'],
      'configured routes, the default route, and a new one',
    );
    assert.deepEqual(
      fake.quickPicks[2].items.map((i) => [i.label, i.description]),
      [
        ['OpenRouter', 'same protocol, relayed as is'],
        ['DeepSeek', 'same protocol; Responses requests translated to Chat'],
        ['Anthropic', 'translated (OpenAI → Anthropic)'],
      ],
      'same-protocol pools first',
    );
    assert.deepEqual(routeWrites().at(-1)?.value, [
      { protocol: 'openai', match: 'deepseek-*', targets: [{ pool: 'ds' }] },
      { protocol: 'openai', match: '*', targets: [{ pool: 'or' }] },
    ]);
    assert.equal(fake.messages.at(-1)?.text, 'KeyBridge: new route openai deepseek-* → DeepSeek (Responses translated to Chat)');
  });

  it('a fallback for a default route makes a route that starts with the default pool', async () => {
    fake.pickAnswers.push('anthropic *', 'OpenRouter');
    fake.inputAnswers.push('gpt-4.1');
    await run('keybridge.addRouteTarget');
    assert.equal(fake.quickPicks[0].items.find((i) => i.label === 'anthropic *')?.description, 'default: an');
    assert.deepEqual(routeWrites().at(-1)?.value, [{ protocol: 'anthropic', match: '*', targets: [{ pool: 'an' }, { pool: 'or', model: 'gpt-4.1' }] }]);
    // The same from the default route's row in the tree, with no pick for the route.
    fake.settings.delete(ROUTES);
    fake.pickAnswers.push('DeepSeek');
    fake.inputAnswers.push('deepseek-chat');
    const defaultRoute = routeRows().find((r) => r.route.implicit && r.route.protocol === 'anthropic');
    await run('keybridge.addRouteTarget', defaultRoute?.targets[0]);
    assert.deepEqual(routeWrites().at(-1)?.value, [{ protocol: 'anthropic', match: '*', targets: [{ pool: 'an' }, { pool: 'ds', model: 'deepseek-chat' }] }]);
  });

  it('Escape at any step writes nothing', async () => {
    fake.settings.set(ROUTES, [CLAUDE_ROUTE]);
    const steps: [picks: (string | undefined)[], inputs: (string | undefined)[]][] = [
      [[undefined], []], // the route
      [['New route…', undefined], []], // the clients
      [['New route…', 'Anthropic clients (Claude Code …)'], [undefined]], // the pattern
      [['anthropic claude-*', undefined], []], // the pool
      [['anthropic claude-*', 'OpenRouter'], [undefined]], // the model
    ];
    for (const [picks, inputs] of steps) {
      fake.pickAnswers.push(...picks);
      fake.inputAnswers.push(...inputs);
      assert.equal(await run('keybridge.addRouteTarget'), undefined);
    }
    assert.deepEqual(routeWrites(), []);
    assert.deepEqual(fake.settings.get(ROUTES), [CLAUDE_ROUTE]);
  });

  it('takes every answer from code, with no prompt', async () => {
    const written = await run('keybridge.addRouteTarget', { protocol: 'openai', match: 'gpt-*', pool: 'an', model: 'claude-sonnet-4-5' });
    assert.deepEqual(written, { protocol: 'openai', match: 'gpt-*', targets: [{ pool: 'an', model: 'claude-sonnet-4-5' }] });
    assert.deepEqual(fake.quickPicks, []);
    assert.deepEqual(fake.inputBoxes, []);
    await run('keybridge.addRouteTarget', { protocol: 'openai', match: 'gpt-*', pool: 'nope', model: '' });
    assert.match(fake.messagesOf('error').at(-1) ?? '', /no pool "nope"/);
    assert.equal(routeWrites().length, 1);
  });

  it('Remove from Route drops a target; the last one takes the route with it, only after a confirm', async () => {
    fake.settings.set(ROUTES, [{ ...CLAUDE_ROUTE, targets: [{ pool: 'an' }, { pool: 'or', model: 'gpt-4.1' }] }]);
    assert.equal(await run('keybridge.removeRouteTarget', routeRows()[0].targets[0]), true);
    assert.deepEqual(routeWrites().at(-1)?.value, [{ ...CLAUDE_ROUTE, targets: [{ pool: 'or', model: 'gpt-4.1' }] }]);
    assert.equal(
      fake.messages.some((m) => m.modal),
      false,
      'no confirm while the route keeps a target',
    );

    const last = routeRows()[0].targets[0];
    fake.messageAnswers.push(undefined); // dismissed
    assert.equal(await run('keybridge.removeRouteTarget', last), false);
    assert.equal(routeWrites().length, 1, 'cancelled: nothing written');
    assert.match(fake.messages.at(-1)?.text ?? '', /Remove route "anthropic claude-\*"\?/);
    assert.equal(fake.messages.at(-1)?.modal, true);

    fake.messageAnswers.push('Remove Route');
    assert.equal(await run('keybridge.removeRouteTarget', last), true);
    assert.deepEqual(routeWrites().at(-1)?.value, []);
  });

  it('Remove from Route from the palette picks among configured targets; a stale row writes nothing', async () => {
    fake.settings.set(ROUTES, [{ ...CLAUDE_ROUTE, targets: [{ pool: 'an' }, { pool: 'or', model: 'gpt-4.1' }] }]);
    const stale = routeRows()[0].targets[1];
    fake.pickAnswers.push((items) => {
      assert.deepEqual(
        items.map((i) => [i.label, i.description]),
        [
          ['anthropic claude-* · 1. an', ''],
          ['anthropic claude-* · 2. or → gpt-4.1', 'translated: Anthropic → OpenAI Chat'],
        ],
        'default routes are not offered',
      );
      return items[1];
    });
    assert.equal(await run('keybridge.removeRouteTarget'), true);
    assert.deepEqual(routeWrites().at(-1)?.value, [CLAUDE_ROUTE]);

    assert.equal(await run('keybridge.removeRouteTarget', stale), false);
    assert.match(fake.messagesOf('warning').at(-1) ?? '', /has no target "or"/);
    assert.equal(routeWrites().length, 1);
  });
});
