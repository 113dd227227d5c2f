// Resident memory of the headless bridge under many large uploads at once (issue 14): 30 concurrent 30 MB
// chat requests through `dist/cli.js serve` (or the build given as the first argument) to a provider on
// 127.0.0.1 that reads each body and answers after half a second. Prints the bridge's resident memory before
// and its peak (VmHWM) after, how many uploads were turned away with 503 on their first try, and confirms
// every upload succeeds when the client retries after Retry-After, as the SDKs do.
// Run: node esbuild.mjs && node bench/build.mjs && node out/bench-bin/uploadMemory.js [path/to/cli.js]
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { must } from '../test/helpers/must';

const UPLOADS = 30;
const UPLOAD_BYTES = 30 * 1024 * 1024;
const TIME_LIMIT_MS = 180_000;
const TOKEN = 'kb-upload-memory-token';

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024);
}

async function startProvider(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model: 'gpt-test',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          }),
        );
      }, 500),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function upload(url: string, body: Buffer): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((done, fail) => {
    const req = request(
      `${url}/openai/v1/chat/completions`,
      { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const cli = resolve(process.argv[2] ?? 'dist/cli.js');
  const provider = await startProvider();
  const dir = mkdtempSync(join(tmpdir(), 'keybridge-uploads-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      port: 0,
      pools: [
        { id: 'oa', protocol: 'openai', baseUrl: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`, keys: [{ id: 'k', env: 'UPLOAD_KEY' }] },
      ],
    }),
  );
  const bridge = spawn(process.execPath, [cli, 'serve', '--quiet', '--config', config], {
    env: { PATH: process.env.PATH ?? '', KEYBRIDGE_TOKEN: TOKEN, UPLOAD_KEY: 'sk-' + 'upload-memory-test-key' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = must(bridge.pid, 'the bridge process id');
  const killer = setTimeout(() => bridge.kill('SIGKILL'), TIME_LIMIT_MS);
  try {
    let out = '';
    bridge.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const started = Date.now();
    while (!/^http:\/\/127\.0\.0\.1:\d+$/m.test(out) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    const url = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    if (!url) throw new Error(`the bridge did not start: ${out}`);
    const body = Buffer.from(JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'x'.repeat(UPLOAD_BYTES - 80) }] }));
    await upload(url, Buffer.from('{"model":"gpt-test","messages":[]}'));
    const before = statusField(pid, 'VmRSS');
    const firstTry = await Promise.all(Array.from({ length: UPLOADS }, () => upload(url, body)));
    const refused = firstTry.filter((r) => r.status === 503).length;
    const peakAfterFirstTry = statusField(pid, 'VmHWM');
    // Clients retry after Retry-After: every upload goes through in the end.
    let pending = refused;
    for (let round = 0; pending > 0 && Date.now() - started < TIME_LIMIT_MS - 10_000; round++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const retried = await Promise.all(Array.from({ length: pending }, () => upload(url, body)));
      pending = retried.filter((r) => r.status === 503).length;
    }
    const peak = statusField(pid, 'VmHWM');
    const statuses = [...new Set(firstTry.map((r) => r.status))].join(', ');
    console.log(
      `${cli}\n  ${UPLOADS} concurrent uploads of ${UPLOAD_BYTES / 1024 / 1024} MiB: first-try statuses ${statuses}; ${refused} turned away with 503 (Retry-After ${firstTry.find((r) => r.retryAfter)?.retryAfter ?? '-'}), ${pending} still refused after retries`,
    );
    console.log(`  resident memory: ${before} MiB before, peak ${peakAfterFirstTry} MiB after the concurrent burst, peak ${peak} MiB with the retries`);
  } finally {
    clearTimeout(killer);
    bridge.kill('SIGTERM');
    provider.closeAllConnections();
    provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
