import * as http from 'node:http';

export interface LoopbackResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

/**
 * One HTTP request to 127.0.0.1 with a time limit and no keep-alive, so a stopped bridge
 * is not held open by an idle socket of the tests. Rejects with the socket error (ECONNREFUSED …).
 */
export function loopbackRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number } = {},
): Promise<LoopbackResponse> {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error(`tests talk to 127.0.0.1 only, not ${target.hostname}`);
  const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      {
        method: options.method ?? (body ? 'POST' : 'GET'),
        agent: false,
        timeout: options.timeoutMs ?? 15_000,
        headers: { connection: 'close', ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${req.method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
