#!/usr/bin/env node
// KeyBridge in a real VS Code: both layers against code-server and headless Chromium (system Node 20).
//
//   bash test/vscode-e2e/setup.sh && node test/vscode-e2e/run.mjs [--only host|ui|takeover|connect|dashboard|demo] [--no-package]
//
//   1. compile  the extension-host suite (test/vscode-host, its own tsconfig) into out/
//   2. package  `npm run package` -> keybridge-<version>.vsix (the production bundle)
//   3. host     the suite's run() in the real extension host of code-server (smoke-test driver payload,
//               the extension loaded from the repo as extensionDevelopmentPath)
//   4. ui       the VSIX installed into a fresh code-server, driven like a user in headless Chromium
//               (uiSmoke.mjs)
//   5. takeover two windows of one code-server: keys added in A, A closes, B serves them (uiTakeover.mjs)
//   6. connect  Connect Agents / Disconnect Agents on the user's own files in a temporary HOME (uiConnect.mjs)
//   7. dashboard  real traffic from a terminal, then the usage dashboard from the palette (uiDashboard.mjs)
//   8. demo     Try with a Simulated Provider from the welcome view, the demo in the tree, Remove (uiDemo.mjs)
//
// Each layer gets its own free loopback port for keybridge.port, never the default 17381. Prints what
// every check saw, the timings, and a closing `vscode e2e: N passed, N failed`; exit 1 on any failure.
// Screenshots and logs go to test-results/vscode-e2e/. A watchdog ends everything after
// KEYBRIDGE_E2E_TIMEOUT_S (default 900 s); codeServer.mjs kills every process group it started on exit.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupAlive, launchBrowser, loadEnv, removeOnExit, runExtensionTests, startCodeServer } from './codeServer.mjs';
import { runUiSmoke } from './uiSmoke.mjs';
import { runUiTakeover } from './uiTakeover.mjs';
import { runUiConnect } from './uiConnect.mjs';
import { runUiDashboard } from './uiDashboard.mjs';
import { runUiDemo } from './uiDemo.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const artifacts = path.join(repoRoot, 'test-results', 'vscode-e2e');
const DEFAULT_PORT = 17381;

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
if (only && !['host', 'ui', 'takeover', 'connect', 'dashboard', 'demo'].includes(only)) {
  console.error(`--only takes "host", "ui", "takeover", "connect", "dashboard" or "demo", not ${only}`);
  process.exit(2);
}
const wantHost = !only || only === 'host';
const wantUi = !only || only === 'ui';
const wantTakeover = !only || only === 'takeover';
const wantConnect = !only || only === 'connect';
const wantDashboard = !only || only === 'dashboard';
const wantDemo = !only || only === 'demo';

const t0 = Date.now();
const results = [];
const timings = {};

const limitS = Number(process.env.KEYBRIDGE_E2E_TIMEOUT_S || 900);
const watchdog = setTimeout(() => {
  console.error(`vscode e2e: hard time limit of ${limitS} s reached; killing everything`);
  const failed = results.filter((r) => !r.ok).length + 1;
  console.log(`vscode e2e: ${results.length + 1 - failed} passed, ${failed} failed (time limit reached)`);
  process.exit(2); // codeServer.mjs's exit handler SIGKILLs every process group it started
}, limitS * 1000);
watchdog.unref();

/** Records one check and prints it with what it saw. */
function check(layer, name, ok, saw = '') {
  results.push({ layer, name, ok: !!ok });
  console.log(`${ok ? 'PASS' : 'FAIL'} [${layer}] ${name}${saw ? `\n       saw: ${saw}` : ''}`);
  return !!ok;
}

async function timed(name, fn) {
  const started = Date.now();
  console.log(`\n== ${name}`);
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - started;
    console.log(`   (${name}: ${(timings[name] / 1000).toFixed(1)} s)`);
  }
}

/** Runs a command in its own process group with a time limit; the whole group is killed on timeout. */
function runCommand(cmd, cmdArgs, { timeoutMs, cwd = repoRoot }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${output}\n${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

/** A loopback port that was free a moment ago (the bridge must not land on the user's default). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => (port === DEFAULT_PORT ? freePort().then(resolve, reject) : resolve(port)));
    });
  });
}

// ---------------------------------------------------------------- layer 1: extension-host suite

const HOST_LINE = /\[kb-host\] (.*)$/s;

async function runHostSuite(browser) {
  const port = await freePort();
  // The suite's scratch files (os.tmpdir() in the extension host) go with the run even if it is killed.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-e2e-host-tmp-'));
  removeOnExit(tmp);
  const server = await startCodeServer({
    env: { TMPDIR: tmp },
    smokeTestDriver: true,
    // A code-server window is a remote window: `machine`-scoped settings such as keybridge.port
    // are read from the remote machine settings once those exist (the suite's Add Pool writes them).
    machineSettings: { 'keybridge.port': port },
  });
  console.log(`code-server ${server.url} (started in ${server.startMs} ms); keybridge.port ${port}`);
  const lines = [];
  let summary;
  let shot;
  try {
    const run = await runExtensionTests(server, {
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: path.join(repoRoot, 'out', 'test', 'vscode-host', 'index.js'),
      browser,
      timeoutMs: 240_000,
      onLog: (level, text, page) => {
        const match = HOST_LINE.exec(text);
        if (!match) {
          // The extension's own errors matter; the workbench's noise does not.
          if (level === 'error' && /keybridge/i.test(text)) console.log(`   host error: ${text.split('\n')[0].slice(0, 300)}`);
          return;
        }
        const line = match[1];
        lines.push(line);
        console.log(`   host | ${line}`);
        const counts = /^kb-host: (\d+) passed, (\d+) failed/.exec(line);
        if (counts) {
          summary = { passed: Number(counts[1]), failed: Number(counts[2]) };
          shot = page.screenshot({ path: path.join(artifacts, 'host-suite-end.png') }).then(
            () => true,
            () => false,
          );
        }
      },
    });
    fs.writeFileSync(path.join(artifacts, 'host-suite.log'), `${run.output}\n`);
    for (const line of lines) {
      const test = /^(PASS|FAIL|SKIP) (.*?)(?: \(\d+ ms\))?$/.exec(line.split('\n')[0]);
      if (test && test[1] !== 'SKIP') results.push({ layer: 'host', name: test[2], ok: test[1] === 'PASS' });
    }
    check(
      'host',
      'the suite ran to the end in the extension host and exited 0',
      run.exitCode === 0 && summary && summary.failed === 0,
      `exit code ${run.exitCode}${run.error ? ` (${run.error})` : ''}; ${summary ? `${summary.passed} passed, ${summary.failed} failed` : 'no summary line'}; ${(run.durationMs / 1000).toFixed(1)} s`,
    );
    if (shot && (await shot)) console.log('   screenshot: test-results/vscode-e2e/host-suite-end.png');
    check('host', 'no request left 127.0.0.1', run.blocked.length === 0, run.blocked.length ? run.blocked.slice(0, 5).join(', ') : 'blocked list empty');
  } finally {
    const stopped = Date.now();
    const gone = await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    check(
      'host',
      'code-server and its extension host ended',
      gone && !groupAlive(server.pid),
      `process group ${server.pid} gone in ${Date.now() - stopped} ms`,
    );
  }
}

// ---------------------------------------------------------------- main

fs.mkdirSync(artifacts, { recursive: true });
let browser;
try {
  loadEnv(); // a clear message if setup.sh has not run
  const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
  const vsix = path.join(repoRoot, `keybridge-${version}.vsix`);

  await timed('compile', async () => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await runCommand(process.execPath, [tsc, '-p', 'test/vscode-host/tsconfig.json'], { timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`compiling test/vscode-host failed:\n${r.output}`);
  });
  if (!args.includes('--no-package')) {
    await timed('package', async () => {
      const r = await runCommand('npm', ['run', 'package'], { timeoutMs: 180_000 });
      if (r.code !== 0 || !fs.existsSync(vsix)) throw new Error(`npm run package failed (exit ${r.code}):\n${r.output.slice(-3000)}`);
      console.log(`   ${path.basename(vsix)}: ${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB`);
    });
  } else if ((wantUi || wantTakeover || wantConnect || wantDashboard || wantDemo) && !fs.existsSync(vsix)) {
    throw new Error(`--no-package, but ${vsix} does not exist`);
  }
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run npm run build');

  browser = await launchBrowser();
  if (wantHost) await timed('host suite', () => runHostSuite(browser));
  if (wantUi) {
    await timed('ui smoke', async () => {
      const port = await freePort();
      await runUiSmoke({ browser, vsix, port, artifacts, repoRoot, check });
    });
  }
  if (wantTakeover) {
    await timed('two windows', async () => {
      const port = await freePort();
      await runUiTakeover({ browser, vsix, port, artifacts, repoRoot, check });
    });
  }
  if (wantConnect) {
    await timed('connect agents', async () => {
      const port = await freePort();
      await runUiConnect({ browser, vsix, port, artifacts, repoRoot, check });
    });
  }
  if (wantDashboard) {
    await timed('usage dashboard', async () => {
      const port = await freePort();
      await runUiDashboard({ browser, vsix, port, artifacts, repoRoot, check });
    });
  }
  if (wantDemo) {
    await timed('simulated provider', async () => {
      const port = await freePort();
      await runUiDemo({ browser, vsix, port, artifacts, repoRoot, check });
    });
  }
  check(
    'all',
    'no browser request left 127.0.0.1 in the whole run',
    browser.blocked.length === 0,
    browser.blocked.length ? browser.blocked.slice(0, 5).join(', ') : 'blocked list empty',
  );
} catch (error) {
  check('all', `unexpected error: ${error.stack || error}`, false);
} finally {
  if (browser) await browser.close();
}

timings.total = Date.now() - t0;
console.log(
  `\ntimings: ${Object.entries(timings)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
    .join(', ')}`,
);
console.log('artifacts: test-results/vscode-e2e/ (screenshots, host-suite.log, ui code-server log)');
const failed = results.filter((r) => !r.ok);
for (const f of failed) console.log(`failed: [${f.layer}] ${f.name.split('\n')[0]}`);
console.log(`vscode e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
