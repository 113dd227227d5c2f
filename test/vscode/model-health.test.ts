// Guards the health display when the model in use has no usable key (issue 21, item 6): with both keys of a pool
// rate-limited by the fake provider for the model the client asks for, every request for it fails while both keys
// still read ready key-wide. The status bar must turn to a warning that names the model, its tooltip must say
// "0 of 2 usable" with the countdown and the pool row "0/2" with the time a key is back, the key icons must not be green, and each key row must put its
// countdown first so a narrow sidebar cannot cut it. State is built through a real bridge, not typed by hand.
import './vscodeHook';
import assert from 'node:assert/strict';
import type { BridgeStatus } from '../../src/core/status';
import { KeyTreeProvider, type KeyTreeNode } from '../../src/vscode/tree/keyTree';
import { BridgeStatusBar } from '../../src/vscode/host/statusBar';
import { startHarness, TOKEN, type Harness } from '../helpers/harness';
import { fake, type MarkdownString, type ThemeIcon, type TreeItem } from './fakeVscode';

const LIMITED = 'gpt-4.1-mini';
const SERVED = 'gpt-4.1';
/** The provider's Retry-After: 3:55, the example. */
const RETRY_AFTER_S = 235;

async function chat(h: Harness, model: string): Promise<number> {
  const res = await fetch(`${h.openaiBase}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(15_000),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('health of the model in use (real bridge, fake provider)', function () {
  this.timeout(30_000);
  let h: Harness;
  let status: BridgeStatus;

  before(async () => {
    h = await startHarness({
      pools: (provider) => [
        {
          id: 'fake',
          label: 'fake',
          protocol: 'openai',
          baseUrl: provider.openaiBaseUrl,
          strategy: 'fill-first',
          keys: [
            { id: 'first', label: 'first', secret: 'sk-test-heal-1111' },
            { id: 'second', label: 'second', secret: 'sk-test-heal-2222' },
          ],
        },
      ],
    });
    h.provider.alwaysWhen('*', { model: LIMITED }, { kind: 'rateLimit', headers: { 'retry-after': String(RETRY_AFTER_S) } });
    assert.equal(await chat(h, SERVED), 200, 'another model is served');
    assert.equal(await chat(h, LIMITED), 429, 'both keys are limited for the model in use');
    status = h.bridge.status();
  });
  after(async () => {
    await h.close();
  });

  beforeEach(() => fake.reset());

  it('the core reports the model in use with no usable key, and the other model with both', () => {
    const models = status.pools[0].models ?? [];
    const limited = models.find((m) => m.model === LIMITED);
    assert.deepEqual({ ...limited, firstBackAt: undefined }, { model: LIMITED, usable: 0, total: 2, firstBackAt: undefined });
    assert.ok(limited?.firstBackAt !== undefined && limited.firstBackAt > status.now + (RETRY_AFTER_S - 30) * 1000, 'first back after the Retry-After');
    assert.deepEqual(
      models.find((m) => m.model === SERVED),
      { model: SERVED, usable: 2, total: 2 },
    );
    assert.deepEqual(
      status.pools[0].keys.map((k) => k.state),
      ['ready', 'ready'],
      'key-wide, both keys still read ready: only the per-model view tells the truth',
    );
  });

  it('turns the status bar to a warning naming the model, with a tooltip that says so', () => {
    const bar = new BridgeStatusBar(() => status.now);
    try {
      bar.update({ role: 'owner', detail: 'serving', port: h.bridge.port, status });
      const item = fake.statusBarItems.find((i) => i.id === 'keybridge.status');
      assert.ok(item);
      assert.equal(item.text, `$(warning) KeyBridge :${h.bridge.port} ${LIMITED} 0/2`);
      assert.equal(item.backgroundColor?.id, 'statusBarItem.warningBackground');
      const tooltip = (item.tooltip as MarkdownString).value;
      assert.match(tooltip, /\*\*gpt-4\.1-mini: 0 of 2 usable, first back in 3:[45]\d\*\* \(pool fake\)/);
      assert.match(tooltip, /Keys ready: 2 of 2, for other models/);
      assert.match(tooltip, /Requests: 2 \(1 failed\)/);
    } finally {
      bar.dispose();
    }
  });

  it('says so on the pool row and in its tooltip, and gives both key rows a cooling icon with the countdown first', () => {
    const tree = new KeyTreeProvider({ status: () => status }, () => status.now);
    try {
      tree.update();
      const item = (node: KeyTreeNode): TreeItem => tree.getTreeItem(node) as unknown as TreeItem;
      const [poolNode] = tree.getChildren();
      const pool = item(poolNode);
      assert.match(String(pool.description), /^gpt-4\.1-mini 0\/2 · back by \d\d:\d\d · openai · 2\/2 ready$/);
      const poolTooltip = (pool.tooltip as MarkdownString).value;
      assert.match(poolTooltip, /Model gpt-4\.1-mini: 0 of 2 usable, first back in 3:[45]\d/);
      assert.match(poolTooltip, /Model gpt-4\.1: 2 of 2 usable/);
      assert.equal((pool.iconPath as ThemeIcon).color?.id, 'charts.yellow', 'the pool is not green');
      for (const keyNode of tree.getChildren(poolNode)) {
        const row = item(keyNode);
        assert.match(String(row.description), /^3:[45]\d · cooling gpt-4\.1-mini$/, `${row.label}: the countdown leads`);
        const icon = row.iconPath as ThemeIcon;
        assert.deepEqual([icon.id, icon.color?.id], ['watch', 'charts.yellow'], `${row.label}: not a green tick`);
        assert.equal(row.contextValue, 'key.ready', 'menus stay those of a key usable for other models');
      }
    } finally {
      tree.dispose();
    }
  });

  it('counts down on the key rows only: the pool row, which VS Code rebuilds with its key rows, keeps still', () => {
    let now = status.now;
    const tree = new KeyTreeProvider({ status: () => status }, () => now);
    const fired: (KeyTreeNode | KeyTreeNode[] | undefined)[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    try {
      tree.update();
      assert.equal(tree.ticking, true, 'the key rows count down');
      for (let tick = 0; tick < 3; tick++) {
        fired.length = 0;
        now += 1_000;
        (tree as unknown as { refreshChanged(): void }).refreshChanged(); // what the 1 s timer calls
        const ids = fired.flatMap((e) => (Array.isArray(e) ? e.map((n) => n.id) : ['(everything)']));
        assert.deepEqual(ids, ['key:fake/first', 'key:fake/second'], `tick ${tick + 1}: the key rows' countdowns, not the pool row`);
      }
    } finally {
      tree.dispose();
    }
  });
});
