import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SseScanner, type SseEvent } from '../../src/core/protocols/sse';

export interface CapturedStream {
  status: number;
  /** Everything received, up to the end or the cut. */
  bytes: Buffer;
  events: SseEvent[];
  /** The connection was cut before the response ended. */
  cut: boolean;
}

/** POSTs a JSON body to a provider on loopback and keeps every byte of the answer, also when the stream is cut. */
export function captureStream(url: string, headers: Record<string, string>, body: unknown): Promise<CapturedStream> {
  return new Promise<CapturedStream>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, timeout: 10_000 }, (res) => {
      let settled = false;
      const done = (cut: boolean): void => {
        if (settled) return;
        settled = true;
        const bytes = Buffer.concat(chunks);
        const scanner = new SseScanner();
        resolve({ status: res.statusCode ?? 0, bytes, events: [...scanner.push(bytes), ...scanner.end()], cut });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(false));
      res.on('error', () => done(true));
      res.on('close', () => done(!res.complete));
    });
    req.on('timeout', () => req.destroy(new Error('captureStream: no answer within 10 s')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

export interface CannedServer {
  url: string;
  close(): Promise<void>;
}

/** Answers every request with the same SSE bytes, so a real SDK client can parse a stream built by a test. */
export async function serveCannedStream(bytes: string | Buffer): Promise<CannedServer> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'close' });
      res.end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
