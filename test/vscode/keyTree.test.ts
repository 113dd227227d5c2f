// Guards the key tree: every state has its own contextValue (menus depend on it), icon and colour, and a
// description with the countdown or the reason; ids stay stable; updates refresh only rows that changed,
// and the once-a-second countdown runs only while a key is cooling.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import './vscodeHook';
import assert from 'node:assert/strict';
import type { KeyState } from '../../src/core/keys/keyHealth';
import type { BridgeStatus, KeyStatus, PoolStatus } from '../../src/core/status';
import { KeyTreeProvider, type KeyTreeNode } from '../../src/vscode/tree/keyTree';
import { KEY_CONTEXT, TREE_CONTEXT_VALUES } from '../../src/vscode/shared/treeContext';
import { fake, type MarkdownString, type ThemeIcon, type TreeItem } from './fakeVscode';

const NOW = 1_800_000_000_000;

function key(id: string, state: KeyState, extra: Partial<KeyStatus> = {}): KeyStatus {
  return {
    id,
    label: id === 'k1' ? 'work' : id,
    masked: `sk-…${id.padStart(4, '0')}`,
    fingerprint: `fp${id}`.padEnd(12, '0'),
    state,
    stats: { requests: 0, successes: 0, failures: {}, inputTokens: 0, outputTokens: 0 },
    ...extra,
  };
}

function pool(keys: KeyStatus[], extra: Partial<PoolStatus> = {}): PoolStatus {
  return { id: 'oa', label: 'OpenAI', protocol: 'openai', baseUrl: 'https://api.openai.com/v1', strategy: 'fill-first', breaker: 'closed', keys, ...extra };
}

function status(pools: PoolStatus[]): BridgeStatus {
  return { running: true, port: 17381, now: NOW, pools, totals: { requests: 0, succeeded: 0, failed: 0 } };
}

function idsOf(event: KeyTreeNode | KeyTreeNode[] | undefined): string[] {
  assert.ok(Array.isArray(event), 'a targeted refresh lists its rows');
  return event.map((n) => n.id);
}

class Source {
  value: BridgeStatus | undefined;
  status(): BridgeStatus | undefined {
    return this.value;
  }
}

describe('KeyTreeProvider', () => {
  let source: Source;
  let now: number;
  let tree: KeyTreeProvider;
  let fired: (KeyTreeNode | KeyTreeNode[] | undefined)[];

  beforeEach(() => {
    fake.reset();
    source = new Source();
    now = NOW;
    tree = new KeyTreeProvider(source, () => now);
    fired = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
  });
  afterEach(() => tree.dispose());

  const item = (node: KeyTreeNode): TreeItem => tree.getTreeItem(node) as unknown as TreeItem;
  const keyRows = (): TreeItem[] => tree.getChildren(tree.getChildren()[0]).map(item);

  it('renders every key state with its id, contextValue, icon, colour and description', () => {
    source.value = status([
      pool([
        key('k1', 'ready'),
        key('k2', 'cooling', { until: NOW + 42_000, reason: 'HTTP 429 rate_limit_exceeded' }),
        key('k3', 'exhausted', { reason: 'HTTP 429 insufficient_quota', retestAt: NOW + 600_000 }),
        key('k4', 'invalid', { reason: 'HTTP 401 invalid_api_key', retestAt: NOW + 60_000 }),
        key('k5', 'retired', { reason: 'retired by user' }),
      ]),
    ]);
    tree.update();
    const rows = keyRows().map((r) => ({
      id: r.id,
      label: r.label,
      contextValue: r.contextValue,
      icon: (r.iconPath as ThemeIcon).id,
      color: (r.iconPath as ThemeIcon).color?.id,
      description: r.description,
    }));
    assert.deepEqual(rows, [
      { id: 'key:oa/k1', label: 'work', contextValue: 'key.ready', icon: 'pass-filled', color: 'testing.iconPassed', description: 'sk-…00k1' },
      { id: 'key:oa/k2', label: 'k2', contextValue: 'key.cooling', icon: 'watch', color: 'charts.yellow', description: 'cooling 0:42' },
      { id: 'key:oa/k3', label: 'k3', contextValue: 'key.exhausted', icon: 'circle-slash', color: 'charts.orange', description: 'exhausted: 429' },
      { id: 'key:oa/k4', label: 'k4', contextValue: 'key.invalid', icon: 'error', color: 'testing.iconFailed', description: 'invalid: 401' },
      { id: 'key:oa/k5', label: 'k5', contextValue: 'key.retired', icon: 'archive', color: 'disabledForeground', description: 'retired' },
    ]);
    assert.deepEqual(new Set(rows.map((r) => r.contextValue)), new Set(Object.values(KEY_CONTEXT)));
    const poolRow = item(tree.getChildren()[0]);
    assert.equal(poolRow.id, 'pool:oa');
    assert.equal(poolRow.contextValue, 'pool');
    assert.ok(TREE_CONTEXT_VALUES.includes(poolRow.contextValue));
    assert.equal(poolRow.description, 'openai · 1/4 ready');
    assert.equal((poolRow.iconPath as ThemeIcon).color?.id, 'charts.yellow');
  });

  it('puts stats and the sanitised last error in a Markdown tooltip, never the secret', () => {
    const secret = 'sk-' + 'proj-abcdefghijklmnopqrstuvwxyz123456';
    source.value = status([
      pool([
        key('k1', 'invalid', {
          reason: 'HTTP 401 invalid_api_key',
          retestAt: NOW + 60_000,
          stats: {
            requests: 12,
            successes: 9,
            failures: { rate_limit: 2, auth: 1 },
            lastError: `Incorrect API key provided: ${secret}`,
            lastUsedAt: NOW - 120_000,
            lastLatencyMs: 312.4,
            inputTokens: 12345,
            outputTokens: 678,
          },
        }),
      ]),
    ]);
    tree.update();
    const tooltip = (keyRows()[0].tooltip as MarkdownString).value;
    for (const expected of [
      'Requests: 12 (9 succeeded)',
      'rate limit 2',
      'auth 1',
      'Last used: 2 min ago',
      'Latency: 312 ms',
      '12,345 in / 678 out',
      'Next automatic test in 1:00',
    ]) {
      assert.ok(tooltip.includes(expected), `tooltip has "${expected}":\n${tooltip}`);
    }
    assert.ok(!tooltip.includes(secret) && !tooltip.includes('abcdefghijklmnop'), 'the key in a provider error is masked');
    assert.match(tooltip, /sk-…3456/);
  });

  it('counts down once a second while a key cools, refreshing only the rows that change', () => {
    source.value = status([
      pool([key('k1', 'ready'), key('k2', 'cooling', { until: NOW + 2_500 })]),
      pool([key('k9', 'ready')], { id: 'an', label: 'Anthropic', protocol: 'anthropic' }),
    ]);
    tree.update();
    assert.equal(fired.length, 1);
    assert.equal(fired[0], undefined, 'a new structure refreshes the whole tree');
    assert.equal(tree.ticking, true, 'a cooling key starts the countdown');
    assert.equal(keyRows()[1].description, 'cooling 0:03');

    fired.length = 0;
    now += 1_000;
    (tree as unknown as { refreshChanged(): void }).refreshChanged(); // what the 1 s timer calls
    assert.equal(fired.length, 1);
    assert.deepEqual(idsOf(fired[0]), ['key:oa/k2'], 'only the cooling row is refreshed');
    assert.equal(keyRows()[1].description, 'cooling 0:02');

    fired.length = 0;
    now += 2_000; // cooling has ended: the core says so lazily, the tree must not wait for an event
    (tree as unknown as { refreshChanged(): void }).refreshChanged();
    assert.deepEqual(idsOf(fired[0]), ['pool:oa', 'key:oa/k2']);
    assert.equal(keyRows()[1].contextValue, 'key.ready');
    assert.equal(tree.ticking, false, 'nothing cools: the timer stops');
  });

  it('keeps node identity and ids across updates; a state change refreshes that row only', () => {
    source.value = status([pool([key('k1', 'ready'), key('k2', 'ready')])]);
    tree.update();
    const before = tree.getChildren(tree.getChildren()[0]);
    fired.length = 0;
    source.value = status([pool([key('k1', 'ready'), key('k2', 'invalid', { reason: 'HTTP 401 invalid_api_key' })])]);
    tree.update();
    const after = tree.getChildren(tree.getChildren()[0]);
    assert.equal(after[0], before[0], 'same node object for the same key');
    assert.equal(after[1], before[1]);
    assert.deepEqual(idsOf(fired[0]), ['pool:oa', 'key:oa/k2']);
    assert.equal(tree.ticking, false);

    fired.length = 0;
    source.value = status([pool([key('k1', 'ready'), key('k2', 'invalid', { reason: 'HTTP 401 invalid_api_key' })])]);
    tree.update();
    assert.equal(fired.length, 0, 'an identical snapshot refreshes nothing');

    source.value = status([pool([key('k1', 'ready')])]);
    tree.update();
    assert.equal(fired.at(-1), undefined, 'a removed key refreshes the whole tree');
    assert.equal(tree.getParent(tree.getChildren(tree.getChildren()[0])[0])?.id, 'pool:oa');
  });

  it('shows nothing (the welcome view) when there is no status or no pool', () => {
    tree.update();
    assert.deepEqual(tree.getChildren(), []);
    source.value = status([]);
    tree.update();
    assert.deepEqual(tree.getChildren(), []);
    source.value = status([pool([])]);
    tree.update();
    assert.equal(item(tree.getChildren()[0]).description, 'openai · no keys');
  });
});
