// Drive a real VS Code (code-server from npm) and headless Debian Chromium.
//
// Plain ESM JavaScript for the SYSTEM Node (20.x; no build step, no
// dependency in the repo's package.json). code-server itself is run with the
// Node 24 that test/vscode-e2e/setup.sh unpacks into the cache folder; the
// paths come from <cache>/env.json, which setup.sh writes.
//
// Everything this module starts is spawned in its own process group and is
// killed as a group (SIGTERM, then SIGKILL) by stop(); groups still alive when
// this Node process exits are SIGKILLed. Only groups started here are touched.
// All traffic stays on 127.0.0.1: code-server gets EXTENSIONS_GALLERY='{}' and
// a dead loopback proxy, Chromium resolves no host but localhost/127.0.0.1 and
// every request to anywhere else is aborted (and recorded in `blocked`).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A loopback port nobody listens on (discard): proxied requests fail at once. */
export const DEAD_PROXY = 'http://127.0.0.1:9';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-breakpad',
  '--disable-crash-reporter',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  // Anything not to loopback (also literal IPs, WebSockets) goes to a dead proxy.
  `--proxy-server=${DEAD_PROXY}`,
];

/** User settings written into every fresh user-data-dir (callers can add/override). */
export const DEFAULT_SETTINGS = {
  'remote.autoForwardPorts': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolve with `promise` or `undefined` after ms, without leaving a timer behind. */
function within(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function log(...args) {
  if (process.env.KEYBRIDGE_E2E_QUIET !== '1') console.error('[vscode-e2e]', ...args);
}

// ------------------------------------------------------------------ env.json

export function cacheDir() {
  return process.env.KEYBRIDGE_E2E_CACHE || path.join(os.homedir(), '.cache', 'keybridge-e2e');
}

/** Paths of the installed tools (from <cache>/env.json). Throws a clear error if setup.sh has not run. */
export function loadEnv() {
  const file = path.join(cacheDir(), 'env.json');
  let env;
  try {
    env = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} not found: run test/vscode-e2e/setup.sh first`);
  }
  for (const key of ['node24', 'codeServerEntry', 'playwrightCore', 'chromium']) {
    if (!fs.existsSync(env[key])) throw new Error(`${key} missing at ${env[key]}: run test/vscode-e2e/setup.sh`);
  }
  return env;
}

let playwright;
/** playwright-core from the cache (never downloads a browser). */
export function loadPlaywright() {
  if (!playwright) {
    process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
    playwright = require(loadEnv().playwrightCore);
  }
  return playwright;
}

// ------------------------------------------------------------------ process groups

const liveGroups = new Set();
const tempDirs = new Set();
let handlersInstalled = false;

/** Remove `dir` (synchronously) if this process exits before it is removed otherwise. */
export function removeOnExit(dir) {
  installExitHandlers();
  tempDirs.add(dir);
}

function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const dir of tempDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
      } catch {
        /* best effort */
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      for (const pgid of liveGroups) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      process.exit(128 + (os.constants.signals[sig] || 1));
    });
  }
}

/** True while any process of group `pgid` exists. */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Kill a process group this module started: SIGTERM, wait up to graceMs,
 * then SIGKILL and wait up to 2 s more. Resolves true when the group is gone.
 */
export async function killGroup(pgid, { graceMs = 3000 } = {}) {
  if (!liveGroups.has(pgid)) throw new Error(`refusing to kill process group ${pgid}: not started here`);
  const waitGone = async (ms) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!groupAlive(pgid)) return true;
      await sleep(50);
    }
    return !groupAlive(pgid);
  };
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  let gone = await waitGone(graceMs);
  if (!gone) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
    gone = await waitGone(2000);
  }
  liveGroups.delete(pgid);
  return gone;
}

/** spawn() in a new process group, tracked for cleanup. */
function spawnGroup(cmd, args, options) {
  installExitHandlers();
  const child = spawn(cmd, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) liveGroups.add(child.pid);
  return child;
}

/** Run a command in its own group with a hard time limit; resolves {code, output}. */
async function runBounded(cmd, args, { env, cwd, timeoutMs }) {
  const child = spawnGroup(cmd, args, { env, cwd });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let timer;
  const code = await Promise.race([
    new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
    }),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  await killGroup(child.pid, { graceMs: 1000 });
  if (code === 'timeout') throw new Error(`${path.basename(cmd)} ${args.join(' ')} timed out after ${timeoutMs} ms\n${output}`);
  return { code, output };
}

// ------------------------------------------------------------------ code-server

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Nothing from an enclosing VS Code, npm run or Node debugging session.
    if (/^(VSCODE_|ELECTRON_|npm_)/i.test(k) || k === 'NODE_OPTIONS' || k === 'NODE_PATH') continue;
    env[k] = v;
  }
  return Object.assign(env, extra);
}

function httpGet(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

function remoteUri(authority, absPath) {
  return `vscode-remote://${authority}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/**
 * Start code-server on 127.0.0.1 with a random port and fresh dirs.
 *
 * options:
 *   workspace        folder to open (default: an empty <root>/workspace)
 *   smokeTestDriver  pass --vscode-option enable-smoke-test-driver (needed by runExtensionTests)
 *   settings         extra user settings (merged over DEFAULT_SETTINGS)
 *   machineSettings  remote machine settings (<user-data-dir>/Machine/settings.json). A code-server
 *                    window is a remote window: once that file exists, settings of `machine` scope
 *                    are read from it only (a user-settings value is dropped), so put them here
 *   vsix             VSIX file(s) to install before the server starts
 *   root             folder for all state (default: a new mkdtemp in os.tmpdir())
 *   isolateHome      HOME=<root>/home (default true)
 *   env              extra environment variables for code-server and its extension hosts
 *   args             extra code-server arguments
 *   startTimeoutMs   time limit to see the "listening" line (default 30 s)
 *   maxLifetimeMs    watchdog: the whole group is killed after this (default 15 min)
 *   keepRoot         do not delete root in stop() (default false)
 *
 * Returns a server object: { url, port, authority, root, userDataDir, extensionsDir,
 * workspace, logFile, pid, startMs, output(), workbenchUrl(opts), remoteUri(absPath),
 * installVsix(file), stop() }.
 */
export async function startCodeServer(options = {}) {
  const tools = loadEnv();
  const t0 = Date.now();
  const root = options.root ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'kb-e2e-')));
  if (!options.root && !options.keepRoot) removeOnExit(root);
  const dirs = {
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    home: path.join(root, 'home'),
    config: path.join(root, 'xdg-config'),
    data: path.join(root, 'xdg-data'),
    cache: path.join(root, 'xdg-cache'),
    state: path.join(root, 'xdg-state'),
    runtime: path.join(root, 'xdg-runtime'),
  };
  for (const d of Object.values(dirs)) await fsp.mkdir(d, { recursive: true, mode: 0o700 });
  const workspace = options.workspace ?? path.join(root, 'workspace');
  await fsp.mkdir(workspace, { recursive: true });
  await fsp.mkdir(path.join(dirs.userDataDir, 'User'), { recursive: true });
  await fsp.writeFile(path.join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...(options.settings ?? {}) }, null, 2));
  if (options.machineSettings) {
    await fsp.mkdir(path.join(dirs.userDataDir, 'Machine'), { recursive: true });
    await fsp.writeFile(path.join(dirs.userDataDir, 'Machine', 'settings.json'), JSON.stringify(options.machineSettings, null, 2));
  }

  const env = cleanEnv({
    PATH: `${path.dirname(tools.node24)}:${process.env.PATH}`,
    ...(options.isolateHome === false ? {} : { HOME: dirs.home }),
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    XDG_RUNTIME_DIR: dirs.runtime,
    EXTENSIONS_GALLERY: '{}',
    http_proxy: DEAD_PROXY,
    https_proxy: DEAD_PROXY,
    HTTP_PROXY: DEAD_PROXY,
    HTTPS_PROXY: DEAD_PROXY,
    no_proxy: '127.0.0.1,localhost,::1',
    NO_PROXY: '127.0.0.1,localhost,::1',
    ...(options.env ?? {}),
  });
  const common = ['--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir];

  const server = {
    root,
    workspace,
    ...dirs,
    logFile: path.join(root, 'code-server.log'),
    smokeTestDriver: !!options.smokeTestDriver,
    env,
    tools,
  };
  server.installVsix = (file, opts) => installVsix(server, file, opts);

  for (const vsix of [].concat(options.vsix ?? [])) await server.installVsix(vsix);

  const args = [
    tools.codeServerEntry,
    '--auth',
    'none',
    '--bind-addr',
    '127.0.0.1:0',
    ...common,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--reconnection-grace-time',
    '5',
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(options.args ?? []),
    workspace,
  ];
  const child = spawnGroup(tools.node24, args, { env, cwd: root });
  server.pid = child.pid;
  const logStream = fs.createWriteStream(server.logFile);
  let output = '';
  const onData = (d) => {
    output += d;
    logStream.write(d);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  server.output = () => output;
  let exited = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });

  const watchdog = setTimeout(
    () => {
      log(`code-server ${child.pid} reached maxLifetimeMs; killing its group`);
      killGroup(child.pid, { graceMs: 500 }).catch(() => {});
    },
    options.maxLifetimeMs ?? 15 * 60_000,
  );
  watchdog.unref();

  let stopped = false;
  server.stop = async ({ keepRoot = options.keepRoot ?? false } = {}) => {
    if (stopped) return true;
    stopped = true;
    clearTimeout(watchdog);
    if (keepRoot) tempDirs.delete(root);
    const gone = liveGroups.has(child.pid) ? await killGroup(child.pid) : !groupAlive(child.pid);
    await new Promise((r) => logStream.end(r));
    if (!keepRoot) await fsp.rm(root, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    return gone;
  };

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let match;
  while (!(match = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+))\/?/.exec(output))) {
    if (exited || Date.now() > deadline) {
      await server.stop({ keepRoot: true });
      throw new Error(
        `code-server did not start (${exited ? `exited ${JSON.stringify(exited)}` : `no "listening" line in ${timeoutMs} ms`}); log ${server.logFile}:\n${output}`,
      );
    }
    await sleep(25);
  }
  server.port = Number(match[2]);
  server.url = `${match[1]}/`;
  // The remote authority the workbench uses for vscode-remote:// URIs.
  const page = await httpGet(server.url);
  const auth = /remoteAuthority&quot;:&quot;([^&]+)&quot;/.exec(page.body) ?? /"remoteAuthority":"([^"]+)"/.exec(page.body);
  server.authority = auth ? auth[1] : `127.0.0.1:${server.port}`;
  server.startMs = Date.now() - t0;
  server.remoteUri = (absPath) => remoteUri(server.authority, absPath);
  server.workbenchUrl = ({ folder = workspace, payload } = {}) => {
    const q = new URLSearchParams();
    if (folder) q.set('folder', folder);
    if (payload) q.set('payload', JSON.stringify(payload));
    return `${server.url}?${q}`;
  };
  return server;
}

/**
 * Install a VSIX into the server's extensions dir (code-server --install-extension).
 * Works before or after start; a running server shows it in windows opened afterwards.
 */
export async function installVsix(server, vsixPath, { timeoutMs = 60_000 } = {}) {
  const t0 = Date.now();
  const { code, output } = await runBounded(
    server.tools.node24,
    [
      server.tools.codeServerEntry,
      '--user-data-dir',
      server.userDataDir,
      '--extensions-dir',
      server.extensionsDir,
      '--install-extension',
      path.resolve(vsixPath),
      '--force',
    ],
    { env: server.env, cwd: server.root, timeoutMs },
  );
  if (code !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${vsixPath} failed (exit ${code}):\n${output}`);
  }
  return { ms: Date.now() - t0, output };
}

// ------------------------------------------------------------------ Chromium

function isLocalUrl(raw) {
  let u;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/**
 * Launch headless Debian Chromium via playwright-core.
 *
 * options:
 *   userDataDir  reuse a browser profile (launchPersistentContext); default: a fresh temporary one
 *   viewport     default {width: 1440, height: 900}
 *   timeoutMs    launch time limit (default 30 s)
 *   args         extra Chromium flags
 *
 * Returns { browser, context, blocked, newPage(), close() }; `blocked` lists every
 * URL that was refused because it was not to 127.0.0.1/localhost.
 */
export async function launchBrowser(options = {}) {
  const { chromium } = loadPlaywright();
  const tools = loadEnv();
  const viewport = options.viewport ?? { width: 1440, height: 900 };
  // Chromium writes crash-report and config folders under XDG dirs / HOME even
  // with its own --user-data-dir: keep them in a temp folder, removed in close().
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'kb-e2e-chromium-'));
  removeOnExit(scratch);
  const launchOpts = {
    executablePath: tools.chromium,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
    timeout: options.timeoutMs ?? 30_000,
    env: cleanEnv({
      HOME: scratch,
      XDG_CONFIG_HOME: path.join(scratch, 'config'),
      XDG_CACHE_HOME: path.join(scratch, 'cache'),
    }),
  };
  let browser = null;
  let context;
  try {
    if (options.userDataDir) {
      context = await chromium.launchPersistentContext(options.userDataDir, { ...launchOpts, viewport });
    } else {
      browser = await chromium.launch(launchOpts);
      context = await browser.newContext({ viewport });
    }
  } catch (e) {
    await fsp.rm(scratch, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  const blocked = [];
  await context.route(
    (url) => !isLocalUrl(url.href),
    (route) => {
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  // WebSockets are NOT routed through Playwright: context.routeWebSocket() wraps
  // every page WebSocket in a mock and (seen here) intermittently corrupted the
  // workbench's extension-host channel ("Expected double-quoted property name in
  // JSON"). Non-loopback WebSockets fail instead on the host-resolver rules and
  // the dead --proxy-server (loopback bypasses the proxy implicitly).
  let closed = false;
  return {
    browser,
    context,
    blocked,
    newPage: () => context.newPage(),
    close: async ({ timeoutMs = 10_000 } = {}) => {
      if (closed) return;
      closed = true;
      const closing = (browser ?? context).close().catch(() => {});
      await within(closing, timeoutMs);
      await fsp.rm(scratch, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    },
  };
}

// ------------------------------------------------------------------ workbench

/** Wait until the workbench shell is up (activity bar and status bar rendered). */
export async function waitForWorkbench(page, { timeoutMs = 60_000 } = {}) {
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: timeoutMs });
}

/**
 * Open the workbench of `server` in a new page of `browserHandle` (from launchBrowser)
 * and wait for it. Returns { page, loadMs, console } (console: collected page console lines).
 */
export async function openWorkbench(server, browserHandle, { folder, payload, timeoutMs = 60_000 } = {}) {
  const t0 = Date.now();
  const page = await browserHandle.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.goto(server.workbenchUrl({ folder, payload }), { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await waitForWorkbench(page, { timeoutMs: Math.max(1000, timeoutMs - (Date.now() - t0)) });
  return { page, loadMs: Date.now() - t0, console: consoleLines };
}

/**
 * Click an activity-bar item whose accessible label contains `label`
 * (e.g. the title of the extension's viewsContainers entry) and wait for its view pane.
 */
export async function openActivityBarView(page, label, { timeoutMs = 30_000 } = {}) {
  const item = page.locator(`.part.activitybar .action-item a.action-label[aria-label*="${label}"]`).first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  await item.click();
  await page.waitForSelector('.part.sidebar .pane-body', { timeout: timeoutMs });
}

/**
 * Run an extension-host test suite (the @vscode/test-electron contract: a module
 * exporting `run(): Promise<void>`) in the real extension host of a new window.
 * The server must have been started with { smokeTestDriver: true }.
 *
 * options:
 *   extensionDevelopmentPath  absolute folder of the extension under test
 *   extensionTestsPath        absolute path of the compiled test index (.js)
 *   folder                    workspace folder for the window (default: server.workspace)
 *   browser                   a launchBrowser() handle to reuse (default: launches and closes one)
 *   timeoutMs                 hard limit for the whole run (default 180 s)
 *   onLog(level, text, page)  called for each log line as it arrives (default: print to stderr);
 *                             `page` is the workbench page (e.g. for a screenshot when the suite reports its end)
 *
 * Resolves { exitCode, timedOut, error, durationMs, logs: [{level, text}], output, blocked }.
 * exitCode is the value passed to codeAutomationExit (0 = pass), or null when the
 * run timed out or the extension host failed to start (error says which).
 */
export async function runExtensionTests(server, options) {
  if (!server.smokeTestDriver) throw new Error('runExtensionTests needs startCodeServer({ smokeTestDriver: true })');
  const { extensionDevelopmentPath, extensionTestsPath } = options;
  for (const p of [extensionDevelopmentPath, extensionTestsPath]) {
    if (!p || !path.isAbsolute(p)) throw new Error(`absolute path required, got ${p}`);
  }
  const timeoutMs = options.timeoutMs ?? 180_000;
  const onLog = options.onLog ?? ((level, text) => process.stderr.write(`  [ext-host ${level}] ${text}\n`));
  const t0 = Date.now();
  const ownBrowser = !options.browser;
  const b = options.browser ?? (await launchBrowser());
  const logs = [];
  let page;
  let timer;
  try {
    page = await b.newPage();
    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    const fmt = (a) => (typeof a === 'string' ? a : JSON.stringify(a));
    await page.exposeFunction('codeAutomationLog', (level, args) => {
      const text = Array.isArray(args) ? args.map(fmt).join(' ') : fmt(args);
      logs.push({ level, text });
      onLog(level, text, page);
      // The workbench gives up on a broken extension host but never calls
      // codeAutomationExit then: end the run now instead of at the time limit.
      if (/Error received from starting extension host/.test(text)) resolveExit('exthost-failed');
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
    const payload = [
      ['extensionDevelopmentPath', server.remoteUri(extensionDevelopmentPath)],
      ['extensionTestsPath', server.remoteUri(extensionTestsPath)],
    ];
    const timedOut = new Promise((r) => {
      timer = setTimeout(() => r('timeout'), timeoutMs);
    });
    await Promise.race([
      page.goto(server.workbenchUrl({ folder: options.folder ?? server.workspace, payload }), {
        waitUntil: 'domcontentloaded',
        timeout: timeoutMs,
      }),
      timedOut,
    ]);
    const code = await Promise.race([exited, timedOut]);
    return {
      exitCode: typeof code === 'number' ? code : null,
      timedOut: code === 'timeout',
      error: typeof code === 'number' ? null : code === 'timeout' ? `no codeAutomationExit within ${timeoutMs} ms` : 'the extension host failed to start',
      durationMs: Date.now() - t0,
      logs,
      output: logs.map((l) => l.text).join('\n'),
      blocked: [...b.blocked],
    };
  } finally {
    clearTimeout(timer);
    if (page)
      await within(
        page.close().catch(() => {}),
        5000,
      );
    if (ownBrowser) await b.close();
  }
}
