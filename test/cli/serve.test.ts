// Guards the headless bridge as users run it: `keybridge serve --config FILE` prints its URL, serves and logs
// one line per request without secrets, refuses bad configs naming the field (exit 2), and shuts down
// cleanly on SIGTERM with in-flight requests finished or aborted upstream.
import assert from 'node:assert/strict';
import { runCli, type CliRun } from './cliProcess';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprintSecret } from '../../src/core/secrets';
import { knobRange, TUNING_KNOB_NAMES, TUNING_KNOBS } from '../../src/core/configSchema';
import { startFakeProvider, type FakeProvider } from '../fakeProvider/fakeProvider';

const TOKEN = 'kb-cli-test-token';

type Run = CliRun;
const run = runCli;

async function waitForUrl(r: Run): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    // The URL comes first, the base-URL lines after it, possibly in a later chunk: wait for both.
    const match = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(r.stdout());
    if (match && /Anthropic base URL/.test(r.stdout())) return match[1];
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no URL printed; stdout: ${r.stdout()} stderr: ${r.stderr()}`);
}

describe('keybridge CLI', () => {
  let provider: FakeProvider;
  let dir: string;
  const running: Run[] = [];
  before(async () => {
    provider = await startFakeProvider({ streamEvents: 40, eventGapMs: 25 });
    dir = mkdtempSync(join(tmpdir(), 'keybridge-cli-'));
  });
  after(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => provider.reset());

  const writeConfig = (config: unknown): string => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(config));
    return path;
  };
  const goodConfig = () => ({
    port: 0,
    pools: [
      {
        id: 'oa',
        protocol: 'openai',
        baseUrl: provider.openaiBaseUrl,
        keys: [
          { id: 'work', env: 'CLI_OA_KEY_1' },
          { id: 'home', env: 'CLI_OA_KEY_2' },
        ],
      },
      { id: 'an', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl, strategy: 'round-robin', keys: [{ env: 'CLI_AN_KEY_1' }] },
    ],
  });
  const env = { CLI_OA_KEY_1: 'cli-oa-secret-1', CLI_OA_KEY_2: 'cli-oa-secret-2', CLI_AN_KEY_1: 'cli-an-secret-1', KEYBRIDGE_TOKEN: TOKEN };

  it('documents every option and the config format in --help', async () => {
    const r = run(['--help']);
    assert.equal(await r.exited, 0);
    for (const word of [
      'serve',
      '--config',
      '--port',
      '--state',
      '--quiet',
      '--version',
      'KEYBRIDGE_TOKEN',
      'KEYBRIDGE_ADMIN_TOKEN',
      '"pools"',
      '"routes"',
      '"defaults"',
      '"tuning"',
      '"stateFile"',
      '"env"',
      '"strategy"',
      '"sharedLimits"',
      '"deadlines"',
      '"continueOnCut"',
      '"preset"',
      '"dialect"',
      '"breakerFailureRate"',
      '"nonStreamTimeoutMs"',
      '--series',
      'Exit codes',
    ]) {
      assert.ok(r.stdout().includes(word), `--help mentions ${word}`);
    }
  });

  it('lists every tuning knob in --help with its default, range and meaning', async () => {
    const r = run(['--help']);
    assert.equal(await r.exited, 0);
    const help = r.stdout().replace(/\s+/g, ' ');
    for (const name of TUNING_KNOB_NAMES) {
      assert.ok(help.includes(`"${name}": ${TUNING_KNOBS[name].default} (${knobRange(name)})`), `--help gives ${name}'s default and range`);
      assert.ok(help.includes(TUNING_KNOBS[name].meaning), `--help says what ${name} means`);
    }
  });

  it('refuses bad configs with exit code 2 and a message naming the field', async function () {
    // Fifteen CLI processes one after another: each Node start takes 0.3 s here, and over a second on a loaded machine.
    this.timeout(60_000);
    const cases: [unknown, Record<string, string>, RegExp][] = [
      [
        goodConfig(),
        {},
        /pools\[0\]\.keys\[0\]\.env: 3 key variables hold nothing: CLI_OA_KEY_1 is not set \(pools\[0\]\.keys\[0\]\.env\), CLI_OA_KEY_2 is not set \(pools\[0\]\.keys\[1\]\.env\), CLI_AN_KEY_1 is not set \(pools\[1\]\.keys\[0\]\.env\)$/m,
      ],
      [goodConfig(), { ...env, CLI_OA_KEY_2: '  ' }, /pools\[0\]\.keys\[1\]\.env: environment variable CLI_OA_KEY_2 is empty$/m],
      [
        { ...goodConfig(), pools: [{ ...goodConfig().pools[0], keys: [{ id: 'x', secret: 'sk-inline' }] }] },
        env,
        /pools\[0\]\.keys\[0\]\.secret: keys are never written in the config file/,
      ],
      [{ ...goodConfig(), pools: [{ ...goodConfig().pools[0], protocol: 'grpc' }] }, env, /pools\[0\]\.protocol: must be "openai", "anthropic" or "gemini"/],
      [
        { ...goodConfig(), routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'missing' }] }] },
        env,
        /routes\[0\]\.targets\[0\]\.pool: no pool with id "missing"/,
      ],
      [{ ...goodConfig(), port: 'x' }, env, /port: must be an integer/],
      [{ ...goodConfig(), pools: [{ ...goodConfig().pools[0], sharedLimits: 'yes' }] }, env, /pools\[0\]\.sharedLimits: must be true or false/],
      [{ ...goodConfig(), tuning: { maxAttempts: 0 } }, env, /tuning\.maxAttempts: must be a whole number ≥ 1/],
      [{ ...goodConfig(), tuning: { idleTimeoutMs: 0 } }, env, /tuning\.idleTimeoutMs: must be a number ≥ 1/],
      [{ ...goodConfig(), tuning: { breakerFailureRate: 5 } }, env, /tuning\.breakerFailureRate: must be a number from 0\.01 to 1/],
      [
        { ...goodConfig(), pools: [{ ...goodConfig().pools[0], deadlines: { firstEventTimeoutMs: 0 } }] },
        env,
        /pools\[0\]\.deadlines\.firstEventTimeoutMs: must be a number of milliseconds/,
      ],
      [
        { ...goodConfig(), routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'oa' }], deadlines: { firstTokenMs: 5 } }] },
        env,
        /routes\[0\]\.deadlines\.firstTokenMs: unknown deadline/,
      ],
      [
        { ...goodConfig(), routes: [{ protocol: 'openai', match: '*', targets: [{ pool: 'oa' }], continueOnCut: 1 }] },
        env,
        /routes\[0\]\.continueOnCut: must be true or false/,
      ],
    ];
    for (const [config, e, pattern] of cases) {
      const r = run(['serve', '--config', writeConfig(config)], e);
      assert.equal(await r.exited, 2, r.stderr());
      assert.match(r.stderr(), pattern);
      assert.ok(!r.stderr().includes('sk-inline'));
    }
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"pools": [');
    const r = run(['serve', '--config', badJson], env);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr(), /is not valid JSON/);
    const usage = run(['serve', '--port', 'abc', '--config', badJson]);
    assert.equal(await usage.exited, 2);
    assert.match(usage.stderr(), /--port must be an integer/);
  });

  it('serves, logs one line per request without secrets, and stops cleanly on SIGTERM', async () => {
    const r = run(['serve', '--config', writeConfig(goodConfig())], env);
    running.push(r);
    const url = await waitForUrl(r);
    assert.match(r.stdout(), /OpenAI base URL http:\/\/127\.0\.0\.1:\d+\/openai\/v1\n/);
    assert.match(r.stdout(), /Anthropic base URL http:\/\/127\.0\.0\.1:\d+\/anthropic\n/);
    assert.match(r.stdout(), /Gemini base URL http:\/\/127\.0\.0\.1:\d+\/gemini \(not served: no pool or route takes Gemini requests\)\n/);
    provider.fault('cli-oa-secret-1', { kind: 'rateLimit', headers: { 'retry-after': '30' } });
    const res = await fetch(`${url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    await res.text();
    const deadline = Date.now() + 2_000;
    while (!/POST \/openai\/v1\/chat\/completions 200/.test(r.stdout()) && Date.now() < deadline) await new Promise((x) => setTimeout(x, 20));
    assert.match(r.stdout(), /POST \/openai\/v1\/chat\/completions 200 ok pool=oa key=cli-…et-2 fp=[0-9a-f]{8} attempts=2 ms=\d+/);

    // A slow stream is in flight when SIGTERM arrives: it finishes within the grace period.
    const streaming = fetch(`${url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-test', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((x) => x.text());
    await provider.waitFor((e) => e.endpoint === 'messages' && e.eventsSent > 0, 3_000);
    r.child.kill('SIGTERM');
    const body = await streaming;
    assert.match(body, /message_stop/, 'the in-flight stream was finished, not cut');
    assert.equal(await r.exited, 0);
    assert.match(r.stdout(), /SIGTERM, shutting down \(1 request\(s\) in flight\)/);
    assert.match(r.stdout(), /stopped/);
    for (const secret of Object.values(env)) {
      if (secret === TOKEN) continue;
      assert.ok(!r.stdout().includes(secret) && !r.stderr().includes(secret), 'no key in CLI output');
    }
    assert.ok(!r.stdout().includes(TOKEN), 'a token from the environment is never printed');
  });

  it('writes the key state when a stop signal comes the moment the URL is printed', async () => {
    // A supervisor may stop the bridge as soon as it reads the URL. The signal is raised from inside the process as
    // the URL line is written, the earliest any supervisor could send it: with no handler installed yet, its default
    // action kills the bridge before the state it loaded (scrubbed of a quoted key) is written back.
    const stateFile = join(dir, 'signal-state.json');
    const savedAt = Date.now();
    const quoted = { state: 'invalid', reason: `HTTP 401 for ${env.CLI_OA_KEY_1}`, retestAt: savedAt + 3_600_000 };
    writeFileSync(stateFile, JSON.stringify({ version: 1, savedAt, keys: { [fingerprintSecret(env.CLI_OA_KEY_1)]: quoted } }));
    const preload = join(dir, 'stop-at-url.js');
    writeFileSync(
      preload,
      `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const written = write(chunk, ...rest);
  if (/^http:\\/\\/127\\.0\\.0\\.1:\\d+$/m.test(String(chunk))) process.kill(process.pid, 'SIGTERM');
  return written;
};
`,
    );
    const r = run(['serve', '--config', writeConfig({ ...goodConfig(), stateFile })], env, ['--require', preload]);
    running.push(r);
    assert.equal(await r.exited, 0, `exit code; stdout: ${r.stdout()} stderr: ${r.stderr()}`);
    assert.match(r.stdout(), /SIGTERM, shutting down/);
    const state = readFileSync(stateFile, 'utf8');
    assert.match(state, /"invalid"/, 'the key health is kept');
    assert.ok(!state.includes(env.CLI_OA_KEY_1), 'the quoted key is gone from the state file');
  });

  it('shuts down in order, the key state written, when whoever read its output has gone', async () => {
    // `keybridge serve | head -1`, or a supervisor whose log collector died: every later line meets a closed pipe.
    const stateFile = join(dir, 'gone-reader-state.json');
    const savedAt = Date.now();
    const quoted = { state: 'invalid', reason: `HTTP 401 for ${env.CLI_OA_KEY_1}`, retestAt: savedAt + 3_600_000 };
    writeFileSync(stateFile, JSON.stringify({ version: 1, savedAt, keys: { [fingerprintSecret(env.CLI_OA_KEY_1)]: quoted } }));
    const r = run(['serve', '--config', writeConfig({ ...goodConfig(), stateFile })], env);
    running.push(r);
    await waitForUrl(r);
    r.child.stdout?.destroy();
    r.child.stderr?.destroy();
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0, 'a clean exit, not a crash on the closed pipe');
    const state = readFileSync(stateFile, 'utf8');
    assert.match(state, /"invalid"/, 'the key health is kept');
    assert.ok(!state.includes(env.CLI_OA_KEY_1), 'the state was written at shutdown (the quoted key scrubbed)');
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    try {
      const r = run(['serve', '--config', writeConfig(goodConfig()), '--port', String(port)], env);
      assert.equal(await r.exited, 1);
      assert.match(r.stderr(), /the port is in use/);
    } finally {
      blocker.close();
    }
  });
});
