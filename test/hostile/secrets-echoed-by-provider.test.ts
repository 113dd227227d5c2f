// Guards the keys against a provider that quotes them back (in a 401, a 429 with a header, a 500, a 400 the
// bridge forwards verbatim, a key test): no key appears in anything the bridge writes or answers - client
// answers and their headers, log lines, the status API and its events, key-change and request events, or
// the persisted state. (The soak greps the headless bridge the same way; here no CLI redaction helps.)
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bridge } from '../../src/core/bridge';
import { FileStateStore } from '../../src/core/state';
import { TEST_TUNING } from '../helpers/harness';

const KEYS = ['sk-' + 'echo-Kq3vX9mP2rT8wY5zA1bC', 'sk-' + 'echo-Hn7jL4sD6fG0kQ2xV9pR', 'sk-' + 'echo-Wc5tB8nM3yU1iO6eZ4aS'];
const TOKEN = 'kb-echo-token';
const ADMIN = 'kb-echo-admin';

/** An OpenAI-style provider that quotes the key it was sent in every failure it can. */
async function startEchoingProvider(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const model = req.method === 'GET' ? 'test' : ((JSON.parse(body) as { model?: string }).model ?? '');
      const error = (status: number, type: string, code: string | null, headers: Record<string, string> = {}): void => {
        const text = JSON.stringify({ error: { message: `Key ${key} was refused (${code ?? type})`, type, code, param: null } });
        res.writeHead(status, { 'content-type': 'application/json', 'x-echo-key': key, ...headers });
        res.end(text);
      };
      if (req.method === 'GET') return error(401, 'invalid_request_error', 'invalid_api_key');
      if (model === 'echo-401' || key === KEYS[0]) return error(401, 'invalid_request_error', 'invalid_api_key');
      if (model === 'echo-429') return error(429, 'requests', 'rate_limit_exceeded', { 'retry-after': '30', 'x-ratelimit-remaining-requests': '0' });
      if (model === 'echo-500') return error(500, 'server_error', null);
      if (model === 'echo-400') return error(400, 'invalid_request_error', 'invalid_value');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('keys quoted back by a provider', () => {
  let upstream: Server;
  let bridge: Bridge;
  let dir: string;
  const written: string[] = [];

  before(async () => {
    upstream = await startEchoingProvider();
    dir = mkdtempSync(join(tmpdir(), 'keybridge-echo-'));
    const log = (level: string) => (message: string) => void written.push(`${level} ${message}`);
    bridge = new Bridge({
      config: {
        pools: [
          {
            id: 'oa',
            protocol: 'openai',
            baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
            strategy: 'round-robin',
            keys: KEYS.map((secret, i) => ({ id: `k${i + 1}`, secret })),
          },
        ],
        routes: [],
        tuning: { ...TEST_TUNING, waitThresholdMs: 0 },
      },
      port: 0,
      token: TOKEN,
      adminToken: ADMIN,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      stateStore: new FileStateStore(join(dir, 'state.json')),
    });
    bridge.onKeyChange.on((e) => written.push(`keyChange ${JSON.stringify(e)}`));
    bridge.onRequest.on((e) => written.push(`request ${JSON.stringify(e)}`));
    await bridge.start();
  });

  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('never writes or answers a key, whatever the provider quotes', async () => {
    const call = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<void> => {
      const res = await fetch(`${bridge.url}${path}`, init);
      written.push(`answer ${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
    };
    const chat = (model: string) =>
      call('/openai/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [] }),
      });
    for (const model of ['ok', 'echo-400', 'echo-500', 'echo-429', 'echo-401', 'ok', 'echo-400']) await chat(model);
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    await call('/_keybridge/test', { method: 'POST', headers: admin, body: JSON.stringify({ pool: 'oa' }) });
    await call('/_keybridge/status', { headers: admin });
    written.push(`status ${JSON.stringify(bridge.status())}`);
    await bridge.dispose(0); // flushes the persisted state
    written.push(`state ${readFileSync(join(dir, 'state.json'), 'utf8')}`);

    assert.ok(written.some((w) => w.startsWith('keyChange')) && written.some((w) => w.startsWith('state {')), 'the run marked keys and saved state');
    for (const line of written) {
      for (const key of KEYS) assert.ok(!line.includes(key.slice(8)), `key …${key.slice(-4)} in: ${line.slice(0, 300)}`);
    }
  });
});
