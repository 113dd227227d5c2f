// Guards what `keybridge check` and `serve` say about a file that is valid but not what was meant: a misspelt
// field inside a pool, a key, a route, a target or `defaults` was dropped without a word (a misspelt `model` on a
// fallback target sends the client's model), and an Anthropic base URL ending in /v1 sent every request to
// /v1/v1/messages for a bare 404. Both are named now, and the file still starts. A base URL holding a password
// is refused, without quoting it: it would have been shown in the status API, and the bridge never sends it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cliProcess';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('config notices of keybridge check', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'keybridge-notices-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function check(config: unknown): Promise<Run> {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(config));
    const run = runCli(['check', '--config', file], { CN_KEY: 'sk-' + 'config-notice-test-key' });
    const code = await run.exited;
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  }

  const openai = { id: 'oa', protocol: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keys: [{ id: 'k', env: 'CN_KEY' }] };
  const anthropic = { id: 'an', protocol: 'anthropic', baseUrl: 'http://127.0.0.1:9', keys: [{ id: 'k', env: 'CN_KEY' }] };

  it('says nothing about a file that means what it says', async () => {
    const run = await check({ pools: [openai, anthropic], routes: [{ protocol: 'openai', match: 'gpt*', targets: [{ pool: 'oa', model: 'x' }] }] });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /is valid \(2 pool\(s\)\)/);
    assert.equal(run.stderr, '');
  });

  it('names each misspelt field inside pools, keys, routes, targets and defaults, and still accepts the file', async () => {
    const run = await check({
      pools: [{ ...openai, stratgy: 'round-robin', keys: [{ id: 'k', env: 'CN_KEY', wieght: 2 }] }],
      routes: [{ protocol: 'openai', match: 'gpt*', targets: [{ pool: 'oa', modle: 'other' }], continueOnCutt: true }],
      defaults: { openia: 'oa' },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /is valid/);
    const notices = run.stderr.trim().split('\n');
    assert.deepEqual(
      notices.map((line) => /^keybridge: notice: (\S+): not a field of a (\w+), ignored; known: /.exec(line)?.slice(1)),
      [
        ['pools[0]."stratgy"', 'pool'],
        ['pools[0].keys[0]."wieght"', 'key'],
        ['routes[0]."continueOnCutt"', 'route'],
        ['routes[0].targets[0]."modle"', 'target'],
        ['defaults."openia"', 'defaults'],
      ],
      run.stderr,
    );
    assert.match(notices[3], /known: pool, model$/, 'the target notice lists what a target knows');
    assert.match(notices[0], /known: .*\bstrategy\b/);
  });

  it('says where an Anthropic base URL ending in /v1 would send requests', async () => {
    const run = await check({ pools: [{ ...anthropic, baseUrl: 'http://127.0.0.1:9/v1/' }] });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^keybridge: notice: pools\[0\]\.baseUrl: ends in \/v1, which Anthropic paths start with: requests would go to http:\/\/127\.0\.0\.1:9\/v1\/v1\/messages; give the server root\n$/,
    );
    const gemini = await check({ pools: [{ ...anthropic, id: 'ge', protocol: 'gemini', baseUrl: 'http://127.0.0.1:9/v1beta' }] });
    assert.match(
      gemini.stderr,
      /pools\[0\]\.baseUrl: ends in \/v1beta, which Gemini paths start with: requests would go to http:\/\/127\.0\.0\.1:9\/v1beta\/v1beta\/models\//,
    );
    const openaiV1 = await check({ pools: [openai] });
    assert.equal(openaiV1.stderr, '', 'an OpenAI-compatible base URL ends in /v1 as its SDK takes it');
  });

  it('refuses a base URL holding a user name and password, without quoting them', async () => {
    const password = 'pw-' + 'do-not-print-4711';
    const run = await check({ pools: [{ ...openai, baseUrl: `https://user:${password}@127.0.0.1:9/v1` }] });
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.stderr, /pools\[0\]\.baseUrl: must not hold a user name or password \(user:password@\)/);
    assert.ok(!(run.stdout + run.stderr).includes(password), 'the password is quoted');
    const plain = await check({ pools: [{ ...openai, baseUrl: 'not a url' }] });
    assert.match(plain.stderr, /pools\[0\]\.baseUrl: must be an absolute http\(s\) URL/);
  });
});
