import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { KEY_HANDOVER_PATH, parseFollowerKeyChange, type FollowerKeyChange, type HandedOverKey } from '../core/server/keyHandover';
import type { BridgeStatus, KeyTestResult } from '../core/status';

const HOST = '127.0.0.1';

interface RawResponse {
  status: number;
  text: string;
}

/** One request to the admin API on 127.0.0.1, no keep-alive: nothing stays open after it. */
function adminRequest(port: number, adminToken: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: HOST,
        port,
        method,
        path,
        agent: false,
        headers: { authorization: `Bearer ${adminToken}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 4 * 1024 * 1024) req.destroy(new Error('admin answer too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

async function adminPost<T>(port: number, adminToken: string, path: string, body: unknown, timeoutMs: number): Promise<T> {
  const res = await adminRequest(port, adminToken, 'POST', path, body, timeoutMs);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    throw new AdminError(res.status, `the bridge owner answered HTTP ${res.status} without JSON`);
  }
  if (res.status !== 200) {
    const message = (parsed as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`;
    throw new AdminError(res.status, message);
  }
  return parsed as T;
}

/** Key actions of a follower window, carried out by the owner. */
export class AdminClient {
  constructor(
    private readonly port: number,
    private readonly adminToken: string,
  ) {}

  async testKey(pool: string, key: string): Promise<KeyTestResult> {
    const { results } = await adminPost<{ results: KeyTestResult[] }>(this.port, this.adminToken, '/_keybridge/test', { pool, key }, 20_000);
    return results[0];
  }

  async testPool(pool: string): Promise<KeyTestResult[]> {
    const { results } = await adminPost<{ results: KeyTestResult[] }>(this.port, this.adminToken, '/_keybridge/test', { pool }, 30_000);
    return results;
  }

  async retireKey(pool: string, key: string): Promise<void> {
    await adminPost<BridgeStatus>(this.port, this.adminToken, '/_keybridge/retire', { pool, key }, 5_000);
  }

  async restoreKey(pool: string, key: string): Promise<void> {
    await adminPost<BridgeStatus>(this.port, this.adminToken, '/_keybridge/restore', { pool, key }, 5_000);
  }

  /** The owner's keys, secrets included, for a window whose SecretStorage view is behind (see keyHandover.ts). */
  async fetchKeys(): Promise<HandedOverKey[]> {
    const res = await adminRequest(this.port, this.adminToken, 'GET', KEY_HANDOVER_PATH, undefined, 5_000);
    if (res.status !== 200) throw new AdminError(res.status, `the bridge owner answered HTTP ${res.status} to the key handover`);
    const parsed = JSON.parse(res.text) as { keys?: unknown };
    return parseFollowerKeyChange({ add: parsed.keys })?.add ?? [];
  }

  /** Tells the owner what this window added or removed, for an owner whose SecretStorage view is behind. */
  async sendKeys(change: FollowerKeyChange): Promise<void> {
    await adminPost<unknown>(this.port, this.adminToken, KEY_HANDOVER_PATH, change, 10_000);
  }
}

export interface StatusStreamHandlers {
  onStatus(status: BridgeStatus): void;
  /** The stream ended: the owner stopped, went away, or stalled. Called once. */
  onClose(reason: string): void;
}

/**
 * Follows the owner's `/_keybridge/events` stream. The owner sends a snapshot
 * at once and after each change, and a comment every 15 s; silence for longer
 * than `stallMs` counts as the owner being gone.
 */
export class StatusStream {
  private req: ClientRequest | undefined;
  private res: IncomingMessage | undefined;
  private closed = false;
  private buffer = '';
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    port: number,
    adminToken: string,
    private readonly handlers: StatusStreamHandlers,
    private readonly stallMs = 40_000,
  ) {
    const req = request({ host: HOST, port, method: 'GET', path: '/_keybridge/events', agent: false, headers: { authorization: `Bearer ${adminToken}`, accept: 'text/event-stream' } });
    this.req = req;
    req.on('response', (res) => {
      this.res = res;
      if (res.statusCode !== 200) {
        res.resume();
        return this.finish(`status stream answered HTTP ${res.statusCode}`);
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.onData(chunk));
      res.on('end', () => this.finish('the owner closed the status stream'));
      res.on('error', (error) => this.finish(`status stream failed: ${error.message}`));
      res.on('close', () => this.finish('the status stream closed'));
    });
    req.on('error', (error) => this.finish(`status stream failed: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    req.end();
    this.armStallTimer();
  }

  close(): void {
    this.closed = true;
    this.teardown();
  }

  private onData(chunk: string): void {
    this.armStallTimer();
    this.buffer += chunk.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (event !== 'status' || data.length === 0) continue;
      try {
        this.handlers.onStatus(JSON.parse(data.join('\n')) as BridgeStatus);
      } catch {
        // A malformed snapshot is skipped; the next one replaces it.
      }
    }
    if (this.buffer.length > 8 * 1024 * 1024) this.finish('status stream sent an oversized event');
  }

  private armStallTimer(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.finish('the owner went silent'), this.stallMs);
    this.stallTimer.unref();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.teardown();
    this.handlers.onClose(reason);
  }

  private teardown(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.res?.destroy();
    this.req?.destroy();
    this.req = undefined;
    this.res = undefined;
  }
}
