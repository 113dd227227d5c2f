// Try with a Simulated Provider in a real VS Code: the packaged VSIX in a fresh code-server, driven like a
// newcomer with no key in headless Chromium.
//
//   the welcome view's "Try with a Simulated Provider" link → the two demo pools appear in the tree, marked
//   "(simulated)" → the demo's own client drives traffic until a key row shows "cooling m:ss" or the revoked
//   key shows invalid → the revoked key's notification (once, masked) → Remove Simulated Provider (the pool row's inline action) → the welcome view is back
//   and the User settings.json is byte for byte what it was.
//
// Every step prints what it saw and saves a screenshot to test-results/vscode-e2e/ui-demo-*.png. All traffic
// stays on loopback: the simulator runs in code-server's extension host.

import fs from 'node:fs';
import path from 'node:path';
import { groupAlive, openActivityBarView, openWorkbench, startCodeServer } from './codeServer.mjs';
import { STEP_TIMEOUT_MS, layerSteps, paletteCommand, treeRow, treeRowsText } from './uiSmoke.mjs';

export async function runUiDemo({ browser, vsix, port, artifacts, repoRoot, check }) {
  const { ok, shot } = layerSteps({ layer: 'demo', prefix: 'ui-demo', check, artifacts, repoRoot });
  const server = await startCodeServer({
    machineSettings: { 'keybridge.port': port },
    settings: { 'workbench.hover.delay': 300, 'extensions.autoUpdate': 'off' },
  });
  let page;
  try {
    const userSettings = path.join(server.userDataDir, 'User', 'settings.json');
    const before = fs.readFileSync(userSettings, 'utf8');
    await server.installVsix(vsix);
    const opened = await openWorkbench(server, browser);
    page = opened.page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const sidebar = page.locator('.part.sidebar');

    // ---- 1. the welcome view offers the simulated provider
    await openActivityBarView(page, 'KeyBridge');
    const welcome = sidebar.locator('.welcome-view-content', { hasText: 'No key pools yet' });
    await welcome.waitFor({ timeout: STEP_TIMEOUT_MS });
    const link = welcome
      .getByRole('button', { name: 'Try with a Simulated Provider' })
      .or(welcome.locator('a', { hasText: 'Try with a Simulated Provider' }))
      .first();
    await link.waitFor({ timeout: STEP_TIMEOUT_MS });
    ok('the welcome view offers "Try with a Simulated Provider"', true, `view: "${(await welcome.innerText()).replace(/\s+/g, ' ').slice(0, 160)}…"`);
    await shot(page, 'welcome');

    // ---- 2. one click: the demo pools, marked, in the tree
    await link.click();
    const alpha = treeRow(page, 'Demo alpha (simulated)');
    const beta = treeRow(page, 'Demo beta (simulated)');
    await alpha.waitFor({ timeout: STEP_TIMEOUT_MS });
    await beta.waitFor({ timeout: STEP_TIMEOUT_MS });
    // The rows appear as the demo's first traffic starts, and a row being drawn may not have its icon yet: the
    // look is read until it holds, for as long as any step may take.
    const markedRows = () =>
      page
        .locator('.part.sidebar .monaco-list-row', { hasText: '(simulated)' })
        .evaluateAll((els) => els.map((el) => ({ beaker: !!el.querySelector('.codicon-beaker'), text: el.innerText.replace(/\s+/g, ' ') })));
    const isMarked = (rows) => rows.length === 2 && rows.every((r) => r.beaker && /simulated ·/.test(r.text));
    let marked = await markedRows();
    for (const until = Date.now() + STEP_TIMEOUT_MS; !isMarked(marked) && Date.now() < until; marked = await markedRows()) await page.waitForTimeout(250);
    ok(
      'the demo pools appear in the tree, labelled "(simulated)" with the beaker icon and "simulated" in their description',
      isMarked(marked),
      `rows: ${await treeRowsText(page)}; marked rows: ${JSON.stringify(marked)}`,
    );

    // ---- 3. the demo's own client: a cooldown and the revoked key show without the user doing anything
    await page.waitForFunction(
      () => [...document.querySelectorAll('.part.sidebar .monaco-list-row')].some((r) => /cooling \d+:\d\d|invalid/i.test(r.innerText)),
      null,
      { timeout: 60_000 },
    );
    // Give the failover and the countdown a moment more, so the screenshot shows the tree mid-story.
    await page.waitForTimeout(3_000);
    const rows = await treeRowsText(page);
    ok('the demo traffic shows a cooling countdown or the revoked key in the tree', /cooling \d+:\d\d|invalid/i.test(rows), `rows: ${rows}`);
    await shot(page, 'demo-running');

    // ---- 3b. the revoked key is told once, as a notification naming it masked, with its two actions
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'was refused by the provider' });
    await toast.first().waitFor({ timeout: 60_000 });
    const toastText = (await toast.first().innerText()).replace(/\s+/g, ' ').trim();
    const toastCount = await toast.count();
    const actions = await toast.first().locator('.monaco-button').allInnerTexts();
    ok(
      'the revoked key shows one notification, the key masked, with Show Keys and Notification Settings',
      toastCount === 1 &&
        /KeyBridge: Key demo-alpha\/alpha-2 \(sim-…[0-9a-f]{4}\) was refused by the provider/.test(toastText) &&
        actions.includes('Show Keys') &&
        actions.includes('Notification Settings'),
      `toasts: ${toastCount}; "${toastText.slice(0, 200)}"; actions: ${actions.join(', ')}`,
    );
    await shot(page, 'notification');
    await toast.first().locator('.monaco-button', { hasText: 'Show Keys' }).click();
    await toast.first().waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
    // Show Keys focuses the Key Pools view; the palette opened before that lands would lose its focus to it.
    await page.waitForFunction(() => document.activeElement?.closest('.part.sidebar') != null, null, { timeout: STEP_TIMEOUT_MS });

    // ---- 4. Remove Simulated Provider from the palette: the welcome view comes back, settings as they were
    await paletteCommand(page, 'KeyBridge: Remove Simulated Provider');
    await alpha.waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
    await welcome.waitFor({ timeout: STEP_TIMEOUT_MS });
    let after = fs.readFileSync(userSettings, 'utf8');
    for (const until = Date.now() + 5_000; after !== before && Date.now() < until; after = fs.readFileSync(userSettings, 'utf8'))
      await page.waitForTimeout(200);
    ok(
      'Remove Simulated Provider takes the pools out, the welcome view is back, User settings.json is byte for byte as before',
      after === before,
      after === before ? `${Buffer.byteLength(after)} bytes unchanged` : `before:\n${before}\nafter:\n${after}`,
    );
    await shot(page, 'removed');
  } finally {
    if (page) await page.close().catch(() => {});
    fs.copyFileSync(server.logFile, path.join(artifacts, 'ui-demo-code-server.log'));
    const stopped = Date.now();
    const gone = await server.stop();
    ok('code-server and its extension host ended', gone && !groupAlive(server.pid), `process group ${server.pid} gone in ${Date.now() - stopped} ms`);
  }
}
