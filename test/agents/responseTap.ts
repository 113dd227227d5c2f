import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the agent received for one request: status and headers, as they left the bridge. */
export interface TappedResponse {
  method: string;
  path: string;
  at: number;
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body of an error answer (first 16 KB), when the tap keeps them. */
  body?: string;
}

const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * A transparent relay between an agent and the bridge that records the status
 * and headers of every response, so a test can show what the agent itself was
 * told (a 429's Retry-After and rate-limit headers, and with `errorBodies` the
 * error body, e.g. Gemini's RetryInfo). Bodies stream through untouched; only
 * Host is rewritten, since the bridge checks it.
 */
export class ResponseTap {
  url = '';
  readonly seen: TappedResponse[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly target: URL;

  constructor(
    targetOrigin: string,
    private readonly options: { errorBodies?: boolean } = {},
  ) {
    this.target = new URL(targetOrigin);
    this.server = http.createServer((req, res) => this.relay(req, res));
    this.server.keepAliveTimeout = 1_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  private relay(req: http.IncomingMessage, res: http.ServerResponse): void {
    const at = Date.now();
    const headers = { ...req.headers, host: this.target.host };
    const upstream = http.request(
      { hostname: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers, agent: false },
      (up) => {
        const seen: TappedResponse = { method: req.method ?? '', path: req.url ?? '', at, status: up.statusCode ?? 0, headers: up.headers };
        this.seen.push(seen);
        if (this.options.errorBodies && seen.status >= 400) {
          seen.body = '';
          up.on('data', (chunk: Buffer) => {
            if ((seen.body ?? '').length < ERROR_BODY_LIMIT) seen.body = `${seen.body ?? ''}${chunk.toString('utf8')}`.slice(0, ERROR_BODY_LIMIT);
          });
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
