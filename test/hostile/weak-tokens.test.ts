// Guards the headless bridge against weak tokens: a one-character local token was accepted, and the local
// token could equal the admin token (so every agent holding it could read and change key state). The CLI
// refuses either token under 16 characters and identical tokens, with a message naming the variable and
// never the token, and exit code 2; a 16-character pair that differs is accepted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve(__dirname, '../../../dist/cli.js');

function check(config: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, 'check', '--config', config], {
      env: { PATH: process.env.PATH ?? '', WT_KEY: 'sk-' + 'weak-token-test-key', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('weak tokens', function () {
  this.timeout(20_000);
  let dir: string;
  let config: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keybridge-tokens-'));
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ port: 0, pools: [{ id: 'oa', protocol: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keys: [{ id: 'k', env: 'WT_KEY' }] }] }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string, Record<string, string>, RegExp][] = [
    ['a one-character local token', { KEYBRIDGE_TOKEN: 'x' }, /KEYBRIDGE_TOKEN: the local access token is 1 character\(s\); use at least 16/],
    ['a 15-character local token', { KEYBRIDGE_TOKEN: 'kb-0123456789ab' }, /KEYBRIDGE_TOKEN: the local access token is 15 character/],
    [
      'a short admin token',
      { KEYBRIDGE_TOKEN: 'kb-0123456789abcdef', KEYBRIDGE_ADMIN_TOKEN: 'zq7w9' },
      /KEYBRIDGE_ADMIN_TOKEN: the admin token is 5 character/,
    ],
    [
      'an admin token equal to the local token',
      { KEYBRIDGE_TOKEN: 'kb-0123456789abcdef', KEYBRIDGE_ADMIN_TOKEN: 'kb-0123456789abcdef' },
      /KEYBRIDGE_ADMIN_TOKEN: the admin token must differ from the local access token/,
    ],
  ];
  for (const [name, env, message] of cases) {
    it(`refuses ${name} with exit code 2`, async () => {
      const run = await check(config, env);
      assert.equal(run.code, 2, run.stdout + run.stderr);
      assert.match(run.stderr, message);
      for (const token of Object.values(env)) if (token.length > 1) assert.ok(!run.stderr.includes(token), 'the message quotes the token');
    });
  }

  it('accepts two different tokens of 16 characters', async () => {
    const run = await check(config, { KEYBRIDGE_TOKEN: 'kb-0123456789abc', KEYBRIDGE_ADMIN_TOKEN: 'kb-abcdef0123456' });
    assert.equal(run.code, 0, run.stderr);
  });
});
