import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { OWNER_PROOF_SCHEME } from '../../src/core/server/ownerProof';

/** A program on the bridge port that records every byte any client sends it. */
export interface Squatter {
  /** Every byte any client sent, on any connection. */
  raw(): string;
  requests: { method?: string; url?: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

export async function startSquatter(port: number, answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Squatter> {
  const chunks: Buffer[] = [];
  const requests: Squatter['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    req.on('end', () => answer(req, res));
  });
  server.on('connection', (socket) => socket.on('data', (d: Buffer) => chunks.push(d)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    requests,
    raw: () => Buffer.concat(chunks).toString('latin1'),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers like KeyBridge would, but cannot compute the proof: it does not know the admin token. */
export function impostor(req: IncomingMessage, res: ServerResponse): void {
  const body = req.url?.startsWith('/_keybridge/owner-proof')
    ? { scheme: OWNER_PROOF_SCHEME, port: 0, proof: 'ab'.repeat(32) }
    : { running: true, pools: [], totals: { requests: 0, succeeded: 0, failed: 0 }, keys: [], results: [{ ok: true }] };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A plain web server that knows nothing of KeyBridge. */
export function stranger(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
}

/**
 * A relay on `port` that passes every connection through to the real bridge on
 * `target`, recording what clients send, with the `Host` header rewritten so
 * that the bridge's DNS-rebinding guard lets it pass: it can hand on the real
 * owner's proof, but that proof names the port the owner listens on.
 */
export async function startRelay(port: number, target: number): Promise<Squatter> {
  const chunks: Buffer[] = [];
  const server: TcpServer = createTcpServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    client.on('data', (d: Buffer) => {
      chunks.push(d);
      upstream.write(d.toString('latin1').replace(/^host: 127\.0\.0\.1:\d+\r$/gim, `host: 127.0.0.1:${target}\r`), 'latin1');
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    requests: [],
    raw: () => Buffer.concat(chunks).toString('latin1'),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
