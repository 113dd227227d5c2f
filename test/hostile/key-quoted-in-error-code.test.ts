// Guards against a provider that quotes the key in the fields the bridge keeps: a 401 whose error code is the
// key, cut short by one character, spelt with JSON `\u002d` escapes, or base64-encoded as `Bearer <key>`. No
// copy of the key (nor any 12 of its characters in a row) may reach the persisted state (`reason`), the
// status API (`lastError`, `reason`), the headless bridge's log, or the client's answer; and a state file
// written before reasons were redacted is scrubbed when the bridge loads it.
// Runs the real `keybridge serve` (dist/cli.js), as users do. Key-shaped values are split after their prefix.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fingerprintSecret } from '../../src/core/secrets';
import { must } from '../helpers/must';

const CLI = resolve(__dirname, '../../../dist/cli.js');
const TOKEN = 'kb-quoted-key-local-token';
const ADMIN = 'kb-quoted-key-admin-token';
const KEYS = {
  QUOTED_FULL: 'sk-' + 'qk1-Kq3vX9mP2rT8wY5zA1bCd7',
  QUOTED_CUT: 'sk-' + 'qk2-Hn7jL4sD6fG0kQ2xV9pRe4',
  QUOTED_ESCAPED: 'sk-' + 'qk3-Wc5tB8nM3yU1iO6eZ4aSf2',
  QUOTED_BASE64: 'sk-' + 'qk4-Pz2rQ7wE5tY9uI3oA6sDg8',
  STALE_STATE: 'sk-' + 'qk5-Lm4nB6vC8xZ1aS3dF5gHh9',
};
/** Any 12 characters of a key in a row (after its `sk-qkN-` prefix) give it away. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, key] of Object.entries(KEYS)) {
    const material = key.slice(7);
    for (let i = 0; i + 12 <= material.length; i++)
      if (text.includes(material.slice(i, i + 12)))
        found.push(`${name} in: ${text.slice(Math.max(0, text.indexOf(material.slice(i, i + 12)) - 150), text.indexOf(material.slice(i, i + 12)) + 50)}`);
  }
  return found;
}

/** Refuses every key with a 401 that quotes it, one way per key. */
async function startQuotingProvider(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      let code = key;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key === KEYS.QUOTED_CUT) code = key.slice(0, -1);
      if (key === KEYS.QUOTED_BASE64) headers['x-request-auth'] = Buffer.from(`Bearer ${key}`).toString('base64');
      let body = JSON.stringify({ error: { message: `Incorrect API key provided: ${code}`, type: 'invalid_request_error', code, param: null } });
      if (key === KEYS.QUOTED_ESCAPED) body = body.split(key).join(key.replace(/-/g, '\\u002d'));
      if (key === KEYS.QUOTED_BASE64)
        body = JSON.stringify({
          error: { message: 'Incorrect API key', type: 'invalid_request_error', code: Buffer.from(`Bearer ${key}`).toString('base64') },
        });
      res.writeHead(401, headers);
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('keys quoted in a provider error code', function () {
  this.timeout(20_000);
  let provider: Server;
  let dir: string;
  let child: ChildProcess | undefined;

  before(async () => {
    provider = await startQuotingProvider();
    dir = mkdtempSync(join(tmpdir(), 'keybridge-quoted-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    provider.closeAllConnections();
    await new Promise((r) => provider.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every copy out of the state file, the status API, the log and the answer', async () => {
    const stateFile = join(dir, 'state.json');
    // Written by a bridge from before the fix: the reason quotes the key.
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 1,
        savedAt: Date.now(),
        keys: { [fingerprintSecret(KEYS.STALE_STATE)]: { state: 'invalid', reason: `HTTP 401 ${KEYS.STALE_STATE}`, retestAt: Date.now() + 3_600_000 } },
      }),
    );
    const names = Object.keys(KEYS);
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        port: 0,
        stateFile,
        pools: [
          {
            id: 'oa',
            protocol: 'openai',
            baseUrl: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`,
            strategy: 'round-robin',
            keys: names.map((name) => ({ id: name.toLowerCase(), env: `QK_${name}` })),
          },
        ],
      }),
    );
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', KEYBRIDGE_TOKEN: TOKEN, KEYBRIDGE_ADMIN_TOKEN: ADMIN };
    for (const name of names) env[`QK_${name}`] = KEYS[name as keyof typeof KEYS];
    child = spawn(process.execPath, [CLI, 'serve', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    must(child.stdout).on('data', (c: Buffer) => (log += c.toString()));
    must(child.stderr).on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise((r) => must(child).on('exit', r));
    const deadline = Date.now() + 10_000;
    while (!/^http:\/\/127\.0\.0\.1:\d+$/m.test(log) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(log)?.[1];
    assert.ok(url, log);

    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-test', messages: [] }),
      });
      seen.push(`answer ${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
    }
    const status = await fetch(`${url}/_keybridge/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const statusText = await status.text();
    seen.push(`status ${statusText}`);
    assert.match(statusText, /"state":"invalid"/, 'the keys were marked invalid');
    child.kill('SIGTERM');
    await exited;
    seen.push(`log ${log}`, `state ${readFileSync(stateFile, 'utf8')}`);
    assert.match(log, /→ invalid/, 'the log has the key changes');
    assert.deepEqual(seen.flatMap(leaks), []);
  });

  it('rewrites a state file that quotes a key as soon as it is loaded, with no request served', async () => {
    const stateFile = join(dir, 'stale-state.json');
    writeFileSync(
      stateFile,
      JSON.stringify({
        version: 1,
        savedAt: Date.now(),
        keys: {
          [fingerprintSecret(KEYS.STALE_STATE)]: {
            state: 'exhausted',
            reason: `HTTP 429 insufficient_quota for ${KEYS.STALE_STATE}`,
            retestAt: Date.now() + 3_600_000,
          },
        },
      }),
    );
    const config = join(dir, 'stale-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        port: 0,
        stateFile,
        pools: [
          {
            id: 'oa',
            protocol: 'openai',
            baseUrl: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`,
            keys: [{ id: 'stale', env: 'QK_STALE' }],
          },
        ],
      }),
    );
    child = spawn(process.execPath, [CLI, 'serve', '--config', config], {
      env: { PATH: process.env.PATH ?? '', KEYBRIDGE_TOKEN: TOKEN, QK_STALE: KEYS.STALE_STATE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => must(child).on('exit', r));
    let out = '';
    must(child.stdout).on('data', (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 10_000;
    while (!/^http:\/\/127\.0\.0\.1:\d+$/m.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    await exited;
    const state = readFileSync(stateFile, 'utf8');
    assert.match(state, /"exhausted"/, 'the health itself is kept');
    assert.deepEqual(leaks(state), []);
  });
});
