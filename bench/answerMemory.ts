// Resident memory of the headless bridge under huge streamed answers (issue 19): a Responses client served by an
// Anthropic pool gets a tool call of hundreds of megabytes, or many clients get large ones at once. A translated
// Responses stream holds its output for the last event; the bridge caps that (tuning.maxAnswerBytes) and counts it
// in the memory budget. Each scenario runs in a fresh `dist/cli.js serve` (or the build given as the first
// argument), so its peak (VmHWM) is its own: resident memory before, the peak, and how the answers ended.
// Run: node esbuild.mjs && node bench/build.mjs && node out/bench-bin/answerMemory.js [path/to/cli.js]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { must } from '../test/helpers/must';

const MiB = 1024 * 1024;
const FRAGMENT_BYTES = 64 * 1024;
const TIME_LIMIT_MS = 300_000;
const TOKEN = 'kb-answer-memory-token';

interface Scenario {
  name: string;
  /** Responses (translated from Anthropic) or Messages (the same protocol, relayed as it comes). */
  client: 'responses' | 'messages';
  answers: number;
  bytes: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'one 360 MiB tool call, relayed (Anthropic client)', client: 'messages', answers: 1, bytes: 360 * MiB },
  { name: 'one 360 MiB tool call, translated (Responses client)', client: 'responses', answers: 1, bytes: 360 * MiB },
  { name: '40 concurrent 6 MiB tool calls, translated (Responses client)', client: 'responses', answers: 40, bytes: 6 * MiB },
];

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024);
}

const sse = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

/** Writes with backpressure, as a provider's server would. */
async function write(res: ServerResponse, text: string): Promise<void> {
  if (!res.write(text)) await new Promise((r) => res.once('drain', r));
}

/** An Anthropic Messages stream whose one tool_use block carries `bytes` of input, in 64 KiB fragments. */
async function streamToolCall(res: ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  await write(
    res,
    sse('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_bench',
        type: 'message',
        role: 'assistant',
        model: 'claude-bench',
        content: [],
        stop_reason: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      },
    }),
  );
  await write(
    res,
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_bench', name: 'Write', input: {} } }),
  );
  await write(res, sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"content":"' } }));
  const fragment = 'x'.repeat(FRAGMENT_BYTES);
  for (let sent = 0; sent < bytes && !res.destroyed; sent += FRAGMENT_BYTES) {
    await write(res, sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: fragment } }));
  }
  await write(res, sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"}' } }));
  await write(res, sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
  await write(res, sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: Math.ceil(bytes / 4) } }));
  res.end(sse('message_stop', { type: 'message_stop' }));
}

async function startProvider(bytes: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    res.on('error', () => undefined);
    req.on('end', () => void streamToolCall(res, bytes).catch(() => res.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** Streams one answer, keeping only its end: how it finished (the last event's name) and any error message. */
function ask(url: string, client: Scenario['client']): Promise<{ last: string; error: string | undefined }> {
  const path = client === 'responses' ? '/openai/v1/responses' : '/anthropic/v1/messages';
  const body =
    client === 'responses'
      ? { model: 'gpt-bench', stream: true, input: 'write the file' }
      : { model: 'claude-bench', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'write the file' }] };
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((done, fail) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': TOKEN, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        // The last event may be megabytes long: its name is found as it passes, and only an error's start is kept.
        let tail = '';
        let last = `HTTP ${res.statusCode ?? 0}`;
        let lastEvent = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const window = tail + chunk;
          const at = window.lastIndexOf('event: ');
          if (at !== -1 && window.indexOf('\n', at) !== -1) {
            last = window.slice(at + 7, window.indexOf('\n', at));
            lastEvent = window.slice(at, at + 2048);
          } else if (lastEvent && lastEvent.length < 2048) lastEvent += chunk.slice(0, 2048 - lastEvent.length);
          tail = window.slice(-256);
        });
        res.on('end', () => done({ last, error: /"message":"([^"]*)"/.exec(lastEvent)?.[1] }));
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

async function startBridge(cli: string, config: string): Promise<{ bridge: ChildProcess; url: string }> {
  const bridge = spawn(process.execPath, [cli, 'serve', '--quiet', '--config', config], {
    env: { PATH: process.env.PATH ?? '', KEYBRIDGE_TOKEN: TOKEN, BENCH_KEY: 'sk-ant-' + 'answer-memory-test-key' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  bridge.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  while (!/^http:\/\/127\.0\.0\.1:\d+$/m.test(out) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
  const url = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
  if (!url) {
    bridge.kill('SIGKILL');
    throw new Error(`the bridge did not start: ${out}`);
  }
  return { bridge, url };
}

async function run(cli: string, scenario: Scenario): Promise<void> {
  const provider = await startProvider(scenario.bytes);
  const dir = mkdtempSync(join(tmpdir(), 'keybridge-answers-'));
  const config = join(dir, 'config.json');
  const baseUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  writeFileSync(
    config,
    JSON.stringify({
      port: 0,
      pools: [{ id: 'an', protocol: 'anthropic', baseUrl, keys: [{ id: 'k', env: 'BENCH_KEY' }] }],
      routes: [{ protocol: 'openai', match: 'gpt-*', targets: [{ pool: 'an', model: 'claude-bench' }] }],
    }),
  );
  const { bridge, url } = await startBridge(cli, config);
  const pid = must(bridge.pid, 'the bridge process id');
  const killer = setTimeout(() => bridge.kill('SIGKILL'), TIME_LIMIT_MS);
  // A build without the cap can die on a huge answer (a string past V8's limit): say so, and go on.
  let peak = 0;
  const sample = setInterval(() => {
    try {
      peak = Math.max(peak, statusField(pid, 'VmHWM'));
    } catch {
      // the process is gone
    }
  }, 100);
  const exited = new Promise<string>((r) => bridge.once('exit', (code, signal) => r(`the bridge exited (${signal ?? `code ${code}`})`)));
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = statusField(pid, 'VmRSS');
    const started = Date.now();
    const answers = Promise.all(
      Array.from({ length: scenario.answers }, () =>
        ask(url, scenario.client).catch((error: unknown) => ({
          last: `no answer (${error instanceof Error ? error.message : String(error)})`,
          error: undefined,
        })),
      ),
    );
    const ends = await Promise.race([answers, exited.then((why) => [{ last: why, error: undefined }])]);
    if (bridge.exitCode === null && bridge.signalCode === null) peak = Math.max(peak, statusField(pid, 'VmHWM'));
    const counts = new Map<string, number>();
    for (const end of ends) counts.set(end.last, (counts.get(end.last) ?? 0) + 1);
    const endings = [...counts].map(([last, n]) => `${n} × ${last}`).join(', ');
    console.log(`  ${scenario.name}: ${before} MiB before, peak ${peak} MiB; ${endings} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const error = ends.find((e) => e.error)?.error;
    if (error) console.log(`    e.g. ${error}`);
  } finally {
    clearInterval(sample);
    clearTimeout(killer);
    bridge.kill('SIGTERM');
    provider.closeAllConnections();
    provider.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cli = resolve(process.argv[2] ?? 'dist/cli.js');
  console.log(cli);
  for (const scenario of SCENARIOS) await run(cli, scenario);
}

void main();
