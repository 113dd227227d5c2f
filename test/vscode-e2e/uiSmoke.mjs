// UI smoke test: the packaged VSIX in a fresh code-server, driven like a user in headless Chromium.
//
//   open the KeyBridge view (empty: welcome view) → Add Pool from the command palette (custom base URL =
//   the fake provider, id, first key, label) → Add Key(s) (second key) → Add Fallback to Route… (a new
//   route for Anthropic clients whose target is the OpenAI-compatible pool: the tree marks it translated)
//   → Remove from Route (context menu, the route's last target: confirmed in the modal) → traffic from a terminal through
//   the bridge while the fake provider rate-limits the first key → that row shows "cooling m:ss" and
//   counts down → Retire Key with the row's inline action → Remove Key from the row's context menu,
//   confirmed in the modal dialog → a new terminal echoes $ANTHROPIC_BASE_URL → Add Keys from File… with a .env
//   of three keys, one of which the fake provider refuses: a first quick pick lists them unticked (the pool is
//   a custom URL) and nothing reaches the provider until all are ticked; the second shows each key's test
//   result with the two valid ones checked, Enter saves those two, the tree shows them and not the third.
//
// Every step prints what it saw and saves a screenshot to test-results/vscode-e2e/ui-*.png.
// Traffic comes from a terminal (node with the variables the extension put there), as an agent would
// send it; the harness itself only talks to the fake provider.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { groupAlive, openActivityBarView, openWorkbench, startCodeServer } from './codeServer.mjs';

export const STEP_TIMEOUT_MS = 20_000;
/** A key row cooling: key-wide (`cooling 0:42`) or for one model, countdown first (`0:42 · cooling gpt-5`). */
export const COOLING_ROW = /cooling \d+:\d\d|\d+:\d\d · cooling/;

/** A script in the workspace that a user runs in the terminal: one chat request through the bridge. */
export const TRAFFIC_SCRIPT = `// Written by test/vscode-e2e/uiSmoke.mjs: one request through KeyBridge, as an agent in this terminal would send it.
const base = process.env.OPENAI_BASE_URL;
const res = await fetch(base + '/chat/completions', {
  method: 'POST',
  headers: { authorization: 'Bearer ' + process.env.OPENAI_API_KEY, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Say hello through KeyBridge.' }] }),
});
const body = await res.json();
const text = body.choices?.[0]?.message?.content ?? JSON.stringify(body.error);
console.log('KBE2E-TRAFFIC HTTP ' + res.status + ' from ' + base + ': ' + String(text).slice(0, 40));
`;

export async function runUiSmoke({ browser, vsix, port, artifacts, repoRoot, check }) {
  const require = createRequire(import.meta.url);
  const fakeModule = path.join(repoRoot, 'out', 'test', 'fakeProvider', 'fakeProvider.js');
  const { startFakeProvider } = require(fakeModule);
  const fake = await startFakeProvider();
  const run = Math.random().toString(16).slice(2, 10);
  const FIRST = `sk-kbui-${run}-first-key-1111`;
  const SECOND = `sk-kbui-${run}-second-key-2222`;
  const BULK_A = `sk-test-key-ui-${run}-bulk-a-5555`;
  const BULK_BAD = `sk-test-key-ui-${run}-bulk-b-6666`;
  const BULK_C = `sk-test-key-ui-${run}-bulk-c-7777`;
  const { ok, shot } = layerSteps({ layer: 'ui', prefix: 'ui', check, artifacts, repoRoot });

  const server = await startCodeServer({
    machineSettings: { 'keybridge.port': port },
    // The DOM renderer keeps terminal text readable from the page.
    settings: { 'terminal.integrated.gpuAcceleration': 'off', 'workbench.hover.delay': 300 },
  });
  let page;
  try {
    fs.writeFileSync(path.join(server.workspace, 'kb-traffic.mjs'), TRAFFIC_SCRIPT);
    const install = await server.installVsix(vsix);
    ok(
      'the packaged VSIX installs into code-server',
      fs.readdirSync(server.extensionsDir).some((d) => d.startsWith('keybridge.keybridge-')),
      `${path.basename(vsix)} installed in ${install.ms} ms; code-server ${server.url}, keybridge.port ${port}, fake provider ${fake.url}`,
    );

    const opened = await openWorkbench(server, browser);
    page = opened.page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const sidebar = page.locator('.part.sidebar');

    // ---- 1. the view, empty
    await openActivityBarView(page, 'KeyBridge');
    const welcome = sidebar.locator('.welcome-view-content', { hasText: 'No key pools yet' });
    await welcome.waitFor({ timeout: STEP_TIMEOUT_MS });
    // The window reads SecretStorage before it takes the port, so the view can show before the bridge serves.
    let status = await statusBarText(page);
    for (const until = Date.now() + STEP_TIMEOUT_MS; !status.includes(String(port)) && Date.now() < until; status = await statusBarText(page))
      await page.waitForTimeout(250);
    ok(
      'the KeyBridge view opens with its welcome view, the status bar shows the bridge',
      /KeyBridge :?\d*/.test(status) && status.includes(String(port)),
      `workbench in ${opened.loadMs} ms; view: "${(await welcome.innerText()).split('\n')[0].slice(0, 70)}…"; status bar: "${status}"`,
    );
    await shot(page, 'view-empty');

    // ---- 2. Add Pool through the palette and its inputs, with the first key
    const asked = [];
    await paletteCommand(page, 'KeyBridge: Add Pool');
    asked.push(await answerQuickInput(page, { title: 'provider', pick: 'Custom base URL' }));
    asked.push(await answerQuickInput(page, { title: 'base URL', text: fake.openaiBaseUrl }));
    asked.push(await answerQuickInput(page, { title: 'protocol', pick: 'OpenAI-compatible' }));
    asked.push(await answerQuickInput(page, { title: 'pool id', text: 'fake' }));
    asked.push(await answerQuickInput(page, { title: 'Add Keys to', text: FIRST, password: true }));
    asked.push(await answerQuickInput(page, { title: 'key label', text: 'first' }));
    const firstRow = treeRow(page, 'first');
    await firstRow.waitFor({ timeout: STEP_TIMEOUT_MS });
    ok(
      'Add Pool asks provider, base URL, protocol, id, key and label, and the tree shows the pool and key',
      true,
      `${asked.map((a) => `"${a}"`).join(' → ')}; rows: ${await treeRowsText(page)}`,
    );

    // ---- 3. a second key through Add Key(s): tested at the fake provider before the label is asked
    const pasteTestsBefore = fake.ledger.length;
    await paletteCommand(page, 'KeyBridge: Add Key(s)');
    const keyPrompt = await answerQuickInput(page, { title: 'Add Keys to', text: SECOND, password: true });
    await answerQuickInput(page, { title: 'key label', text: 'second' });
    const secondRow = treeRow(page, 'second');
    await secondRow.waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.waitForFunction(
      () => [...document.querySelectorAll('.part.sidebar .monaco-list-row')].filter((r) => /sk-…\d{4}/.test(r.innerText)).length === 2,
      null,
      { timeout: STEP_TIMEOUT_MS },
    );
    const rowsReady = await treeRowsText(page);
    const pasteTests = fake.ledger.slice(pasteTestsBefore).map((e) => `${e.endpoint} ${e.key === SECOND ? 'second' : 'other'}`);
    ok(
      'Add Key(s) tests the pasted key (one request) and adds it; both rows show ready (masked key as description)',
      rowsReady.includes('[first — sk-…1111]') && rowsReady.includes('[second — sk-…2222]') && pasteTests.join(',') === 'models second',
      `"${keyPrompt}"; requests for the paste: ${pasteTests.join(', ')}; rows: ${rowsReady}; status bar: "${await statusBarText(page)}"`,
    );
    await shot(page, 'two-keys');

    // ---- 3b. a route for Anthropic clients to the OpenAI-compatible pool: a translated target
    await paletteCommand(page, 'KeyBridge: Add Fallback to Route…');
    const routeAsked = [];
    routeAsked.push(await answerQuickInput(page, { title: 'Add Fallback to Route — route', pick: 'New route…' }));
    routeAsked.push(await answerQuickInput(page, { title: 'New Route — clients', pick: 'Anthropic clients (Claude Code …)' }));
    routeAsked.push(await answerQuickInput(page, { title: 'New Route — model pattern', text: 'claude-*' }));
    await page.locator('.quick-input-widget .quick-input-title', { hasText: '— pool' }).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const poolChoices = (await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    routeAsked.push(await answerQuickInput(page, { title: '— pool', pick: 'fake' }));
    routeAsked.push(await answerQuickInput(page, { title: '— model', text: 'gpt-4.1-mini' }));
    const targetRow = treeRow(page, '1. fake → gpt-4.1-mini');
    await targetRow.waitFor({ timeout: STEP_TIMEOUT_MS });
    const targetDescription = await rowDescription(targetRow);
    const swapIcons = await targetRow.locator('.codicon-arrow-swap').count();
    const routeRows = await treeRowsText(page);
    ok(
      'Add Fallback to Route makes a route for Anthropic clients; the OpenAI-compatible pool is offered and shown as translated',
      poolChoices.some((c) => c.includes('translated (Anthropic → OpenAI Chat)')) &&
        targetDescription === 'translated: Anthropic → OpenAI Chat' &&
        swapIcons === 1 &&
        routeRows.includes('[anthropic claude-* — 1 target · 1 translated]'),
      `${routeAsked.map((a) => `"${a}"`).join(' → ')}; pool offered as "${poolChoices.join(' | ')}"; target row "${targetDescription}" (arrow-swap icon: ${swapIcons}); rows: ${routeRows}`,
    );
    await page.mouse.move(900, 500);
    await shot(page, 'route-translated');

    // The route's only target: removing it removes the route, after the modal dialog.
    await targetRow.click({ button: 'right' });
    const removeTarget = page.locator('.monaco-menu .action-menu-item', { hasText: 'Remove from Route' });
    await removeTarget.hover({ timeout: STEP_TIMEOUT_MS });
    await removeTarget.click();
    const routeDialog = page.locator('.monaco-dialog-box');
    await routeDialog.waitFor({ timeout: STEP_TIMEOUT_MS });
    const routeQuestion = (await routeDialog.innerText({ timeout: 5_000 }).catch(() => ''))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !['Cancel', 'Remove Route'].includes(l))
      .join(' ');
    await routeDialog.getByRole('button', { name: 'Remove Route', exact: true }).click();
    await treeRow(page, 'anthropic claude-*').waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
    ok(
      'Remove from Route on the last target asks in a modal dialog, then the route is gone',
      true,
      `dialog: "${routeQuestion}"; rows: ${await treeRowsText(page)}`,
    );

    // ---- 4. traffic from a terminal while the first key is rate-limited
    fake.fault(FIRST, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
    const ledgerBefore = fake.ledger.length;
    await paletteCommand(page, 'Terminal: Create New Terminal');
    await typeInTerminal(page, 'node kb-traffic.mjs');
    const trafficLine = await waitForTerminalLine(page, /KBE2E-TRAFFIC HTTP \d+[^\n]*/);
    const upstream = fake.ledger
      .slice(ledgerBefore)
      .filter((e) => e.endpoint === 'chat')
      .map((e) => `${e.key === FIRST ? 'first' : e.key === SECOND ? 'second' : 'other'}→${e.fault === 'rateLimit' ? 429 : 200}`);
    ok(
      'a request from the terminal goes through the bridge: 429 on the first key, 200 on the second',
      /HTTP 200/.test(trafficLine) && upstream.join(',') === 'first→429,second→200',
      `terminal: "${trafficLine}"; fake provider saw ${upstream.join(', ')}`,
    );

    // ---- 5. the first row shows cooling and counts down
    // The terminal opened in the panel; the KeyBridge view is still showing in the sidebar.
    await firstRow.filter({ hasText: COOLING_ROW }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const coolingA = await rowDescription(firstRow);
    await page.waitForTimeout(2_200);
    const coolingB = await rowDescription(firstRow);
    const seconds = (t) => {
      const m = /(\d+):(\d\d)/.exec(t);
      return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
    };
    const secondState = await rowDescription(secondRow);
    ok(
      'the first key row shows cooling with a countdown that ticks, countdown first; the second stays ready',
      /^\d+:\d\d · cooling gpt-4\.1-mini$/.test(coolingA) &&
        seconds(coolingA) >= 50 &&
        seconds(coolingA) <= 60 &&
        seconds(coolingB) < seconds(coolingA) &&
        /sk-…2222/.test(secondState),
      `first: "${coolingA}" then "${coolingB}" 2.2 s later; second: "${secondState}"; pool: "${await rowDescription(treeRow(page, 'fake'))}"; status bar: "${await statusBarText(page)}"`,
    );
    await shot(page, 'cooling');

    // ---- 5b. the second key is limited for the same model too: the model in use has no usable key
    fake.fault(SECOND, { kind: 'rateLimit', headers: { 'retry-after': '60' } });
    await paletteCommand(page, 'Terminal: Create New Terminal');
    await typeInTerminal(page, 'node kb-traffic.mjs');
    const strandedLine = await waitForTerminalLine(page, /KBE2E-TRAFFIC HTTP \d+[^\n]*/);
    const poolRow = treeRow(page, 'fake');
    await poolRow.filter({ hasText: /gpt-4\.1-mini 0\/2 · back by \d\d:\d\d/ }).waitFor({ timeout: STEP_TIMEOUT_MS });
    let bar = await statusBarText(page);
    for (const until = Date.now() + STEP_TIMEOUT_MS; !bar.includes('gpt-4.1-mini 0/2') && Date.now() < until; bar = await statusBarText(page))
      await page.waitForTimeout(250);
    const barLook = await page
      .locator('.part.statusbar .statusbar-item', { hasText: 'KeyBridge' })
      .first()
      .evaluate((el) => ({ classes: el.className, background: getComputedStyle(el).backgroundColor }));
    // The countdown leads the row, so the sidebar's ellipsis at its default width never reaches it.
    const countdownShown = await firstRow
      .locator('.label-description')
      .first()
      .evaluate((el) => {
        const text = el.firstChild;
        if (!text || !/^\d+:\d\d/.test(el.textContent ?? '')) return false;
        const range = document.createRange();
        range.setStart(text, 0);
        range.setEnd(text, (el.textContent ?? '').indexOf(' '));
        const row = el.closest('.monaco-list-row').getBoundingClientRect();
        return range.getBoundingClientRect().right <= row.right && range.getBoundingClientRect().right <= el.getBoundingClientRect().right;
      });
    const rowIcons = await page
      .locator('.part.sidebar .monaco-list-row .custom-view-tree-node-item-icon, .part.sidebar .monaco-list-row .codicon')
      .evaluateAll((els) =>
        els
          .map((e) => e.className)
          .filter((c) => /codicon-(watch|pass-filled)/.test(c))
          .map((c) => /codicon-(watch|pass-filled)/.exec(c)[1]),
      );
    // VS Code marks an item with a warning background by class; its colour is the theme's, never transparent.
    const barWarned = /warning/.test(barLook.classes) || !/rgba\(0, 0, 0, 0\)|transparent/.test(barLook.background);
    const firstDescription = await rowDescription(firstRow);
    const secondDescription = await rowDescription(secondRow);
    ok(
      'both keys limited for the model in use: the status bar warns with the model, the pool row says 0/2 with the time a key is back, both key rows lead with their countdowns',
      /HTTP 429/.test(strandedLine) &&
        bar.includes('gpt-4.1-mini 0/2') &&
        barWarned &&
        countdownShown &&
        /^\d+:\d\d · cooling/.test(firstDescription) &&
        /^\d+:\d\d · cooling/.test(secondDescription) &&
        !rowIcons.includes('pass-filled'),
      `terminal: "${strandedLine}"; status bar: "${bar}" (${barLook.classes}; ${barLook.background}); pool: "${await rowDescription(poolRow)}"; first: "${firstDescription}" (countdown visible: ${countdownShown}); second: "${secondDescription}"; key icons: ${rowIcons.join(', ')}`,
    );
    await shot(page, 'model-stranded');

    // ---- 6. retire the first key with its inline action
    await firstRow.click();
    const retire = firstRow.locator('.actions .action-label[aria-label="Retire Key"]');
    await retire.click({ timeout: STEP_TIMEOUT_MS });
    await firstRow.filter({ hasText: 'retired' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const restoreVisible = await firstRow.locator('.actions .action-label[aria-label="Restore Key"]').count();
    ok(
      'Retire Key (inline action on the row) retires the key; the row then offers Restore',
      restoreVisible === 1,
      `first: "${await rowDescription(firstRow)}", inline actions now: ${(await firstRow.locator('.actions .action-label').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).join(', ')}; pool: "${await rowDescription(treeRow(page, 'fake'))}"`,
    );
    await page.mouse.move(900, 500);
    await shot(page, 'retired');

    // ---- 7. remove the retired key from its context menu, confirmed in the modal dialog
    await firstRow.click({ button: 'right' });
    const menuItem = page.locator('.monaco-menu .action-menu-item', { hasText: 'Remove Key' });
    await menuItem.hover({ timeout: STEP_TIMEOUT_MS });
    await menuItem.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: STEP_TIMEOUT_MS });
    const question = (await dialog.innerText({ timeout: 5_000 }).catch(() => ''))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !['Cancel', 'Remove'].includes(l))
      .join(' ');
    await shot(page, 'remove-dialog');
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await firstRow.waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
    ok('Remove Key (context menu) asks in a modal dialog, then the row is gone', true, `dialog: "${question}"; rows: ${await treeRowsText(page)}`);

    // ---- 8. a new terminal has the base URL
    await paletteCommand(page, 'Terminal: Create New Terminal');
    await typeInTerminal(page, 'echo "KBE2E-URL=$ANTHROPIC_BASE_URL KBE2E-OPENAI=$OPENAI_BASE_URL"');
    const urlLine = await waitForTerminalLine(page, /KBE2E-URL=\S*[^\n]*/);
    // Only an OpenAI-compatible pool exists: Anthropic clients keep their own keys (issue 19, item 8).
    ok(
      'a new terminal sees OPENAI_BASE_URL of the bridge, and no ANTHROPIC_BASE_URL while no pool serves Anthropic clients',
      urlLine.startsWith('KBE2E-URL= ') && urlLine.includes(`KBE2E-OPENAI=http://127.0.0.1:${port}/openai/v1`),
      `terminal: "${urlLine}"`,
    );
    await shot(page, 'terminal');

    // ---- 9. Add Keys from File…: a .env of three keys, one refused by the provider
    const envFile = path.join(server.workspace, '.env');
    fs.writeFileSync(
      envFile,
      [
        '# keys for the fake provider',
        `BULK_KEY_A=${BULK_A}`,
        `export BULK_KEY_B="${BULK_BAD}"`,
        '',
        `BULK_KEY_C='${BULK_C}' # spare`,
        'NODE_ENV=production',
        '',
      ].join('\r\n'),
    );
    const envBefore = fs.readFileSync(envFile, 'utf8');
    fake.always(BULK_BAD, { kind: 'invalidKey' });
    const testsBefore = fake.ledger.length;
    await paletteCommand(page, 'KeyBridge: Add Keys from File…');
    // code-server's open dialog is VS Code's own file picker in a quick input: the path is typed.
    const fileDialog = await answerQuickInput(page, { title: 'from File', text: envFile });
    // Nothing is sent before the user ticks: for a custom base URL every key waits unticked.
    const tickTitle = page.locator('.quick-input-widget .quick-input-title', { hasText: 'tick the keys to test' });
    await tickTitle.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const tickRows = await quickPickRows(page);
    const sentBeforeTick = fake.ledger.length - testsBefore;
    await shot(page, 'bulk-tick');
    ok(
      'Add Keys from File… lists the three keys of the .env unticked, and sends none before the user ticks',
      tickRows.length === 3 &&
        tickRows.every((r) => r.startsWith('[ ]')) &&
        ['5555', '6666', '7777'].every((tail) => tickRows.some((r) => r.includes(`sk-…${tail}`))) &&
        sentBeforeTick === 0,
      `quick pick: ${tickRows.map((r) => `"${r}"`).join(' ')}; requests before the tick: ${sentBeforeTick}`,
    );
    // The header's "Toggle all checkboxes" (a native input in older VS Code, a custom toggle in newer).
    await page.locator('.quick-input-widget').getByRole('checkbox', { name: 'Toggle all checkboxes' }).click({ timeout: STEP_TIMEOUT_MS });
    await page.locator('.quick-input-widget .quick-input-box input').press('Enter');
    const resultsTitle = page.locator('.quick-input-widget .quick-input-title', { hasText: 'passed the test' });
    await resultsTitle.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const heading = (await resultsTitle.innerText()).trim();
    const resultRows = await quickPickRows(page);
    await shot(page, 'bulk-results');
    const tested = fake.ledger
      .slice(testsBefore)
      .filter((e) => e.endpoint === 'models')
      .map((e) => (e.key === BULK_BAD ? 'bad' : e.key === BULK_A ? 'a' : e.key === BULK_C ? 'c' : 'other'));
    const rowOk = (tail, checked, word) => resultRows.some((r) => r.startsWith(checked ? '[x]' : '[ ]') && r.includes(`sk-…${tail}`) && r.includes(word));
    ok(
      'the ticked keys are tested and the results shown, the two valid keys checked',
      heading.includes('2 of 3 passed the test') &&
        resultRows.length === 3 &&
        rowOk('5555', true, 'ok') &&
        rowOk('6666', false, 'invalid') &&
        rowOk('7777', true, 'ok') &&
        tested.sort().join(',') === 'a,bad,c',
      `file dialog "${fileDialog}"; quick pick "${heading}": ${resultRows.map((r) => `"${r}"`).join(' ')}; provider tested ${tested.join(', ')}`,
    );
    await page.locator('.quick-input-widget .quick-input-box input').press('Enter');
    await resultsTitle.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
    await treeRow(page, 'BULK_KEY_A').waitFor({ timeout: STEP_TIMEOUT_MS });
    await treeRow(page, 'BULK_KEY_C').waitFor({ timeout: STEP_TIMEOUT_MS });
    const bulkRows = await treeRowsText(page);
    const pageText = await page.locator('body').innerText();
    ok(
      'Enter saves the two checked keys: the tree shows them and not the refused one; the file is unchanged and no key shows in full',
      bulkRows.includes('[BULK_KEY_A — sk-…5555]') &&
        bulkRows.includes('[BULK_KEY_C — sk-…7777]') &&
        !bulkRows.includes('BULK_KEY_B') &&
        !bulkRows.includes('6666') &&
        fs.readFileSync(envFile, 'utf8') === envBefore &&
        ![BULK_A, BULK_BAD, BULK_C].some((k) => pageText.includes(k)),
      `rows: ${bulkRows}`,
    );
    await page.mouse.move(900, 500);
    await shot(page, 'bulk-added');
  } catch (error) {
    ok(`ui step failed: ${error.message.split('\n').slice(0, 3).join(' ')}`, false);
    if (page) await shot(page, 'failure').catch(() => {});
  } finally {
    if (page) await page.close().catch(() => {});
    await fake.close();
    fs.copyFileSync(server.logFile, path.join(artifacts, 'ui-code-server.log'));
    const stopped = Date.now();
    const gone = await server.stop();
    ok('code-server and its extension host ended', gone && !groupAlive(server.pid), `process group ${server.pid} gone in ${Date.now() - stopped} ms`);
  }
}

// ---------------------------------------------------------------- workbench helpers

/** F1, type the command's title, click its row (not Enter: fuzzy matching may put another first). */
/**
 * A UI layer's two recorders: `ok` reports a step with the time it took since the previous one, `shot` saves a
 * numbered screenshot `<prefix>-NN-<name>.png` into the artifacts and says where.
 */
export function layerSteps({ layer, prefix, check, artifacts, repoRoot }) {
  let stepStarted = Date.now();
  let shotNo = 0;
  return {
    ok(name, pass, saw) {
      const took = ((Date.now() - stepStarted) / 1000).toFixed(1);
      stepStarted = Date.now();
      return check(layer, `${name} (${took} s)`, pass, saw);
    },
    async shot(page, name) {
      const file = path.join(artifacts, `${prefix}-${String(++shotNo).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      console.log(`       screenshot: ${path.relative(repoRoot, file)}`);
    },
  };
}

export async function paletteCommand(page, title) {
  await page.keyboard.press('F1');
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  await widget.locator('.monaco-list-row', { hasText: title }).first().click({ timeout: STEP_TIMEOUT_MS });
}

/**
 * Answers the quick input whose title contains `title`: types `text` and presses Enter, or filters
 * by `pick` and clicks that row. Returns the title it saw.
 */
export async function answerQuickInput(page, { title, text, pick }) {
  const widget = page.locator('.quick-input-widget');
  const heading = widget.locator('.quick-input-title', { hasText: title });
  await heading.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  const seen = (await heading.innerText()).trim();
  const input = widget.locator('.quick-input-box input');
  if (pick !== undefined) {
    await input.fill(pick);
    await widget.locator('.monaco-list-row', { hasText: pick }).first().click({ timeout: STEP_TIMEOUT_MS });
    await heading.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
    return seen;
  }
  // VS Code's own file picker (code-server's open dialog) lists the typed folder and autocompletes while the
  // value changes, and ignores Enter while that is under way; on a slow machine the first Enter can be lost
  // (seen on a fresh 2-core CI machine). Enter again, with the value typed again, until the input closes.
  const deadline = Date.now() + 2 * STEP_TIMEOUT_MS;
  for (;;) {
    if ((await input.inputValue().catch(() => text)) !== text) await input.fill(text);
    await widget
      .locator('.quick-input-progress .monaco-progress-container.active')
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => {});
    await page.waitForTimeout(150); // let validateInput run on the final value
    await input.press('Enter').catch(() => {});
    const closed = await heading.waitFor({ state: 'hidden', timeout: 4_000 }).then(
      () => true,
      () => false,
    );
    if (closed) return seen;
    if (Date.now() > deadline) {
      const message = (
        await widget
          .locator('.quick-input-message')
          .innerText()
          .catch(() => '')
      ).trim();
      throw new Error(`the input "${seen}" stayed open after Enter on "${text}"${message ? `: "${message}"` : ''}`);
    }
  }
}

/** The rows of the open multi-select quick pick: `[x] label description…` or `[ ] …`. */
async function quickPickRows(page) {
  return page.locator('.quick-input-widget .monaco-list-row').evaluateAll((els) =>
    els.map((el) => {
      const box = el.querySelector('input[type=checkbox]');
      const checked = box ? box.checked : el.getAttribute('aria-checked') === 'true';
      return `${checked ? '[x]' : '[ ]'} ${el.innerText.replace(/\s+/g, ' ').trim()}`;
    }),
  );
}

export function treeRow(page, label) {
  return page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
}

export async function rowDescription(row) {
  return (
    await row
      .locator('.label-description')
      .first()
      .innerText({ timeout: 2_000 })
      .catch(() => '')
  ).trim();
}

export async function treeRowsText(page) {
  const rows = await page.locator('.part.sidebar .monaco-list-row').evaluateAll((els) =>
    els.map((el) => {
      const name = el.querySelector('.label-name')?.textContent?.trim() ?? '';
      const description = el.querySelector('.label-description')?.textContent?.trim() ?? '';
      return `${name}${description ? ` — ${description}` : ''}`;
    }),
  );
  return rows.map((r) => `[${r}]`).join(' ');
}

export async function statusBarText(page) {
  const item = page.locator('.part.statusbar .statusbar-item', { hasText: 'KeyBridge' }).first();
  return (await item.innerText({ timeout: 5_000 }).catch(() => '')).replace(/\s+/g, ' ').trim();
}

/** Waits for the active terminal's prompt, then types a line and Enter. */
export async function typeInTerminal(page, line) {
  const rows = page.locator('.terminal-wrapper.active .xterm-rows');
  await rows.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  await page.waitForFunction(() => /\S/.test(document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent ?? ''), null, {
    timeout: STEP_TIMEOUT_MS,
  });
  await page.locator('.terminal-wrapper.active .xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** The first line of the active terminal matching `pattern` (the typed command itself excluded). */
export async function waitForTerminalLine(page, pattern, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await page
      .locator('.terminal-wrapper.active .xterm-rows')
      .innerText()
      .catch(() => '');
    const hit = text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => pattern.test(l) && !/\becho\b|node kb-traffic/.test(l));
    if (hit) return pattern.exec(hit)[0].trim();
    await page.waitForTimeout(200);
  }
  throw new Error(`no terminal line matching ${pattern} within ${timeoutMs} ms; terminal shows: ${text.replace(/\s+/g, ' ').slice(-300)}`);
}
