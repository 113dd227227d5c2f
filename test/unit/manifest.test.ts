// Guards package.json against drifting from the code: a menu naming an undeclared command, a `viewItem`
// clause no tree row ever matches (its action silently never shows), an engine older than the API types
// (vsce refuses to package), a missing activation event or icon file.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentEnvironment, terminalEnvironment } from '../../src/core/agentSetup';
import { AGENT_SPECS } from '../../src/core/agents/agentList';
import { PROTOCOLS } from '../../src/core/config';
import { COMMAND_IDS } from '../../src/vscode/shared/commandIds';
import { LANGUAGE_MODEL_VENDOR } from '../../src/vscode/settings/lmModelSchema';
import { DEFAULT_PORT } from '../../src/vscode/settings/settingsSchema';
import { TREE_CONTEXT_VALUES, VIEW_ID } from '../../src/vscode/shared/treeContext';

const root = join(__dirname, '..', '..', '..');

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}

interface Manifest {
  engines: { vscode: string };
  activationEvents?: string[];
  icon?: string;
  main: string;
  extensionKind?: string[];
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string | { light: string; dark: string } }[];
    menus: Record<string, MenuItem[]>;
    views: Record<string, { id: string; name: string; icon?: string }[]>;
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    viewsWelcome: { view: string; contents: string; when?: string }[];
    languageModelChatProviders?: { vendor: string; displayName: string }[];
    configuration: { properties: Record<string, { scope?: string; default?: unknown; description?: string; markdownDescription?: string }> };
  };
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const declared = new Set(manifest.contributes.commands.map((c) => c.command));

/** `1.96.0` from `^1.96.0`, `>=1.96.0` or `1.96.0`. */
function version(range: string): number[] {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(range);
  assert.ok(match, `no version in "${range}"`);
  return match.slice(1).map(Number);
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Every `viewItem == x` and `viewItem =~ /re/` clause of a when expression. */
function viewItemClauses(when: string): { op: '==' | '=~' | '!='; value: string }[] {
  const clauses: { op: '==' | '=~' | '!='; value: string }[] = [];
  for (const m of when.matchAll(/viewItem\s*(==|!=)\s*([^\s&|)]+)/g)) clauses.push({ op: m[1] as '==' | '!=', value: m[2] });
  for (const m of when.matchAll(/viewItem\s*=~\s*\/((?:\\\/|[^/])+)\/([a-z]*)/g)) clauses.push({ op: '=~', value: m[1] });
  return clauses;
}

const allMenuItems = Object.entries(manifest.contributes.menus).flatMap(([menu, items]) => items.map((item) => ({ menu, ...item })));

describe('package.json manifest', () => {
  it('declares every command used in a menu, and only commands the code registers', () => {
    for (const item of allMenuItems) assert.ok(declared.has(item.command), `${item.menu}: ${item.command} is not declared in contributes.commands`);
    assert.deepEqual([...declared].sort(), [...COMMAND_IDS].sort(), 'contributes.commands and the registered commands differ');
    for (const c of manifest.contributes.commands) {
      assert.ok(c.title && c.category === 'KeyBridge', `${c.command} has a title in the KeyBridge category`);
      assert.match(c.command, /^keybridge\.[a-z][A-Za-z]+$/, 'command ids are keybridge.<verb>');
    }
  });

  it('matches every viewItem clause to a contextValue the tree emits', () => {
    let checked = 0;
    for (const item of allMenuItems) {
      for (const clause of viewItemClauses(item.when ?? '')) {
        checked++;
        if (clause.op === '=~') {
          const re = new RegExp(clause.value.replace(/\\\//g, '/'));
          assert.ok(
            TREE_CONTEXT_VALUES.some((v) => re.test(v)),
            `${item.command}: /${clause.value}/ matches no contextValue (${TREE_CONTEXT_VALUES.join(', ')})`,
          );
        } else {
          assert.ok(TREE_CONTEXT_VALUES.includes(clause.value), `${item.command}: viewItem ${clause.op} ${clause.value} is not a contextValue the tree emits`);
        }
      }
      if (item.menu === 'view/item/context')
        assert.match(item.when ?? '', new RegExp(`view == ${VIEW_ID.replace('.', '\\.')}`), `${item.command} is scoped to the KeyBridge view`);
    }
    assert.ok(checked >= 10, `only ${checked} viewItem clauses found: the parser or the menus changed`);
    // Every key state has inline actions: test/retire for live keys, restore for retired ones.
    const inline = allMenuItems.filter((i) => i.menu === 'view/item/context' && i.group?.startsWith('inline'));
    for (const value of TREE_CONTEXT_VALUES) {
      const actions = inline.filter((i) =>
        viewItemClauses(i.when ?? '').some((c) => (c.op === '==' ? c.value === value : c.op === '=~' ? new RegExp(c.value).test(value) : false)),
      );
      assert.ok(actions.length > 0, `no inline action for ${value}`);
    }
  });

  it('names only declared views and commands in views, menus and welcome content', () => {
    const views = Object.values(manifest.contributes.views).flat();
    assert.deepEqual(
      views.map((v) => v.id),
      [VIEW_ID],
    );
    assert.deepEqual(
      Object.keys(manifest.contributes.views),
      manifest.contributes.viewsContainers.activitybar.map((c) => c.id),
      'the view lives in its own activity-bar container',
    );
    for (const item of allMenuItems) {
      for (const m of (item.when ?? '').matchAll(/\bview == ([\w.]+)/g)) assert.equal(m[1], VIEW_ID);
    }
    assert.ok(manifest.contributes.viewsWelcome.length > 0);
    for (const welcome of manifest.contributes.viewsWelcome) {
      assert.equal(welcome.view, VIEW_ID);
      for (const m of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(declared.has(m[1]), `welcome links to undeclared ${m[1]}`);
    }
  });

  it('says what terminals get and which agents Connect Agents writes for, as the code does', () => {
    const ctx = { baseUrls: { openai: 'http://o', anthropic: 'http://a', gemini: 'http://g' }, token: 'test-local-token' };
    const welcome = manifest.contributes.viewsWelcome.find((w) => w.contents.includes('(command:keybridge.connectAgents)'));
    assert.ok(welcome, 'a welcome text links Connect Agents');
    // Each protocol's base-URL variable, as terminalEnv.ts names them in its notice.
    for (const protocol of PROTOCOLS) {
      const names = Object.keys(terminalEnvironment(ctx, new Set([protocol]))).filter((name) => name.endsWith('_BASE_URL'));
      assert.ok(names.length > 0, `${protocol} has a base-URL variable`);
      for (const name of names) assert.ok(welcome.contents.includes(name), `the welcome text names ${name} (${protocol})`);
    }
    // The agents with a file or a VS Code setting Connect Agents writes, and no other.
    const connect = /\[Connect Agents\]\(command:keybridge\.connectAgents\)([^;]*)/.exec(welcome.contents)?.[1] ?? '';
    for (const spec of AGENT_SPECS) {
      const written = spec.files.length > 0 || spec.settings.length > 0;
      assert.equal(
        new RegExp(`\\b${spec.title}\\b`).test(connect),
        written,
        `${spec.title} ${written ? 'is' : 'is not'} among the agents Connect Agents writes for: ${connect}`,
      );
    }
    // Every variable a terminal can get, in the setting that turns them off.
    const setting = manifest.contributes.configuration.properties['keybridge.terminalEnv'].markdownDescription ?? '';
    for (const name of Object.keys(agentEnvironment(ctx))) assert.ok(setting.includes(`\`${name}\``), `keybridge.terminalEnv names ${name}`);
  });

  it('targets an engine at least as new as @types/vscode, with activation events', () => {
    const types = JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'vscode', 'package.json'), 'utf8')) as { version: string };
    assert.ok(
      compare(version(manifest.engines.vscode), version(types.version)) >= 0,
      `engines.vscode ${manifest.engines.vscode} is older than @types/vscode ${types.version}`,
    );
    assert.ok(Array.isArray(manifest.activationEvents) && manifest.activationEvents.length > 0, 'activationEvents present');
    assert.ok(manifest.activationEvents.includes('onStartupFinished'));
    assert.deepEqual(manifest.extensionKind, ['workspace'], 'the proxy runs where the workspace (and the agents) run');
    assert.equal(manifest.main, './dist/extension.js');
  });

  it('declares the language model vendor the code registers, named KeyBridge', () => {
    // registerLanguageModelChatProvider throws for a vendor the manifest does not declare.
    assert.deepEqual(manifest.contributes.languageModelChatProviders, [{ vendor: LANGUAGE_MODEL_VENDOR, displayName: 'KeyBridge' }]);
    assert.ok(compare(version(manifest.engines.vscode), [1, 104, 0]) >= 0, 'the Language Model Chat Provider API is stable from VS Code 1.104');
  });

  it('points at icon files that exist; command icons are codicons', () => {
    const files = [
      manifest.icon,
      ...manifest.contributes.viewsContainers.activitybar.map((c) => c.icon),
      ...Object.values(manifest.contributes.views)
        .flat()
        .map((v) => v.icon),
    ];
    for (const file of files) {
      assert.ok(file, 'an icon is set');
      assert.ok(existsSync(join(root, file)), `${file} exists`);
    }
    assert.match(manifest.icon ?? '', /\.png$/, 'the marketplace icon must be a PNG');
    const png = readFileSync(join(root, manifest.icon as string));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'the icon is at least 128×128');
    for (const c of manifest.contributes.commands) {
      if (typeof c.icon === 'string') assert.match(c.icon, /^\$\([a-z-]+\)$/, `${c.command} icon`);
    }
  });

  it('documents every setting; the port is machine-scoped with an uncommon default', () => {
    const props = manifest.contributes.configuration.properties;
    for (const [name, prop] of Object.entries(props)) {
      assert.match(name, /^keybridge\.[a-z][A-Za-z]+$/);
      assert.ok(prop.description || prop.markdownDescription, `${name} is documented`);
    }
    const port = props['keybridge.port'];
    assert.equal(port.scope, 'machine');
    assert.equal(port.default, DEFAULT_PORT);
    assert.ok(![3000, 3456, 4000, 4141, 8080, 8787].includes(DEFAULT_PORT));
    for (const name of ['keybridge.pools', 'keybridge.routes', 'keybridge.defaults', 'keybridge.tuning'])
      assert.equal(props[name].scope, 'machine', `${name} is the same in every window`);
    assert.ok(props['keybridge.terminalEnv'], 'terminal environment can be turned off');
    assert.ok(!JSON.stringify(props['keybridge.pools']).includes('"secret"'), 'no place for a secret in settings');
  });
});
