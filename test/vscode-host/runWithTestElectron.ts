// `npm run test:vscode`: the same extension-host suite in desktop VS Code through @vscode/test-electron,
// for machines that can download VS Code (or have one: KEYBRIDGE_VSCODE_EXECUTABLE=/path/to/code).
// Where Microsoft's update host cannot be reached (our CI machines) it fails within seconds with a
// message saying so, instead of hanging; `npm run test:e2e` runs the suite in code-server there.
//
// Desktop Linux needs a display (xvfb-run) for Electron. The window gets a fresh user-data-dir whose
// settings pick a free keybridge.port, so the suite never touches a bridge of the user's.
import { lookup } from 'node:dns/promises';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const UPDATE_HOST = 'update.code.visualstudio.com';
const DEFAULT_PORT = 17381;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        if (port === DEFAULT_PORT || port === 0) freePort().then(done, fail);
        else done(port);
      });
    });
  });
}

/** Rejects after `ms` with `message`; the timer does not keep Node alive. */
function deadline(ms: number, message: string): Promise<never> {
  return new Promise((_, fail) => setTimeout(() => fail(new Error(message)), ms).unref());
}

async function vscodeExecutable(): Promise<string> {
  const given = process.env.KEYBRIDGE_VSCODE_EXECUTABLE;
  if (given) return given;
  const offline = `desktop VS Code cannot be downloaded here: ${UPDATE_HOST} is not reachable (offline, or only the npm registry is allowed). Set KEYBRIDGE_VSCODE_EXECUTABLE to an installed VS Code, or run the same suite in code-server: bash test/vscode-e2e/setup.sh && npm run test:e2e`;
  try {
    await Promise.race([lookup(UPDATE_HOST), deadline(5_000, 'DNS lookup timed out')]);
  } catch (error) {
    throw new Error(`${offline} (${(error as Error).message})`);
  }
  const version = process.env.KEYBRIDGE_VSCODE_VERSION ?? 'stable';
  try {
    return await Promise.race([downloadAndUnzipVSCode({ version, timeout: 15_000 }), deadline(300_000, 'the download took over 5 minutes')]);
  } catch (error) {
    throw new Error(`${offline} (${(error as Error).message})`);
  }
}

async function main(): Promise<number> {
  const repoRoot = resolve(__dirname, '..', '..', '..');
  const scratch = mkdtempSync(join(tmpdir(), 'kb-test-electron-'));
  try {
    const executable = await vscodeExecutable();
    const port = await freePort();
    const userData = join(scratch, 'user-data');
    const workspace = join(scratch, 'workspace');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(workspace, { recursive: true });
    writeFileSync(
      join(userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          'keybridge.port': port,
          'security.workspace.trust.enabled': false,
          'telemetry.telemetryLevel': 'off',
          'update.mode': 'none',
          'extensions.autoCheckUpdates': false,
        },
        null,
        2,
      ),
    );
    console.log(`test:vscode: ${executable}, keybridge.port ${port}`);
    const code = await Promise.race([
      runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: join(__dirname, 'index.js'),
        launchArgs: [
          workspace,
          '--user-data-dir',
          userData,
          '--extensions-dir',
          join(scratch, 'extensions'),
          '--disable-extensions',
          '--disable-workspace-trust',
          '--password-store=basic',
          '--skip-welcome',
          '--skip-release-notes',
        ],
      }),
      deadline(Number(process.env.KEYBRIDGE_VSCODE_TIMEOUT_S ?? 300) * 1000, 'the suite did not finish in time'),
    ]);
    return code;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    console.log(`test:vscode: ${code === 0 ? 'passed' : `failed (exit code ${code})`}`);
    process.exit(code);
  },
  (error: unknown) => {
    console.error(`test:vscode: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
