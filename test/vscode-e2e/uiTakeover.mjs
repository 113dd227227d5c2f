// Two windows, one bridge (issue 14, item 11): the packaged VSIX in a fresh code-server, two workbench
// windows in the same browser, as a user would have them.
//
//   window A opens and owns the port → window B opens and follows it → keys are added in A (Add Pool and
//   Add Key(s) from A's palette) → B's tree mirrors them → a request from A's terminal while the fake
//   provider rate-limits the first key (it starts cooling) → A closes → B takes the port over → B's tree
//   still lists both keys, the first cooling → a request from B's terminal is served (200) by the second
//   key, and the cooling key is not tried.
//
// In code-server each window reads SecretStorage once when it opens and hears of no change made in
// another window, so B never sees A's keys there: before the fix B took over with no keys and every
// request got 503 until Reload Window. Screenshots ui-takeover-*.png.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { groupAlive, openActivityBarView, openWorkbench, startCodeServer } from './codeServer.mjs';
import {
  COOLING_ROW,
  STEP_TIMEOUT_MS,
  TRAFFIC_SCRIPT,
  answerQuickInput,
  layerSteps,
  paletteCommand,
  rowDescription,
  statusBarText,
  treeRow,
  treeRowsText,
  typeInTerminal,
  waitForTerminalLine,
} from './uiSmoke.mjs';

const FOLLOWER_MESSAGE = 'Served by another VS Code window';
/** A closed tab's extension host lives on for code-server's reconnection grace time (5 s here) before it ends. */
const TAKEOVER_TIMEOUT_MS = 45_000;

export async function runUiTakeover({ browser, vsix, port, artifacts, repoRoot, check }) {
  const require = createRequire(import.meta.url);
  const { startFakeProvider } = require(path.join(repoRoot, 'out', 'test', 'fakeProvider', 'fakeProvider.js'));
  const fake = await startFakeProvider();
  const run = Math.random().toString(16).slice(2, 10);
  const FIRST = `sk-kbtk-${run}-first-key-5555`;
  const SECOND = `sk-kbtk-${run}-second-key-6666`;
  const { ok, shot } = layerSteps({ layer: 'takeover', prefix: 'ui-takeover', check, artifacts, repoRoot });
  const followerMessage = (page) => page.locator('.part.sidebar', { hasText: FOLLOWER_MESSAGE });

  const server = await startCodeServer({
    machineSettings: { 'keybridge.port': port },
    settings: { 'terminal.integrated.gpuAcceleration': 'off', 'workbench.hover.delay': 300 },
  });
  let a;
  let b;
  try {
    fs.writeFileSync(path.join(server.workspace, 'kb-traffic.mjs'), TRAFFIC_SCRIPT);
    await server.installVsix(vsix);

    // ---- 1. window A owns the port, window B follows it
    a = (await openWorkbench(server, browser)).page;
    a.setDefaultTimeout(STEP_TIMEOUT_MS);
    await openActivityBarView(a, 'KeyBridge');
    await a.locator('.part.sidebar .welcome-view-content', { hasText: 'No key pools yet' }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await a.waitForFunction(
      (p) => [...document.querySelectorAll('.part.statusbar .statusbar-item')].some((e) => e.textContent.includes(`KeyBridge :${p}`)),
      port,
      { timeout: STEP_TIMEOUT_MS },
    );
    b = (await openWorkbench(server, browser)).page;
    b.setDefaultTimeout(STEP_TIMEOUT_MS);
    await openActivityBarView(b, 'KeyBridge');
    ok('window A serves the port; window B opens in the same browser', true, `A: "${await statusBarText(a)}"; B: "${await statusBarText(b)}"`);
    // With no pools yet, the follower shows the welcome (it says it follows) and its Add Pool link, not a bare message.
    const welcomeB = b.locator('.part.sidebar .welcome-view-content', { hasText: 'This window follows the KeyBridge served by another VS Code window' });
    await welcomeB.waitFor({ timeout: STEP_TIMEOUT_MS });
    const addPoolB = await welcomeB.getByRole('button', { name: 'Add Pool' }).count();
    ok(
      'window B, with no pools yet, shows the welcome with Add Pool',
      addPoolB === 1,
      `B welcome: "${(await welcomeB.innerText()).replace(/\s+/g, ' ').slice(0, 160)}"; Add Pool buttons: ${addPoolB}`,
    );
    await shot(b, 'b-welcome');

    // ---- 2. keys added in A while B is open
    await a.bringToFront();
    await paletteCommand(a, 'KeyBridge: Add Pool');
    await answerQuickInput(a, { title: 'provider', pick: 'Custom base URL' });
    await answerQuickInput(a, { title: 'base URL', text: fake.openaiBaseUrl });
    await answerQuickInput(a, { title: 'protocol', pick: 'OpenAI-compatible' });
    await answerQuickInput(a, { title: 'pool id', text: 'fake' });
    await answerQuickInput(a, { title: 'Add Keys to', text: FIRST, password: true });
    await answerQuickInput(a, { title: 'key label', text: 'first' });
    await treeRow(a, 'first').waitFor({ timeout: STEP_TIMEOUT_MS });
    await paletteCommand(a, 'KeyBridge: Add Key(s)');
    await answerQuickInput(a, { title: 'Add Keys to', text: SECOND, password: true });
    await answerQuickInput(a, { title: 'key label', text: 'second' });
    await treeRow(a, 'second').waitFor({ timeout: STEP_TIMEOUT_MS });
    await b.bringToFront();
    await followerMessage(b).waitFor({ timeout: STEP_TIMEOUT_MS });
    await treeRow(b, 'second').waitFor({ timeout: STEP_TIMEOUT_MS });
    ok('keys added in A: A lists them, and B (following A) mirrors them', true, `A rows: ${await treeRowsText(a)}; B rows: ${await treeRowsText(b)}`);
    await shot(b, 'b-follows');

    // ---- 3. the first key starts cooling (a request from A's terminal)
    fake.fault(FIRST, { kind: 'rateLimit', headers: { 'retry-after': '120' } });
    await a.bringToFront();
    let ledgerFrom = fake.ledger.length;
    await paletteCommand(a, 'Terminal: Create New Terminal');
    await typeInTerminal(a, 'node kb-traffic.mjs');
    const lineA = await waitForTerminalLine(a, /KBE2E-TRAFFIC HTTP \d+[^\n]*/);
    const seenA = fake.ledger
      .slice(ledgerFrom)
      .filter((e) => e.endpoint === 'chat')
      .map((e) => `${e.key === FIRST ? 'first' : e.key === SECOND ? 'second' : 'other'}→${e.fault === 'rateLimit' ? 429 : 200}`);
    await treeRow(a, 'first').filter({ hasText: COOLING_ROW }).waitFor({ timeout: STEP_TIMEOUT_MS });
    ok(
      'a request from A: 429 on the first key, 200 on the second; the first is cooling',
      /HTTP 200/.test(lineA) && seenA.join(',') === 'first→429,second→200',
      `terminal A: "${lineA}"; provider saw ${seenA.join(', ')}; A first: "${await rowDescription(treeRow(a, 'first'))}"`,
    );

    // ---- 4. A closes; B takes the port over
    const closing = Date.now();
    await a.close();
    a = undefined;
    await b.bringToFront();
    await followerMessage(b).waitFor({ state: 'detached', timeout: TAKEOVER_TIMEOUT_MS });
    const tookMs = Date.now() - closing;
    await treeRow(b, 'first').waitFor({ timeout: STEP_TIMEOUT_MS });
    await treeRow(b, 'first').filter({ hasText: COOLING_ROW }).waitFor({ timeout: STEP_TIMEOUT_MS });
    const rowsB = await treeRowsText(b);
    const statusB = await statusBarText(b);
    ok(
      'A closed: B serves the port with both keys A added, the first still cooling',
      rowsB.includes('[second — sk-…6666]') && COOLING_ROW.test(rowsB) && statusB.includes(`:${port}`),
      `B took over ${(tookMs / 1000).toFixed(1)} s after A's tab closed; B rows: ${rowsB}; status bar: "${statusB}"`,
    );
    await shot(b, 'b-after-takeover');

    // ---- 5. B serves through the bridge
    ledgerFrom = fake.ledger.length;
    await paletteCommand(b, 'Terminal: Create New Terminal');
    await typeInTerminal(b, 'node kb-traffic.mjs');
    const lineB = await waitForTerminalLine(b, /KBE2E-TRAFFIC HTTP \d+[^\n]*/);
    const seenB = fake.ledger
      .slice(ledgerFrom)
      .filter((e) => e.endpoint === 'chat')
      .map((e) => `${e.key === FIRST ? 'first' : e.key === SECOND ? 'second' : 'other'}→${e.fault === 'rateLimit' ? 429 : 200}`);
    ok(
      'a request from B after the takeover: 200 from the second key, the cooling key not tried',
      /HTTP 200/.test(lineB) && seenB.join(',') === 'second→200',
      `terminal B: "${lineB}"; provider saw ${seenB.join(', ') || 'nothing'}`,
    );
    await shot(b, 'b-serves');
  } catch (error) {
    ok(`takeover step failed: ${error.message.split('\n').slice(0, 3).join(' ')}`, false);
    for (const [name, page] of [
      ['a', a],
      ['b', b],
    ])
      if (page) await shot(page, `failure-${name}`).catch(() => {});
  } finally {
    for (const page of [a, b]) if (page) await page.close().catch(() => {});
    await fake.close();
    fs.copyFileSync(server.logFile, path.join(artifacts, 'ui-takeover-code-server.log'));
    const stopped = Date.now();
    const gone = await server.stop();
    ok('code-server and both extension hosts ended', gone && !groupAlive(server.pid), `process group ${server.pid} gone in ${Date.now() - stopped} ms`);
  }
}
