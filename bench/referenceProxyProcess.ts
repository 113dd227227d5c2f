// The yardstick: about the least a Node proxy can do — node:http in, one undici Agent out, bodies streamed
// through, credential swapped, hop-by-hop headers dropped. No auth check, no parsing, no failover.
// It runs as its own process and is measured like the bridge, so the table shows what KeyBridge's own work
// costs on top of the floor any Node proxy pays on this machine.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
  'x-api-key',
]);

export interface ReferenceReady {
  type: 'ready';
  url: string;
}

function main(): void {
  const upstream = new URL(process.argv[2] ?? '');
  const key = process.env.BENCH_REFERENCE_KEY ?? 'bench-reference-key';
  const agent = new Agent({ keepAliveTimeout: 10_000, bodyTimeout: 0 });
  const server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const url = req.url ?? '/';
    const anthropic = url.startsWith('/anthropic/');
    const path = anthropic ? url.slice('/anthropic'.length) : url.replace(/^\/openai/, '');
    const headers: Record<string, string> = {};
    for (const name in req.headers) {
      const value = req.headers[name];
      if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
    }
    if (anthropic) headers['x-api-key'] = key;
    else headers.authorization = `Bearer ${key}`;
    const method = req.method ?? 'GET';
    agent
      .request({ origin: upstream.origin, path, method, headers, body: method === 'GET' ? undefined : req })
      .then(({ statusCode, headers: answer, body }) => {
        const out: Record<string, string | string[]> = {};
        for (const name in answer) {
          const value = answer[name];
          if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        }
        res.writeHead(statusCode, out);
        body.pipe(res);
        res.on('close', () => body.destroy());
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
  });
  server.listen(0, '127.0.0.1', () => {
    const ready: ReferenceReady = { type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    if (process.send) process.send(ready);
    else process.stdout.write(`${ready.url}\n`);
  });
  process.channel?.unref();
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close();
    void agent.destroy();
  });
}

main();
