import { StringDecoder } from 'node:string_decoder';
import { request, type Dispatcher } from 'undici';
import { KEY_HANDOVER_PATH, parseFollowerKeyChange, type FollowerKeyChange, type HandedOverKey } from '../server/keyHandover';
import type { BridgeStatus, KeyTestResult } from '../status';
import type { UsageQuery, UsageReport } from '../usage/usageQuery';
import { provenDispatcher } from './provenConnection';

const HOST = '127.0.0.1';
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

interface RawResponse {
  status: number;
  text: string;
}

/** One request to the admin API on 127.0.0.1, on a connection whose peer proved it is our bridge. */
async function adminRequest(
  dispatcher: Dispatcher,
  port: number,
  adminToken: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const res = await request(`http://${HOST}:${port}${path}`, {
    method,
    dispatcher,
    headers: { authorization: `Bearer ${adminToken}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    body: payload,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_ANSWER_BYTES) {
      res.body.destroy();
      throw new Error('admin answer too large');
    }
    chunks.push(chunk as Buffer);
  }
  return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') };
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

function parseAdminAnswer(res: RawResponse): unknown {
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
  return parsed;
}

/**
 * Key actions of a follower window, carried out by the owner. Every
 * connection proves its peer before the admin token goes on it
 * (provenConnection.ts): the owner may have gone since the window began to
 * follow it, and whoever holds the port now gets nothing.
 */
export class AdminClient {
  private readonly dispatcher: Dispatcher;

  constructor(
    private readonly port: number,
    private readonly adminToken: string,
  ) {
    this.dispatcher = provenDispatcher(port, adminToken);
  }

  async testKey(pool: string, key: string): Promise<KeyTestResult> {
    const { results } = await this.post<{ results: KeyTestResult[] }>('/_keybridge/test', { pool, key }, 20_000);
    return results[0];
  }

  async testPool(pool: string): Promise<KeyTestResult[]> {
    const { results } = await this.post<{ results: KeyTestResult[] }>('/_keybridge/test', { pool }, 30_000);
    return results;
  }

  async retireKey(pool: string, key: string): Promise<void> {
    await this.post<BridgeStatus>('/_keybridge/retire', { pool, key }, 5_000);
  }

  async restoreKey(pool: string, key: string): Promise<void> {
    await this.post<BridgeStatus>('/_keybridge/restore', { pool, key }, 5_000);
  }

  /** The owner's keys, secrets included, for a window whose SecretStorage view is behind (see keyHandover.ts). */
  async fetchKeys(): Promise<HandedOverKey[]> {
    const res = await adminRequest(this.dispatcher, this.port, this.adminToken, 'GET', KEY_HANDOVER_PATH, undefined, 5_000);
    if (res.status !== 200) throw new AdminError(res.status, `the bridge owner answered HTTP ${res.status} to the key handover`);
    const parsed = JSON.parse(res.text) as { keys?: unknown };
    return parseFollowerKeyChange({ add: parsed.keys })?.add ?? [];
  }

  /** Tells the owner what this window added or removed, for an owner whose SecretStorage view is behind. */
  async sendKeys(change: FollowerKeyChange): Promise<void> {
    await this.post<unknown>(KEY_HANDOVER_PATH, change, 10_000);
  }

  /** The owner's usage report, records it has not written yet included (docs/ARCHITECTURE.md §10). */
  async usage(query: UsageQuery): Promise<UsageReport> {
    const params = new URLSearchParams();
    // The admin API takes `since` as a count and a unit; whole minutes are fine-grained enough for a report.
    if (query.sinceMs !== undefined) params.set('since', `${Math.max(1, Math.round(query.sinceMs / 60_000))}m`);
    if (query.by) params.set('by', query.by);
    if (query.series) params.set('series', query.series);
    const search = params.toString() ? `?${params.toString()}` : '';
    return parseAdminAnswer(
      await adminRequest(this.dispatcher, this.port, this.adminToken, 'GET', `/_keybridge/usage${search}`, undefined, 10_000),
    ) as UsageReport;
  }

  /** Closes its kept-alive connections; the window no longer follows this owner. */
  close(): void {
    this.dispatcher.destroy().catch(() => undefined);
  }

  private async post<T>(path: string, body: unknown, timeoutMs: number): Promise<T> {
    return parseAdminAnswer(await adminRequest(this.dispatcher, this.port, this.adminToken, 'POST', path, body, timeoutMs)) as T;
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
  private readonly dispatcher: Dispatcher;
  private readonly abort = new AbortController();
  private closed = false;
  private buffer = '';
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    port: number,
    adminToken: string,
    private readonly handlers: StatusStreamHandlers,
    private readonly stallMs = 40_000,
  ) {
    // Its own dispatcher: the stream holds its proven connection for as long as the window follows.
    this.dispatcher = provenDispatcher(port, adminToken);
    void this.open(port, adminToken);
    this.armStallTimer();
  }

  private async open(port: number, adminToken: string): Promise<void> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`http://${HOST}:${port}/_keybridge/events`, {
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${adminToken}`, accept: 'text/event-stream' },
        signal: this.abort.signal,
        // Silence is the stall timer's to judge.
        bodyTimeout: 0,
      });
    } catch (error) {
      return this.finish(`status stream failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const body = res.body;
    if (this.closed) {
      body.destroy();
      return;
    }
    if (res.statusCode !== 200) {
      body.resume();
      return this.finish(`status stream answered HTTP ${res.statusCode}`);
    }
    // undici's body ignores setEncoding; an event may be split inside a UTF-8 character.
    const decoder = new StringDecoder('utf8');
    body.on('data', (chunk: Buffer) => this.onData(decoder.write(chunk)));
    body.on('end', () => this.finish('the owner closed the status stream'));
    body.on('error', (error) => this.finish(`status stream failed: ${error.message}`));
    body.on('close', () => this.finish('the status stream closed'));
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
    this.abort.abort();
    this.dispatcher.destroy().catch(() => undefined);
  }
}
