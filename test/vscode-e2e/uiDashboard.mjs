// The usage dashboard in a real editor: the packaged VSIX in a fresh code-server, a pool on the fake provider,
// real requests from a terminal (as an agent sends them), then KeyBridge: Show Usage Dashboard from the palette.
// The page runs in VS Code's webview (two nested iframes); we wait for its chart canvas and its totals, and
// keep screenshots in test-results/vscode-e2e/dashboard-*.png.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { groupAlive, openActivityBarView, openWorkbench, startCodeServer } from './codeServer.mjs';
import { answerQuickInput, layerSteps, paletteCommand, STEP_TIMEOUT_MS, TRAFFIC_SCRIPT, treeRow, typeInTerminal, waitForTerminalLine } from './uiSmoke.mjs';

const REQUESTS = 3;

export async function runUiDashboard({ browser, vsix, port, artifacts, repoRoot, check }) {
  const require = createRequire(import.meta.url);
  const { startFakeProvider } = require(path.join(repoRoot, 'out', 'test', 'fakeProvider', 'fakeProvider.js'));
  const fake = await startFakeProvider();
  const run = Math.random().toString(16).slice(2, 10);
  const KEY = `sk-test-key-dash-${run}-3333`;
  const { ok, shot } = layerSteps({ layer: 'dashboard', prefix: 'dashboard', check, artifacts, repoRoot });

  const server = await startCodeServer({
    machineSettings: { 'keybridge.port': port },
    settings: { 'terminal.integrated.gpuAcceleration': 'off' },
  });
  let page;
  try {
    // A few requests in one run of the script: the traffic script's one request, repeated.
    fs.writeFileSync(path.join(server.workspace, 'kb-traffic.mjs'), `for (let i = 0; i < ${REQUESTS}; i++) {\n${TRAFFIC_SCRIPT.replace(/^\/\/.*\n/, '')}}\n`);
    await server.installVsix(vsix);
    const opened = await openWorkbench(server, browser);
    page = opened.page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);

    await openActivityBarView(page, 'KeyBridge');
    await paletteCommand(page, 'KeyBridge: Add Pool');
    await answerQuickInput(page, { title: 'provider', pick: 'Custom base URL' });
    await answerQuickInput(page, { title: 'base URL', text: fake.openaiBaseUrl });
    await answerQuickInput(page, { title: 'protocol', pick: 'OpenAI-compatible' });
    await answerQuickInput(page, { title: 'pool id', text: 'fake' });
    await answerQuickInput(page, { title: 'Add Keys to', text: KEY, password: true });
    await answerQuickInput(page, { title: 'key label', text: 'dash' });
    await treeRow(page, 'dash').waitFor({ timeout: STEP_TIMEOUT_MS });

    const before = fake.ledger.length;
    await paletteCommand(page, 'Terminal: Create New Terminal');
    await typeInTerminal(page, 'node kb-traffic.mjs');
    await page.waitForFunction((n) => (document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent?.match(/KBE2E-TRAFFIC HTTP 200/g) ?? []).length >= n, REQUESTS, { timeout: STEP_TIMEOUT_MS });
    const line = await waitForTerminalLine(page, /KBE2E-TRAFFIC HTTP \d+[^\n]*/);
    const upstream = fake.ledger.slice(before).filter((e) => e.endpoint === 'chat').length;
    ok(`${REQUESTS} requests from a terminal go through the bridge to the fake provider`, upstream === REQUESTS, `terminal: "${line}"; fake provider saw ${upstream} chat requests`);

    await paletteCommand(page, 'KeyBridge: Show Usage Dashboard');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    const requests = frame.locator('#total-requests');
    // The page refreshes every 3 s; wait for the requests the terminal sent.
    await frame.locator('canvas').first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let shown = '';
    while (Date.now() < deadline && shown !== String(REQUESTS)) {
      shown = (await requests.innerText().catch(() => '')).trim();
      if (shown !== String(REQUESTS)) await page.waitForTimeout(500);
    }
    const canvases = await frame.locator('canvas').count();
    const text = (await frame.locator('body').innerText()).replace(/\s+/g, ' ');
    // gpt-4.1-mini is in the bundled price data: its few tokens cost a fraction of a cent, shown as an estimate.
    const cost = (await frame.locator('#total-cost').innerText().catch(() => '')).trim();
    ok('Show Usage Dashboard opens the webview: charts drawn, the request count, the model, tokens and an estimated cost above zero',
      shown === String(REQUESTS) && canvases >= 3 && text.includes('gpt-4.1-mini') && text.includes('Cost (estimate)') && /^\$0\.0*[1-9]/.test(cost) && !text.includes(KEY),
      `requests "${shown}", cost "${cost}", ${canvases} canvases; page: "${text.slice(0, 400)}…"`);
    await shot(page, 'open');
  } catch (error) {
    ok(`dashboard step failed: ${error.message.split('\n').slice(0, 3).join(' ')}`, false);
    if (page) await shot(page, 'failure').catch(() => {});
  } finally {
    if (page) await page.close().catch(() => {});
    await fake.close();
    fs.copyFileSync(server.logFile, path.join(artifacts, 'dashboard-code-server.log'));
    const stopped = Date.now();
    const gone = await server.stop();
    ok('code-server and its extension host ended', gone && !groupAlive(server.pid), `process group ${server.pid} gone in ${Date.now() - stopped} ms`);
  }
}
