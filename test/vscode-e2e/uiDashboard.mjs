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
    await page.waitForFunction(
      (n) => (document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent?.match(/KBE2E-TRAFFIC HTTP 200/g) ?? []).length >= n,
      REQUESTS,
      { timeout: STEP_TIMEOUT_MS },
    );
    const line = await waitForTerminalLine(page, /KBE2E-TRAFFIC HTTP \d+[^\n]*/);
    const upstream = fake.ledger.slice(before).filter((e) => e.endpoint === 'chat').length;
    ok(
      `${REQUESTS} requests from a terminal go through the bridge to the fake provider`,
      upstream === REQUESTS,
      `terminal: "${line}"; fake provider saw ${upstream} chat requests`,
    );

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
    const cost = (
      await frame
        .locator('#total-cost')
        .innerText()
        .catch(() => '')
    ).trim();
    ok(
      'Show Usage Dashboard opens the webview: charts drawn, the request count, the model, tokens and an estimated cost above zero',
      shown === String(REQUESTS) &&
        canvases >= 3 &&
        text.includes('gpt-4.1-mini') &&
        text.includes('Cost (estimate)') &&
        /^\$0\.0*[1-9]/.test(cost) &&
        !text.includes(KEY),
      `requests "${shown}", cost "${cost}", ${canvases} canvases; page: "${text.slice(0, 400)}…"`,
    );
    await shot(page, 'open');

    // Series over time by model (the default), then by key: named by pool and masked key, never the key.
    const legendOf = async (id) =>
      (
        await frame
          .locator(`#${id} .u-legend`)
          .innerText()
          .catch(() => '')
      ).replace(/\s+/g, ' ');
    const byModel = await legendOf('chart-tokens-by');
    ok(
      'tokens and requests over time are stacked by model, with a legend naming it',
      (await frame.locator('#chart-tokens-by canvas').count()) > 0 &&
        (await frame.locator('#chart-requests-by canvas').count()) > 0 &&
        byModel.includes('gpt-4.1-mini') &&
        byModel.includes('Day (UTC)'),
      `tokens legend: "${byModel}"`,
    );
    await frame.locator('#by button[data-value="key"]').click();
    await frame.locator('#chart-tokens-by figcaption', { hasText: 'Tokens by key' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const byKey = await legendOf('chart-requests-by');
    ok(
      'the series break down by key at a click, each key by its pool and masked form',
      /fake \S*…3333/.test(byKey) && !byKey.includes(KEY),
      `requests legend: "${byKey}"`,
    );
    await shot(page, 'by-key');

    // An error through the bridge shows on the errors chart; the last 24 hours are drawn per hour.
    fake.fault('*', { kind: 'status', status: 400, body: { error: { message: 'e2e: a request the provider refuses', type: 'invalid_request_error' } } });
    await typeInTerminal(page, 'node kb-traffic.mjs');
    await page.waitForFunction(
      (n) => (document.querySelector('.terminal-wrapper.active .xterm-rows')?.textContent?.match(/KBE2E-TRAFFIC HTTP \d+/g) ?? []).length >= n,
      2 * REQUESTS,
      { timeout: STEP_TIMEOUT_MS },
    );
    await paletteCommand(page, 'KeyBridge: Show Usage Dashboard');
    await frame.locator('#range button[data-value="24h"]').click();
    await frame.locator('h1', { hasText: 'last 24 hours' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const until = Date.now() + STEP_TIMEOUT_MS;
    let errors = '';
    let total = '';
    while (Date.now() < until && !(errors === '1' && total === String(2 * REQUESTS))) {
      await page.waitForTimeout(500);
      errors = (
        await frame
          .locator('#total-errors')
          .innerText()
          .catch(() => '')
      ).trim();
      total = (
        await frame
          .locator('#total-requests')
          .innerText()
          .catch(() => '')
      ).trim();
    }
    const hourly = await legendOf('chart-errors');
    const pressed = await frame
      .locator('#range button[aria-pressed="true"]')
      .innerText()
      .catch(() => '');
    ok(
      'the range selector draws the last 24 hours per hour, and the refused request shows as an error over time',
      errors === '1' &&
        total === String(2 * REQUESTS) &&
        pressed.trim() === '24 hours' &&
        hourly.includes('Hour (UTC)') &&
        hourly.includes('errors') &&
        hourly.includes('failovers'),
      `errors "${errors}", requests "${total}", pressed "${pressed}", errors legend: "${hourly}"`,
    );
    // The view a user lands on, without the terminal and the notifications of the steps before: by model, per hour.
    await paletteCommand(page, 'Notifications: Clear All Notifications').catch(() => page.keyboard.press('Escape'));
    await paletteCommand(page, 'View: Hide Panel').catch(() => page.keyboard.press('Escape'));
    await frame.locator('#by button[data-value="model"]').click();
    await frame.locator('#chart-tokens-by figcaption', { hasText: 'Tokens by model' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await shot(page, 'range-24h');
    await frame.locator('#chart-errors').scrollIntoViewIfNeeded();
    await shot(page, 'errors');
    await frame.locator('.tables').scrollIntoViewIfNeeded();
    await shot(page, 'tables');
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
