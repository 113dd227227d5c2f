// Guards the Connect Agents glue: nothing is written before the modal is confirmed, the preview lists the
// exact lines with the token masked, Codex's default provider needs its own second yes, Disconnect puts
// every file and the Claude Code setting back byte for byte, a file that does not parse is left untouched,
// the tree tells connected / drifted / not connected apart, a port change rewrites only our part, Workspace
// settings (often committed) are warned about first, and a tightened file mode is said.
import './vscodeHook';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fake, type QuickPickItemLike } from './fakeVscode';
import { AgentConnections, type EnvSettingAccess, type SettingScope } from '../../src/vscode/agents/agentConnections';
import { AgentRows, agentTreeItem } from '../../src/vscode/agents/agentTree';
import { ConnectCommands } from '../../src/vscode/agents/connectCommands';
import { CLAUDE_ENV_SETTING } from '../../src/core/agents/envVarSetting';
import { at, parseJson, strAt } from '../helpers/json';
import { must } from '../helpers/must';

const TOKEN = 'kb-glue-token-0123456789';

/** A scope's settings as VS Code would keep them: `values` is claudeCode.environmentVariables, `others` the rest. */
class MemorySettings implements EnvSettingAccess {
  values: Partial<Record<SettingScope, unknown>> = {};
  others: Partial<Record<SettingScope, Record<string, unknown>>> = {};
  installed = true;
  /** Settings VS Code would refuse to write: no installed extension declares them. */
  undeclared = new Set<string>();
  registered(): boolean {
    return this.installed;
  }
  hasWorkspace(): boolean {
    return true;
  }
  read(scope: SettingScope, setting: string): unknown {
    return setting === CLAUDE_ENV_SETTING ? this.values[scope] : this.others[scope]?.[setting];
  }
  async write(scope: SettingScope, setting: string, value: unknown): Promise<void> {
    if (this.undeclared.has(setting)) throw new Error(`Unable to write to User Settings because ${setting} is not a registered configuration.`);
    // Writing undefined removes the setting.
    if (setting === CLAUDE_ENV_SETTING) {
      this.values[scope] = value;
      return;
    }
    // A setting written again keeps its place in the file.
    const others = Object.fromEntries(Object.entries(this.others[scope] ?? {}).filter(([name]) => value !== undefined || name !== setting));
    if (value !== undefined) others[setting] = value;
    this.others[scope] = others;
  }
  /** The scope as settings.json would hold it, for byte-for-byte comparisons. */
  text(scope: SettingScope): string {
    return JSON.stringify({ ...(this.values[scope] === undefined ? {} : { [CLAUDE_ENV_SETTING]: this.values[scope] }), ...this.others[scope] });
  }
}

class MemoryStore {
  readonly values = new Map<string, unknown>();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- vscode.Memento's own signature
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}

class MemorySecrets {
  readonly values = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }
}

/** Picks the quick-pick rows whose label starts with one of `labels` (a multi-select answer). */
function pickMany(...labels: string[]) {
  return (items: QuickPickItemLike[]) => items.filter((i) => labels.some((l) => i.label.startsWith(l))) as unknown as QuickPickItemLike;
}

describe('Connect Agents (VS Code glue)', () => {
  let home: string;
  let settings: MemorySettings;
  let state: MemoryStore;
  let secrets: MemorySecrets;
  let connections: AgentConnections;
  let commands: ConnectCommands;
  let port: number;
  let previews: string[];
  /** How many previews are open: Connect opens one and closes it once answered. */
  let openPreviews: number;
  /** Every line the extension logged. */
  let logs: string[];

  const urls = () => ({
    openai: `http://127.0.0.1:${port}/openai/v1`,
    anthropic: `http://127.0.0.1:${port}/anthropic`,
    gemini: `http://127.0.0.1:${port}/gemini`,
  });
  const ctx = () => ({ baseUrls: urls(), token: TOKEN, home, env: {} });
  const rows = () => new AgentRows(connections, (id) => fake.extensions.has(id), { PATH: '' }).build(ctx(), true).agents.map((a) => agentTreeItem(a));
  const row = (title: string) => must(rows().find((r) => r.label === title));

  beforeEach(() => {
    fake.reset();
    home = mkdtempSync(join(tmpdir(), 'cn-glue-home-'));
    settings = new MemorySettings();
    state = new MemoryStore();
    secrets = new MemorySecrets();
    port = 17381;
    previews = [];
    openPreviews = 0;
    logs = [];
    const log = (message: string) => void logs.push(message);
    const logger = { info: log, warn: log, error: log, debug: log };
    connections = new AgentConnections({ state, secrets, settings, home, env: {}, logger });
    commands = new ConnectCommands({
      connections,
      baseUrls: urls,
      token: () => TOKEN,
      home,
      env: { PATH: '' },
      hasExtension: (id) => fake.extensions.has(id),
      settingRegistered: () => settings.registered(),
      hasWorkspace: () => true,
      showPreview: async (markdown) => {
        previews.push(markdown);
        openPreviews++;
      },
      closePreview: async () => {
        openPreviews = 0;
      },
    });
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('writes nothing until the modal is confirmed, and shows the exact lines with the token masked', async () => {
    fake.pickAnswers.push(pickMany('Claude Code: ~/.claude', 'Codex'));
    fake.messageAnswers.push(undefined); // the modal: Cancel
    assert.equal(await commands.connectAgents(), undefined);
    assert.ok(!existsSync(join(home, '.claude')) && !existsSync(join(home, '.codex')), 'nothing written');
    const preview = must(previews[0]);
    assert.match(preview, /## ~\/\.claude\/settings\.json/);
    assert.match(preview, /"ANTHROPIC_BASE_URL": "http:\/\/127\.0\.0\.1:17381\/anthropic"/);
    assert.match(
      preview,
      /## ~\/\.codex\/config\.toml\n\n```\n\[model_providers\.keybridge\]\nname = "KeyBridge"\nbase_url = "http:\/\/127\.0\.0\.1:17381\/openai\/v1"\nwire_api = "responses"\nexperimental_bearer_token = "kb-…6789"\n```/,
    );
    assert.match(preview, /## ~\/\.codex\/keybridge\.config\.toml\n\n```\nmodel_provider = "keybridge"\n```/);
    assert.ok(!preview.includes(TOKEN), 'the preview never shows the token itself');
    const modal = must(fake.messages.find((m) => m.modal));
    assert.match(modal.text, /Connect these 3 agent settings to KeyBridge\?/);
    assert.equal(openPreviews, 0, 'the preview is closed once the question is answered, here with Cancel');
  });

  it('connects Claude Code and Codex (default provider on the second yes), and Disconnect restores every file byte for byte', async () => {
    mkdirSync(join(home, '.codex'));
    const userToml = 'model = "gpt-5"\r\n\r\n[mcp_servers.docs]\r\ncommand = "docs-mcp"'; // CRLF, no final newline
    writeFileSync(join(home, '.codex', 'config.toml'), userToml);
    fake.pickAnswers.push(pickMany('Claude Code: ~/.claude', 'Codex'));
    fake.messageAnswers.push('Connect', 'Make Default');
    const done = await commands.connectAgents();
    assert.deepEqual(done, ['claude-settings', 'codex-provider', 'codex-profile', 'codex-default']);
    const claude = parseJson(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
    assert.deepEqual(claude, { env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:17381/anthropic', ANTHROPIC_AUTH_TOKEN: TOKEN } });
    const toml = readFileSync(join(home, '.codex', 'config.toml'), 'utf8');
    assert.ok(
      toml.startsWith('model = "gpt-5"\r\n\r\n# >>> keybridge default provider (managed; Disconnect removes this) >>>\r\nmodel_provider = "keybridge"\r\n'),
      toml,
    );
    assert.match(
      toml,
      /\[mcp_servers\.docs\]\r\ncommand = "docs-mcp"\r\n\r\n# >>> keybridge \(managed; Disconnect removes this\) >>>\r\n\[model_providers\.keybridge\]/,
    );
    assert.equal(
      readFileSync(join(home, '.codex', 'keybridge.config.toml'), 'utf8'),
      '# >>> keybridge (managed; Disconnect removes this) >>>\nmodel_provider = "keybridge"\n# <<< keybridge <<<\n',
    );
    assert.ok(!JSON.stringify([...state.values.values()]).includes(TOKEN), 'globalState holds no token');
    assert.match(row('Claude Code').description as string, /^connected · ~\/\.claude\/settings\.json$/);
    assert.equal(row('Codex').contextValue, 'agent.connected');
    assert.equal(row('opencode').contextValue, 'agent.notConnected');

    assert.equal(openPreviews, 0, 'the preview is closed once connected');
    const connected = fake.messages.at(-1)?.text ?? '';
    assert.equal(connected.split('Codex (~/.codex/config.toml)').length, 2, `config.toml named once: ${connected}`);

    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents({ kind: 'agent', agent: 'codex' });
    const asked = fake.messages.find((m) => m.modal && m.text.startsWith('Disconnect'));
    assert.equal(asked?.text, 'Disconnect 2 agent settings from KeyBridge?', 'two files: config.toml (two blocks) and keybridge.config.toml');
    const disconnected = fake.messages.at(-1)?.text ?? '';
    assert.equal(disconnected.split('~/.codex/config.toml').length, 2, `config.toml named once: ${disconnected}`);
    assert.equal(readFileSync(join(home, '.codex', 'config.toml'), 'utf8'), userToml);
    assert.ok(!existsSync(join(home, '.codex', 'keybridge.config.toml')));
    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('claude-code');
    assert.ok(!existsSync(join(home, '.claude')), 'the file and folder KeyBridge created are gone');
    assert.equal(row('Claude Code').contextValue, 'agent.notConnected');
  });

  it('sets claudeCode.environmentVariables beside the user’s entries and restores their own value on Disconnect', async () => {
    fake.extensions.add('anthropic.claude-code');
    settings.values.user = [
      { name: 'ANTHROPIC_AUTH_TOKEN', value: 'users-own-gateway-token' },
      { name: 'FOO', value: '1' },
    ];
    fake.pickAnswers.push(pickMany('Claude Code extension: User'));
    fake.messageAnswers.push('Connect');
    await commands.connectAgents('claude-code');
    assert.deepEqual(settings.values.user, [
      { name: 'ANTHROPIC_AUTH_TOKEN', value: TOKEN },
      { name: 'FOO', value: '1' },
      { name: 'ANTHROPIC_BASE_URL', value: 'http://127.0.0.1:17381/anthropic' },
    ]);
    assert.ok(!JSON.stringify([...state.values.values()]).includes('users-own-gateway-token'), 'the user’s own key is not in globalState');
    assert.ok(
      [...secrets.values.values()].some((v) => v.includes('users-own-gateway-token')),
      'it is kept in the secret storage',
    );
    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('claude-code');
    assert.deepEqual(settings.values.user, [
      { name: 'ANTHROPIC_AUTH_TOKEN', value: 'users-own-gateway-token' },
      { name: 'FOO', value: '1' },
    ]);
    assert.equal(secrets.values.size, 0);
  });

  it('sets claudeCode.disableLoginPrompt beside the variables and Disconnect restores the scope byte for byte: unset, or the user’s own false', async () => {
    fake.extensions.add('anthropic.claude-code');
    for (const before of [{}, { 'claudeCode.disableLoginPrompt': false, 'editor.tabSize': 2 }]) {
      settings.values.user = undefined;
      settings.others.user = { ...before };
      const original = settings.text('user');
      fake.pickAnswers.push(pickMany('Claude Code extension: User'));
      fake.messageAnswers.push('Connect');
      await commands.connectAgents('claude-code');
      assert.match(must(previews.at(-1)), /"claudeCode\.disableLoginPrompt": true\n```/, 'the preview shows the line');
      assert.equal(settings.read('user', 'claudeCode.disableLoginPrompt'), true);
      assert.equal((settings.values.user as unknown[]).length, 2);
      fake.messageAnswers.push('Disconnect');
      await commands.disconnectAgents('claude-code');
      assert.equal(settings.text('user'), original, `restored from ${JSON.stringify(before)}`);
    }
  });

  it('leaves a claudeCode.disableLoginPrompt the user changed since Connect as it is on Disconnect', async () => {
    fake.extensions.add('anthropic.claude-code');
    fake.pickAnswers.push(pickMany('Claude Code extension: User'));
    fake.messageAnswers.push('Connect');
    await commands.connectAgents('claude-code');
    await settings.write('user', 'claudeCode.disableLoginPrompt', false);
    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('claude-code');
    assert.equal(settings.text('user'), '{"claudeCode.disableLoginPrompt":false}', 'ours are gone, the user’s false stays');
  });

  it('connects the variables with a Claude Code that does not declare claudeCode.disableLoginPrompt, says so, and Disconnect restores the rest', async () => {
    fake.extensions.add('anthropic.claude-code');
    settings.undeclared.add('claudeCode.disableLoginPrompt');
    fake.pickAnswers.push(pickMany('Claude Code extension: User'));
    fake.messageAnswers.push('Connect');
    assert.deepEqual(await commands.connectAgents('claude-code'), ['claude-setting-user']);
    assert.equal((settings.values.user as unknown[]).length, 2, 'the variables are written');
    assert.match(fake.messages.at(-1)?.text ?? '', /claudeCode\.disableLoginPrompt was not set .*not a registered configuration/);
    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('claude-code');
    assert.equal(settings.text('user'), '{}');
  });

  it('warns before putting the token in Workspace settings: Skip writes only the rest, Write It There writes it', async () => {
    fake.extensions.add('anthropic.claude-code');
    fake.pickAnswers.push(pickMany('Claude Code extension: Workspace', 'opencode'));
    fake.messageAnswers.push('Skip', 'Connect');
    assert.deepEqual(await commands.connectAgents(), ['opencode']);
    assert.equal(settings.values.workspace, undefined, 'nothing in Workspace settings');
    assert.match(
      must(previews[0]),
      /## Workspace settings: "claudeCode\.environmentVariables"\n\n\*\*Warning:\*\* Workspace settings are stored in this folder’s \.vscode\/settings\.json .*often committed to a repository/,
    );
    const [warning, main] = fake.messages.filter((m) => m.modal);
    assert.equal(must(warning).level, 'warning');
    assert.equal(must(warning).text, 'Put the local token in Workspace settings: "claudeCode.environmentVariables"?');
    assert.deepEqual(must(warning).items, ['Write It There', 'Skip']);
    assert.equal(must(main).text, 'Connect this agent setting to KeyBridge?');

    fake.reset();
    fake.extensions.add('anthropic.claude-code');
    fake.pickAnswers.push(pickMany('Claude Code extension: Workspace'));
    fake.messageAnswers.push('Write It There', 'Connect');
    assert.deepEqual(await commands.connectAgents(), ['claude-setting-workspace']);
    assert.deepEqual(settings.values.workspace, [
      { name: 'ANTHROPIC_BASE_URL', value: 'http://127.0.0.1:17381/anthropic' },
      { name: 'ANTHROPIC_AUTH_TOKEN', value: TOKEN },
    ]);
  });

  it('writes nothing when the Workspace settings warning is dismissed', async () => {
    fake.extensions.add('anthropic.claude-code');
    fake.pickAnswers.push(pickMany('Claude Code extension: Workspace', 'opencode'));
    fake.messageAnswers.push(undefined);
    assert.equal(await commands.connectAgents(), undefined);
    assert.equal(settings.values.workspace, undefined);
    assert.ok(!existsSync(join(home, '.config')), 'opencode.json not written either');
  });

  it('says in the preview and afterwards that an existing file’s mode was tightened, and refuses a relative CODEX_HOME by name', async () => {
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude', 'settings.json'), '{}\n', { mode: 0o644 });
    chmodSync(join(home, '.claude', 'settings.json'), 0o644);
    fake.pickAnswers.push(pickMany('Claude Code: ~/.claude'));
    fake.messageAnswers.push('Connect');
    await commands.connectAgents();
    assert.match(must(previews[0]), /```\n\n- its mode goes from 0644 to 0600: it will hold the local token\n/);
    assert.equal(statSync(join(home, '.claude', 'settings.json')).mode & 0o777, 0o600);
    assert.ok(
      fake
        .messagesOf('info')
        .some((m) =>
          m.startsWith('KeyBridge connected Claude Code (~/.claude/settings.json). ~/.claude/settings.json: mode tightened from 0644 to 0600. Restart'),
        ),
      fake.messagesOf('info').join('\n'),
    );

    const relative = new AgentConnections({
      state,
      secrets,
      settings,
      home,
      env: { CODEX_HOME: 'codex' },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    });
    const plan = relative.plan('codex-provider', { ...ctx(), env: { CODEX_HOME: 'codex' } });
    assert.match(plan.refused ?? '', /^CODEX_HOME is "codex", a relative path/);
  });

  it('does not offer the Claude Code setting while the extension is not installed', async () => {
    settings.installed = false;
    fake.pickAnswers.push(undefined);
    await commands.connectAgents();
    const labels = must(fake.quickPicks[0]).items.map((i) => i.label);
    assert.ok(!labels.some((l) => l.startsWith('Claude Code extension')), labels.join(', '));
  });

  it('leaves a config.toml that does not parse untouched and says why', async () => {
    mkdirSync(join(home, '.codex'));
    writeFileSync(join(home, '.codex', 'config.toml'), 'model = "gpt-5\n');
    fake.pickAnswers.push(pickMany('Codex'));
    fake.messageAnswers.push('Connect', 'Profile Only');
    await commands.connectAgents();
    assert.equal(readFileSync(join(home, '.codex', 'config.toml'), 'utf8'), 'model = "gpt-5\n');
    assert.match(must(previews[0]), /Not written: .*config\.toml was left untouched: it does not read as TOML \(line 1: a string is not closed on its line\)/);
    const modal = must(fake.messages.find((m) => m.modal));
    assert.equal(modal.text, 'Connect this agent setting to KeyBridge?', 'only the profile file is offered');
  });

  it('shows drift when someone edits our block, and follows a port change by rewriting only our part', async () => {
    fake.pickAnswers.push(pickMany('Codex', 'opencode'));
    fake.messageAnswers.push('Connect', 'Profile Only');
    await commands.connectAgents();
    const path = join(home, '.codex', 'config.toml');
    port = 18555;
    await connections.follow(ctx());
    assert.match(readFileSync(path, 'utf8'), /base_url = "http:\/\/127\.0\.0\.1:18555\/openai\/v1"/);
    assert.equal(
      strAt(parseJson(readFileSync(join(home, '.config', 'opencode', 'opencode.json'), 'utf8')), 'provider', 'keybridge', 'options', 'baseURL'),
      'http://127.0.0.1:18555/openai/v1',
    );
    assert.equal(row('Codex').contextValue, 'agent.connected');
    writeFileSync(path, readFileSync(path, 'utf8').replace('wire_api = "responses"', 'wire_api = "chat"'));
    assert.equal(row('Codex').contextValue, 'agent.drifted');
    assert.match(row('Codex').description as string, /^drifted · ~\/\.codex\/config\.toml changed since Connect$/);
  });

  it('points Cline and Roo Code at the language-model route instead of writing for them', async () => {
    fake.extensions.add('saoudrizwan.claude-dev');
    fake.pickAnswers.push(pickMany('opencode'));
    fake.messageAnswers.push('Connect');
    await commands.connectAgents();
    assert.match(must(previews[0]), /\*\*Cline\*\* keeps its settings in its own storage: choose its "VS Code LM API" provider and a KeyBridge model/);
    assert.ok(fake.messagesOf('info').some((m) => /connected opencode .*Cline keeps its settings in its own storage/.test(m)));
  });

  it('connects Continue and Qwen Code in their own files, follows a port change, and Disconnect restores both byte for byte', async () => {
    fake.extensions.add('continue.continue');
    mkdirSync(join(home, '.continue'));
    // Continue's own first config, with its empty models list.
    const userYaml = 'name: Local Config\nversion: 1.0.0\nschema: v1\nmodels: []\ncontext:\n  - provider: code\n';
    writeFileSync(join(home, '.continue', 'config.yaml'), userYaml);
    mkdirSync(join(home, '.qwen'));
    const userQwen = '{\n  "$version": 3,\n  "ui": {\n    "theme": "Default"\n  }\n}\n';
    writeFileSync(join(home, '.qwen', 'settings.json'), userQwen);
    fake.pickAnswers.push(pickMany('Continue', 'Qwen Code'));
    fake.messageAnswers.push('Connect');
    assert.deepEqual(await commands.connectAgents(), ['continue-config', 'qwen-settings']);
    assert.match(
      must(previews[0]),
      /## ~\/\.continue\/config\.yaml\n\n```\nmodels:\n  - name: "KeyBridge \(OpenAI\)"\n    provider: openai\n    model: "gpt-4\.1"\n    apiBase: "http:\/\/127\.0\.0\.1:17381\/openai\/v1"\n    apiKey: "kb-…6789"\n/,
    );
    const yaml = readFileSync(join(home, '.continue', 'config.yaml'), 'utf8');
    assert.ok(yaml.startsWith('name: Local Config\nversion: 1.0.0\nschema: v1\n# >>> keybridge (managed; Disconnect removes this) >>>\nmodels:\n'), yaml);
    assert.ok(yaml.endsWith('# <<< keybridge <<<\ncontext:\n  - provider: code\n'), yaml);
    assert.deepEqual(at(parseJson(readFileSync(join(home, '.qwen', 'settings.json'), 'utf8')), 'env'), {
      OPENAI_BASE_URL: 'http://127.0.0.1:17381/openai/v1',
      OPENAI_API_KEY: TOKEN,
      OPENAI_MODEL: 'gpt-4.1',
    });
    assert.equal(row('Continue').contextValue, 'agent.connected');
    assert.equal(row('Qwen Code').contextValue, 'agent.connected');

    port = 18556;
    await connections.follow(ctx());
    assert.match(readFileSync(join(home, '.continue', 'config.yaml'), 'utf8'), /apiBase: "http:\/\/127\.0\.0\.1:18556\/anthropic\/v1\/"/);
    assert.equal(at(parseJson(readFileSync(join(home, '.qwen', 'settings.json'), 'utf8')), 'env', 'OPENAI_BASE_URL'), 'http://127.0.0.1:18556/openai/v1');
    assert.equal(row('Continue').contextValue, 'agent.connected');

    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('continue');
    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('qwen-code');
    assert.equal(readFileSync(join(home, '.continue', 'config.yaml'), 'utf8'), userYaml);
    assert.equal(readFileSync(join(home, '.qwen', 'settings.json'), 'utf8'), userQwen);
    assert.equal(row('Continue').contextValue, 'agent.notConnected');
  });

  it('connects Gemini CLI in ~/.gemini (.env and settings.json), shows both first, follows a port change, and Disconnect leaves no ~/.gemini behind', async () => {
    fake.pickAnswers.push(pickMany('Gemini CLI'));
    fake.messageAnswers.push('Connect');
    assert.deepEqual(await commands.connectAgents(), ['gemini-env', 'gemini-settings']);
    const preview = must(previews[0]);
    assert.match(preview, /## ~\/\.gemini\/\.env\n\n```\nGOOGLE_GEMINI_BASE_URL="http:\/\/127\.0\.0\.1:17381\/gemini"\nGEMINI_API_KEY="kb-…6789"\n```/);
    assert.match(preview, /## ~\/\.gemini\/settings\.json\n\n```\nin "security\.auth":\n  "selectedType": "gemini-api-key"\n```/);
    assert.ok(!preview.includes(TOKEN), 'the preview never shows the token itself');
    assert.equal(
      readFileSync(join(home, '.gemini', '.env'), 'utf8'),
      `# >>> keybridge (managed; Disconnect removes this) >>>\nGOOGLE_GEMINI_BASE_URL="http://127.0.0.1:17381/gemini"\nGEMINI_API_KEY="${TOKEN}"\n# <<< keybridge <<<\n`,
    );
    assert.deepEqual(JSON.parse(readFileSync(join(home, '.gemini', 'settings.json'), 'utf8')), { security: { auth: { selectedType: 'gemini-api-key' } } });
    assert.equal(row('Gemini CLI').contextValue, 'agent.connected');

    port = 18556;
    await connections.follow(ctx());
    assert.match(readFileSync(join(home, '.gemini', '.env'), 'utf8'), /^GOOGLE_GEMINI_BASE_URL="http:\/\/127\.0\.0\.1:18556\/gemini"$/m);
    assert.equal(row('Gemini CLI').contextValue, 'agent.connected');

    fake.messageAnswers.push('Disconnect');
    await commands.disconnectAgents('gemini-cli');
    assert.ok(!existsSync(join(home, '.gemini')), 'the files and the folder Connect created are gone');
    assert.equal(row('Gemini CLI').contextValue, 'agent.notConnected');
    const said = [...logs, ...fake.messagesOf('info')].join('\n');
    assert.ok(said.includes('.gemini'), 'the log names the files it wrote');
    assert.ok(!said.includes(TOKEN), 'the log never holds the local token');
  });
});
