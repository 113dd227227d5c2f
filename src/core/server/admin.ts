import type { BaseUrls } from '../config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine/engine';
import type { Subscription } from '../emitter';
import { answerKeyHandover, KEY_HANDOVER_PATH, type KeyHandover } from './keyHandover';
import { answerOwnerChallenge, OWNER_PROOF_PATH } from './ownerProof';
import { readRequestBody } from './requestBody';
import { sendJson } from './respond';
import type { UsageSource } from '../usage/usageRecorder';
import { usageQueryFrom } from '../usage/usageQuery';
import { withoutQuery } from './paths';
import { presentedToken, tokensEqual } from './security';

type Describe = () => { running: boolean; url?: string; port?: number; baseUrls?: BaseUrls };

const EVENT_THROTTLE_MS = 250;
const HEARTBEAT_MS = 15_000;

/**
 * The status API other windows and tools use (docs/ARCHITECTURE.md §6): JSON status, a
 * stream of status snapshots, and key actions. Guarded by its own admin token.
 */
export class AdminApi {
  private readonly streams = new Set<ServerResponse>();

  constructor(
    private readonly engine: Engine,
    private readonly describe: Describe,
    private readonly adminToken: string,
    private readonly keyHandover?: KeyHandover,
    private readonly usage?: UsageSource,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const path = withoutQuery(url);
    if (path === OWNER_PROOF_PATH) {
      const { status, body } = answerOwnerChallenge(req.method, url, this.adminToken, this.describe().port);
      return sendJson(res, status, body);
    }
    const token = presentedToken(req.headers);
    if (!token || !tokensEqual(token, this.adminToken)) {
      return sendJson(res, 401, { error: { type: 'authentication_error', message: 'KeyBridge admin API: missing or wrong admin token.' } });
    }
    if (req.method === 'GET' && path === '/_keybridge/status') return sendJson(res, 200, this.status());
    if (req.method === 'GET' && path === '/_keybridge/events') return this.openEventStream(req, res);
    if (req.method === 'GET' && path === '/_keybridge/usage') return this.answerUsage(res, url);
    if (path === KEY_HANDOVER_PATH && this.keyHandover) return answerKeyHandover(req, res, this.keyHandover);
    if (req.method === 'POST') {
      // The server leaves `100 Continue` to whoever checked the credentials.
      if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
      let body: { pool?: unknown; key?: unknown };
      try {
        const raw = await readRequestBody(req, 64 * 1024);
        body = raw.length ? (JSON.parse(raw.toString('utf8')) as typeof body) : {};
      } catch {
        return sendJson(res, 400, { error: { type: 'invalid_request_error', message: 'body must be JSON: {"pool": "...", "key": "..."}' } });
      }
      const pool = typeof body.pool === 'string' ? body.pool : undefined;
      const key = typeof body.key === 'string' ? body.key : undefined;
      if (!pool) return sendJson(res, 400, { error: { type: 'invalid_request_error', message: '"pool" is required' } });
      try {
        switch (path) {
          case '/_keybridge/test':
            return sendJson(res, 200, { results: key ? [await this.engine.testKey(pool, key)] : await this.engine.testPool(pool) });
          case '/_keybridge/retire':
            if (!key) break;
            this.engine.retireKey(pool, key);
            return sendJson(res, 200, this.status());
          case '/_keybridge/restore':
            if (!key) break;
            this.engine.restoreKey(pool, key);
            return sendJson(res, 200, this.status());
        }
      } catch (error) {
        return sendJson(res, 404, { error: { type: 'not_found_error', message: (error as Error).message } });
      }
      if (!key && (path === '/_keybridge/retire' || path === '/_keybridge/restore')) {
        return sendJson(res, 400, { error: { type: 'invalid_request_error', message: '"key" is required' } });
      }
    }
    return sendJson(res, 404, { error: { type: 'not_found_error', message: `no admin endpoint ${req.method} ${path}` } });
  }

  status() {
    return this.engine.status(this.describe());
  }

  /** The usage report, with the options of `keybridge usage` in the query string (`since=7d`, `by=model`). */
  private answerUsage(res: ServerResponse, url: string): void {
    if (!this.usage)
      return sendJson(res, 404, { error: { type: 'not_found_error', message: 'KeyBridge records no usage here: the host named no usage file.' } });
    const query = usageQueryFrom(new URLSearchParams(url.split('?')[1] ?? ''));
    if (typeof query === 'string') return sendJson(res, 400, { error: { type: 'invalid_request_error', message: query } });
    sendJson(res, 200, this.usage.query(query));
  }

  closeStreams(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  /** Sends a snapshot at once, then after every change, at most every 250 ms. */
  private openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.streams.add(res);
    const write = (): void => {
      res.write(`event: status\ndata: ${JSON.stringify(this.status())}\n\n`);
    };
    let pending: NodeJS.Timeout | undefined;
    const schedule = (): void => {
      if (pending) return;
      pending = setTimeout(() => {
        pending = undefined;
        write();
      }, EVENT_THROTTLE_MS);
    };
    const subscriptions: Subscription[] = [this.engine.onKeyChange.on(schedule), this.engine.onRequest.on(schedule), this.engine.onConfigChange.on(schedule)];
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const close = (): void => {
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
      for (const s of subscriptions) s.dispose();
      this.streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
    write();
  }
}
