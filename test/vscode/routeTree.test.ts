// Guards the Routes section of the KeyBridge tree: routes after the pools in the router's order, targets
// numbered in the order they are tried, a translated target marked by its description, icon and tooltip
// (which says what translation loses), each protocol's default route set apart (no remove action), and a
// routes change redrawing the tree while an unchanged status redraws nothing.
import './vscodeHook';
import assert from 'node:assert/strict';
import type { BridgeStatus, PoolStatus, RouteStatus } from '../../src/core/status';
import { KeyTreeProvider, type KeyTreeNode } from '../../src/vscode/tree/keyTree';
import { TREE_CONTEXT_VALUES } from '../../src/vscode/shared/treeContext';
import { fake, type MarkdownString, type ThemeIcon, type TreeItem } from './fakeVscode';

const NOW = 1_800_000_000_000;

function pool(id: string, label: string, protocol: PoolStatus['protocol']): PoolStatus {
  return { id, label, protocol, baseUrl: `https://${id}.example.com`, strategy: 'fill-first', breaker: 'closed', keys: [] };
}

const POOLS = [pool('anthropic-main', 'Anthropic', 'anthropic'), pool('openrouter', 'OpenRouter', 'openai'), pool('deepseek', 'DeepSeek', 'openai')];

const ROUTES: RouteStatus[] = [
  {
    protocol: 'anthropic',
    match: 'claude-*',
    targets: [
      { pool: 'anthropic-main', poolProtocol: 'anthropic', translated: false },
      { pool: 'openrouter', model: 'gpt-4.1', poolProtocol: 'openai', translated: true },
    ],
  },
  {
    protocol: 'openai',
    match: '*',
    targets: [
      { pool: 'openrouter', poolProtocol: 'openai', translated: false },
      { pool: 'deepseek', model: 'deepseek-chat', poolProtocol: 'openai', translated: true },
    ],
  },
  { protocol: 'anthropic', match: '*', implicit: true, targets: [{ pool: 'anthropic-main', poolProtocol: 'anthropic', translated: false }] },
];

function status(routes: RouteStatus[] | undefined): BridgeStatus {
  return { running: true, port: 17381, now: NOW, pools: POOLS, routes, totals: { requests: 0, succeeded: 0, failed: 0 } };
}

describe('KeyTreeProvider routes', () => {
  let value: BridgeStatus | undefined;
  let tree: KeyTreeProvider;
  let fired: (KeyTreeNode | KeyTreeNode[] | undefined)[];

  beforeEach(() => {
    fake.reset();
    value = undefined;
    tree = new KeyTreeProvider({ status: () => value }, () => NOW);
    fired = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
  });
  afterEach(() => tree.dispose());

  const item = (node: KeyTreeNode): TreeItem => tree.getTreeItem(node) as unknown as TreeItem;
  const row = (node: KeyTreeNode) => {
    const it = item(node);
    const icon = it.iconPath as ThemeIcon;
    return { id: it.id, label: it.label, description: it.description, contextValue: it.contextValue, icon: icon.id, color: icon.color?.id };
  };
  const routesSection = (): KeyTreeNode => {
    const last = tree.getChildren().at(-1);
    assert.equal(last?.kind, 'routes', 'the Routes section comes after the pools');
    return last;
  };

  it('lists routes after the pools, targets numbered in order, a translated target marked', () => {
    value = status(ROUTES);
    tree.update();
    assert.deepEqual(
      tree.getChildren().map((n) => n.id),
      ['pool:anthropic-main', 'pool:openrouter', 'pool:deepseek', 'routes'],
    );
    const section = routesSection();
    assert.deepEqual(row(section), {
      id: 'routes',
      label: 'Routes',
      description: 'first match wins',
      contextValue: 'routes',
      icon: 'list-ordered',
      color: undefined,
    });
    const routes = tree.getChildren(section);
    assert.deepEqual(routes.map(row), [
      { id: 'route:0', label: 'anthropic claude-*', description: '2 targets · 1 translated', contextValue: 'route', icon: 'arrow-right', color: undefined },
      { id: 'route:1', label: 'openai *', description: '2 targets · 1 translated', contextValue: 'route', icon: 'arrow-right', color: undefined },
      {
        id: 'route:default:anthropic',
        label: 'anthropic *',
        description: 'default: no route matched',
        contextValue: 'route.default',
        icon: 'arrow-right',
        color: 'disabledForeground',
      },
    ]);
    assert.deepEqual(tree.getChildren(routes[0]).map(row), [
      { id: 'route:0/target:0', label: '1. anthropic-main', description: '', contextValue: 'routeTarget', icon: 'server', color: undefined },
      {
        id: 'route:0/target:1',
        label: '2. openrouter → gpt-4.1',
        description: 'translated: Anthropic → OpenAI Chat',
        contextValue: 'routeTarget',
        icon: 'arrow-swap',
        color: 'charts.purple',
      },
    ]);
    assert.deepEqual(
      tree.getChildren(routes[1]).map((n) => item(n).description),
      ['', 'translated: Responses → Chat'],
      'an OpenAI pool without the Responses API is marked too',
    );
    assert.deepEqual(
      tree.getChildren(routes[2]).map((n) => item(n).contextValue),
      ['routeTarget.default'],
      'a default route’s pool offers no Remove',
    );
    for (const node of [section, ...routes, ...routes.flatMap((r) => tree.getChildren(r))]) {
      assert.ok(TREE_CONTEXT_VALUES.includes(item(node).contextValue as string), `${node.id}: a contextValue the menus know`);
    }
    const [plain, translated] = tree.getChildren(routes[0]);
    assert.equal(tree.getParent(translated), routes[0]);
    assert.equal(tree.getParent(routes[0]), section);

    const tooltip = (item(translated).tooltip as MarkdownString).value;
    assert.match(tooltip, /\*\*OpenRouter\*\*/, 'names the pool by its label');
    assert.match(tooltip, /Translated: Anthropic → OpenAI Chat/);
    assert.match(tooltip, /Lost on the way: thinking blocks/);
    assert.match(tooltip, /`gpt-4\.1`/);
    assert.match((item(plain).tooltip as MarkdownString).value, /relayed as they are/);
    assert.match((item(tree.getChildren(routes[1])[1]).tooltip as MarkdownString).value, /no Responses API.*Chat Completions requests pass as they are/s);
  });

  it('redraws the whole tree when the routes change, nothing when they do not', () => {
    value = status(ROUTES);
    tree.update();
    fired.length = 0;
    value = status(ROUTES.map((r) => ({ ...r, targets: [...r.targets] })));
    tree.update();
    assert.deepEqual(fired, [], 'an equal snapshot redraws nothing');

    value = status([ROUTES[1], ROUTES[0]]);
    tree.update();
    assert.deepEqual(fired, [undefined], 'reordered routes redraw the tree');
    assert.deepEqual(
      tree.getChildren(routesSection()).map((n) => item(n).label),
      ['openai *', 'anthropic claude-*'],
    );
  });

  it('has no Routes section without routes, nor from an owner that does not send them', () => {
    value = status([]);
    tree.update();
    assert.deepEqual(
      tree.getChildren().map((n) => n.kind),
      ['pool', 'pool', 'pool'],
    );
    value = status(undefined);
    tree.update();
    assert.equal(
      tree.getChildren().some((n) => n.kind === 'routes'),
      false,
    );
  });
});
