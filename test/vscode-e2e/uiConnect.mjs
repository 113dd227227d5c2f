// Connect Agents in a real VS Code (code-server, temporary HOME): the packaged VSIX beside a stand-in for the
// Claude Code extension (a generated extension with the id anthropic.claude-code that declares
// `claudeCode.environmentVariables` and `claudeCode.disableLoginPrompt`, so VS Code lets KeyBridge write them). The user's own files are
// there before: ~/.claude/settings.json, ~/.codex/config.toml with a block of another tool's, Continue's
// ~/.continue/config.yaml with a model of the user's, and an opencode.json that is not valid JSON.
//
//   welcome view link "Connect Agents" → multi-select quick pick (Claude Code file and User setting
//   preselected: the extension is installed; Codex, Continue, Qwen Code and opencode ticked by hand) →
//   preview document and modal
//   (opencode: left untouched) → Connect → "Make Default" for Codex → the tree's Agents section shows Claude
//   Code and Codex connected (screenshot) → the files (0600) and the User settings on disk hold exactly our lines →
//   Disconnect Agents from the palette → every file and settings.json byte for byte as before (the section goes,
//   the welcome view is back); the malformed file never touched.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { groupAlive, openActivityBarView, openWorkbench, startCodeServer } from './codeServer.mjs';
import { layerSteps, paletteCommand, rowDescription, STEP_TIMEOUT_MS, treeRow, treeRowsText } from './uiSmoke.mjs';

const USER_TOML = [
  '# my own Codex settings',
  'model = "gpt-5"',
  '# >>> my-notifier (managed by another tool) >>>',
  'notify = ["notify-send", "Codex"]',
  '# <<< my-notifier <<<',
  '',
  '[mcp_servers.docs]',
  'command = "docs-mcp"',
  '',
].join('\n');
const USER_CLAUDE = '{\n  "env": {\n    "DISABLE_TELEMETRY": "1"\n  }\n}'; // no final newline
const MALFORMED_OPENCODE = '{ "provider": { "mine": {}, } }\n';
const USER_YAML = 'name: My Config\nversion: 1.0.0\nschema: v1\nmodels:\n  # my local model\n  - name: Local Llama\n    provider: ollama\n    model: llama3\n';

/** A stand-in for Claude Code's extension: only its id and the setting KeyBridge writes. */
function claudeStandIn(dir, repoRoot) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'claude-code',
        displayName: 'Claude Code (KeyBridge e2e stand-in)',
        description: 'Declares claudeCode.environmentVariables and claudeCode.disableLoginPrompt for test/vscode-e2e/uiConnect.mjs',
        version: '0.0.1',
        publisher: 'anthropic',
        license: 'MIT',
        repository: { type: 'git', url: 'https://example.invalid/claude-code-stand-in.git' },
        engines: { vscode: '^1.90.0' },
        contributes: {
          configuration: {
            title: 'Claude Code',
            properties: {
              'claudeCode.environmentVariables': { type: 'array', items: { type: 'object' }, default: [], description: 'Environment variables for Claude.' },
              'claudeCode.disableLoginPrompt': { type: 'boolean', default: false, description: 'Skip the login screen.' },
            },
          },
        },
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'MIT\n');
  fs.writeFileSync(path.join(dir, 'README.md'), '# stand-in\n');
  const req = createRequire(path.join(repoRoot, 'package.json'));
  const vsce = path.join(path.dirname(req.resolve('@vscode/vsce/package.json')), 'vsce');
  const out = path.join(dir, 'claude-code-stand-in.vsix');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', out], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  if (r.status !== 0) throw new Error(`vsce package of the stand-in failed: ${r.stdout}\n${r.stderr}`);
  return out;
}

export async function runUiConnect({ browser, vsix, port, artifacts, repoRoot, check }) {
  const { ok, shot } = layerSteps({ layer: 'connect', prefix: 'ui-connect', check, artifacts, repoRoot });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-e2e-standin-'));
  const standIn = claudeStandIn(scratch, repoRoot);
  // `extensions.autoUpdate: false` (the harness default) is migrated to "off" by VS Code the first time it
  // writes the User settings for any reason; start from the migrated form so the byte comparison sees only ours.
  const server = await startCodeServer({
    machineSettings: { 'keybridge.port': port },
    settings: { 'workbench.hover.delay': 300, 'extensions.autoUpdate': 'off' },
  });
  let page;
  try {
    const home = server.home;
    const files = {
      claude: path.join(home, '.claude', 'settings.json'),
      codex: path.join(home, '.codex', 'config.toml'),
      profile: path.join(home, '.codex', 'keybridge.config.toml'),
      opencode: path.join(server.config, 'opencode', 'opencode.json'),
      continue: path.join(home, '.continue', 'config.yaml'),
      qwen: path.join(home, '.qwen', 'settings.json'),
      userSettings: path.join(server.userDataDir, 'User', 'settings.json'),
    };
    for (const [file, text] of [
      [files.claude, USER_CLAUDE],
      [files.codex, USER_TOML],
      [files.continue, USER_YAML],
      [files.opencode, MALFORMED_OPENCODE],
    ]) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    const userSettingsBefore = fs.readFileSync(files.userSettings, 'utf8');
    await server.installVsix(vsix);
    await server.installVsix(standIn);
    ok(
      'KeyBridge and a stand-in for the Claude Code extension install; the user’s own agent files are in the temporary HOME',
      true,
      `HOME ${home}; ~/.claude/settings.json, ~/.codex/config.toml (with another tool's block), ~/.continue/config.yaml, ${path.relative(server.root, files.opencode)} (not valid JSON)`,
    );

    const opened = await openWorkbench(server, browser);
    page = opened.page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await openActivityBarView(page, 'KeyBridge');
    const link = page.locator('.part.sidebar .welcome-view-content a', { hasText: 'Connect Agents' });
    await link.waitFor({ timeout: STEP_TIMEOUT_MS });
    // The local token comes from the secret storage just after the view shows; Connect needs it.
    await page
      .locator('.part.statusbar .statusbar-item', { hasText: String(port) })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await link.click();

    // ---- the quick pick: several rows, those of detected agents ticked
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: 'Connect Agents' }).waitFor({ state: 'visible' });
    const rowOf = (text) => widget.locator('.monaco-list-row', { hasText: text }).first();
    const checked = async (text) => (await rowOf(text).getAttribute('aria-checked')) === 'true';
    const offered = (await widget.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const pre = {
      claudeFile: await checked('Claude Code: ~/.claude/settings.json'),
      claudeUser: await checked('Claude Code extension: User settings'),
      codex: await checked('Codex: ~/.codex/config.toml'),
    };
    await rowOf('Codex: ~/.codex/config.toml').locator('.label-name').first().click();
    await rowOf('opencode:').locator('.label-name').first().click();
    await rowOf('Continue: ~/.continue/config.yaml').locator('.label-name').first().click();
    await rowOf('Qwen Code: ~/.qwen/settings.json').locator('.label-name').first().click();
    await shot(page, 'pick');
    const gemini = offered.some((o) => o.startsWith('Gemini CLI: ~/.gemini/.env and settings.json'));
    ok(
      'Connect Agents (welcome view link) offers the agents (Gemini CLI among them), the detected Claude Code extension ticked, Codex not detected and not ticked',
      pre.claudeFile && pre.claudeUser && !pre.codex && offered.length >= 6 && gemini,
      `rows: ${offered.map((o) => `"${o.slice(0, 90)}"`).join(' | ')}; ticked before: ${JSON.stringify(pre)}`,
    );
    await widget.locator('.quick-input-box input').press('Enter');

    // ---- preview and the modal
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: STEP_TIMEOUT_MS });
    const tab = await page.locator('.tabs-container .tab', { hasText: 'Connect Agents' }).count();
    const editorText = await page
      .locator('.editor-instance .view-lines')
      .first()
      .innerText()
      .catch(() => '');
    const question = (await dialog.innerText()).replace(/\s+/g, ' ').trim();
    await shot(page, 'preview-modal');
    ok(
      'a preview document lists the exact lines (token masked) and a modal asks before anything is written; the malformed opencode.json is named as left untouched',
      tab === 1 &&
        /Connect these 6 agent settings to KeyBridge\?/.test(question) &&
        /opencode\.json.*left untouched/.test(question) &&
        fs.readFileSync(files.codex, 'utf8') === USER_TOML,
      `tab "Connect Agents.md": ${tab}; editor starts "${editorText.replace(/\s+/g, ' ').slice(0, 120)}"; dialog: "${question.slice(0, 400)}"`,
    );
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    const second = page.locator('.monaco-dialog-box', { hasText: 'default provider of Codex' });
    await second.waitFor({ timeout: STEP_TIMEOUT_MS });
    await second.getByRole('button', { name: 'Make Default', exact: true }).click();

    // ---- the tree shows them connected; the files hold our lines
    const claudeRow = treeRow(page, 'Claude Code');
    const codexRow = treeRow(page, 'Codex');
    await claudeRow.filter({ hasText: /connected · / }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await codexRow.filter({ hasText: /connected · / }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await treeRow(page, 'Continue')
      .filter({ hasText: /connected · / })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await treeRow(page, 'Qwen Code')
      .filter({ hasText: /connected · / })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.mouse.move(900, 500);
    // The preview was there to read before answering: once connected, its tab is closed.
    const previewTabs = await page.locator('.tabs-container .tab', { hasText: 'Connect Agents' }).count();
    ok('the preview tab closes once the questions are answered', previewTabs === 0, `tabs named "Connect Agents": ${previewTabs}`);
    await shot(page, 'connected');
    const claude = JSON.parse(fs.readFileSync(files.claude, 'utf8'));
    const toml = fs.readFileSync(files.codex, 'utf8');
    const userSettings = JSON.parse(fs.readFileSync(files.userSettings, 'utf8'));
    const envSetting = userSettings['claudeCode.environmentVariables'] ?? [];
    const anthropic = `http://127.0.0.1:${port}/anthropic`;
    const lines = toml.split('\n');
    const defaultAt = lines.indexOf('# >>> keybridge default provider (managed; Disconnect removes this) >>>');
    const claudeOk = claude.env.DISABLE_TELEMETRY === '1' && claude.env.ANTHROPIC_BASE_URL === anthropic && /^kb-/.test(claude.env.ANTHROPIC_AUTH_TOKEN);
    const tomlOk =
      toml.includes(USER_TOML.slice(0, USER_TOML.indexOf('[mcp_servers.docs]'))) &&
      defaultAt > 0 &&
      defaultAt < lines.indexOf('[mcp_servers.docs]') &&
      lines[defaultAt + 1] === 'model_provider = "keybridge"' &&
      toml.includes(
        `[model_providers.keybridge]\nname = "KeyBridge"\nbase_url = "http://127.0.0.1:${port}/openai/v1"\nwire_api = "responses"\nexperimental_bearer_token = "kb-`,
      );
    const yaml = fs.readFileSync(files.continue, 'utf8');
    const yamlOk =
      yaml.startsWith(
        'name: My Config\nversion: 1.0.0\nschema: v1\nmodels:\n# >>> keybridge (managed; Disconnect removes this) >>>\n  - name: "KeyBridge (OpenAI)"\n',
      ) &&
      yaml.includes(`    apiBase: "http://127.0.0.1:${port}/anthropic/v1/"\n`) &&
      yaml.endsWith('# <<< keybridge <<<\n  # my local model\n  - name: Local Llama\n    provider: ollama\n    model: llama3\n');
    const qwen = JSON.parse(fs.readFileSync(files.qwen, 'utf8'));
    const qwenOk =
      qwen.env.OPENAI_BASE_URL === `http://127.0.0.1:${port}/openai/v1` && /^kb-/.test(qwen.env.OPENAI_API_KEY) && qwen.env.OPENAI_MODEL === 'gpt-4.1';
    // The user's own files were written 0644 above; holding the token, they must end private.
    const modes = Object.fromEntries(['claude', 'codex', 'profile', 'continue', 'qwen'].map((k) => [k, (fs.statSync(files[k]).mode & 0o777).toString(8)]));
    const privateOk = Object.values(modes).every((m) => m === '600');
    const settingOk =
      envSetting.some((e) => e.name === 'ANTHROPIC_BASE_URL' && e.value === anthropic) &&
      envSetting.some((e) => e.name === 'ANTHROPIC_AUTH_TOKEN' && /^kb-/.test(e.value)) &&
      userSettings['claudeCode.disableLoginPrompt'] === true;
    ok(
      'the Agents section shows Claude Code, Codex, Continue and Qwen Code connected; settings.json env, config.toml (provider at the end, default before the first table, the other tool’s block kept), the profile file, config.yaml (our two models ahead of the user’s), ~/.qwen/settings.json and claudeCode.environmentVariables (with claudeCode.disableLoginPrompt: true) in User settings hold our lines, every agent file 0600; opencode.json untouched',
      claudeOk &&
        tomlOk &&
        settingOk &&
        yamlOk &&
        qwenOk &&
        privateOk &&
        fs.existsSync(files.profile) &&
        fs.readFileSync(files.opencode, 'utf8') === MALFORMED_OPENCODE,
      `rows: ${await treeRowsText(page)}; modes ${JSON.stringify(modes)} (VS Code's User settings.json ${(fs.statSync(files.userSettings).mode & 0o777).toString(8)}); config.yaml as expected: ${yamlOk}; ~/.qwen/settings.json env: ${qwenOk}; Claude Code: "${await rowDescription(claudeRow)}"; settings.json env keys ${Object.keys(claude.env).join(', ')}; User settings claudeCode.environmentVariables names ${envSetting.map((e) => e.name).join(', ')}, claudeCode.disableLoginPrompt ${userSettings['claudeCode.disableLoginPrompt']}; config.toml default block at line ${defaultAt + 1}`,
    );

    // ---- Disconnect: everything back byte for byte
    await paletteCommand(page, 'KeyBridge: Disconnect Agents…');
    await widget.locator('.quick-input-title', { hasText: 'Disconnect Agents' }).waitFor({ state: 'visible' });
    // One row per file or setting: config.toml holds two of our blocks, and is listed once.
    const disconnectRows = await widget.locator('.monaco-list-row').evaluateAll((els) => els.map((el) => el.innerText.replace(/\s+/g, ' ').trim()));
    const tomlRows = disconnectRows.filter((r) => r.includes('.codex/config.toml')).length;
    ok(
      'Disconnect Agents lists each file once (config.toml once, though it holds two blocks)',
      tomlRows === 1 && new Set(disconnectRows).size === disconnectRows.length,
      `rows: ${disconnectRows.map((r) => `"${r}"`).join(' ')}`,
    );
    await widget.locator('.quick-input-box input').press('Enter');
    const confirm = page.locator('.monaco-dialog-box');
    await confirm.waitFor({ timeout: STEP_TIMEOUT_MS });
    const confirmText = (await confirm.innerText()).replace(/\s+/g, ' ').trim();
    await confirm.getByRole('button', { name: 'Disconnect', exact: true }).click();
    // Nothing connected and no pool: the Agents section goes and the welcome view comes back.
    await claudeRow.waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
    await link.waitFor({ timeout: STEP_TIMEOUT_MS });
    // VS Code writes settings.json on its own schedule after update() resolves.
    for (const until = Date.now() + 5_000; fs.readFileSync(files.userSettings, 'utf8') !== userSettingsBefore && Date.now() < until;)
      await page.waitForTimeout(200);
    await page.mouse.move(900, 500);
    await shot(page, 'disconnected');
    const same = {
      'settings.json': fs.readFileSync(files.claude, 'utf8') === USER_CLAUDE,
      'config.toml': fs.readFileSync(files.codex, 'utf8') === USER_TOML,
      'keybridge.config.toml gone': !fs.existsSync(files.profile),
      'config.yaml': fs.readFileSync(files.continue, 'utf8') === USER_YAML,
      '~/.qwen gone': !fs.existsSync(path.dirname(files.qwen)),
      'User settings.json': fs.readFileSync(files.userSettings, 'utf8') === userSettingsBefore,
      'opencode.json untouched': fs.readFileSync(files.opencode, 'utf8') === MALFORMED_OPENCODE,
    };
    if (!same['User settings.json'])
      fs.writeFileSync(
        path.join(artifacts, 'ui-connect-user-settings.txt'),
        `before:\n${userSettingsBefore}\n---- after Disconnect:\n${fs.readFileSync(files.userSettings, 'utf8')}`,
      );
    ok(
      'Disconnect Agents (palette, confirmed in the modal) restores ~/.claude/settings.json, ~/.codex/config.toml, ~/.continue/config.yaml and the User settings byte for byte and removes the profile file and the ~/.qwen folder it created',
      Object.values(same).every(Boolean),
      `dialog: "${confirmText.slice(0, 300)}"; ${Object.entries(same)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}; the welcome view is back`,
    );
  } catch (error) {
    ok(`connect step failed: ${error.message.split('\n').slice(0, 3).join(' ')}`, false);
    if (page) await shot(page, 'failure').catch(() => {});
  } finally {
    if (page) await page.close().catch(() => {});
    fs.copyFileSync(server.logFile, path.join(artifacts, 'ui-connect-code-server.log'));
    const stopped = Date.now();
    const gone = await server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
    ok('code-server and its extension host ended', gone && !groupAlive(server.pid), `process group ${server.pid} gone in ${Date.now() - stopped} ms`);
  }
}
