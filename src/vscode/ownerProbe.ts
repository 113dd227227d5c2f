import { connect, type Socket } from 'node:net';
import type { BridgeStatus } from '../core/status';
import { newOwnerNonce, OWNER_PROOF_PATH, OWNER_PROOF_SCHEME, ownerProofMatches } from '../core/server/ownerProof';

/** Who answers on the bridge port, as far as the probe can tell. */
export type OwnerProbe =
  | { kind: 'keybridge'; status: BridgeStatus }
  /** Answers in KeyBridge's shape but cannot prove it knows our admin token (a `keybridge serve` started by hand, or an impostor). */
  | { kind: 'unauthorized' }
  /** Something that is not KeyBridge, or does not answer in time. */
  | { kind: 'foreign'; detail: string }
  /** Nobody listens: the port is free (again). */
  | { kind: 'unreachable'; detail: string };

const HOST = '127.0.0.1';
const MAX_HEAD = 16 * 1024;
const MAX_BODY = 4 * 1024 * 1024;

interface Answer {
  status: number;
  text: string;
}

/**
 * One TCP connection for the whole probe: the admin token may only travel on
 * the connection whose peer just proved it holds the token, so a program
 * that grabs the port in between never sees it. Plain `net` with a minimal
 * HTTP/1.1 exchange (Content-Length answers only, which is what the bridge
 * sends), because VS Code's extension host wraps `http.request` agents for its
 * proxy support and a connection could not be pinned through them.
 */
class ProbeConnection {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private closed: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly port: number,
    timeoutMs: number,
  ) {
    this.socket = connect({ host: HOST, port });
    this.socket.setTimeout(timeoutMs, () => this.socket.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      if (this.buffer.length > MAX_HEAD + MAX_BODY) this.socket.destroy(new Error('answer too large'));
      this.wake?.();
    });
    const end = (error?: Error): void => {
      this.closed ??= error ?? Object.assign(new Error('the connection closed'), { code: 'ECONNRESET' });
      this.wake?.();
    };
    this.socket.on('error', end);
    this.socket.on('close', () => end());
  }

  /** A method, not an inline check: the socket may close during any await, which narrowing cannot see. */
  private throwIfClosed(): void {
    if (this.closed) throw this.closed;
  }

  async get(path: string, headers: Record<string, string>): Promise<Answer> {
    this.throwIfClosed();
    const lines = [`GET ${path} HTTP/1.1`, `host: ${HOST}:${this.port}`, 'accept: application/json', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    for (;;) {
      const answer = this.takeAnswer();
      if (answer) return answer;
      this.throwIfClosed();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** A whole answer from the buffer, or undefined while it is incomplete. */
  private takeAnswer(): Answer | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) {
      if (this.buffer.length > MAX_HEAD) throw new Error('answer head too large');
      return undefined;
    }
    const head = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
    const length = head.map((l) => /^content-length:\s*(\d+)\s*$/i.exec(l)).find((m) => m);
    if (!status || !length) throw new Error(`not an answer KeyBridge would send: ${(head[0] ?? '').slice(0, 60)}`);
    const size = Number(length[1]);
    if (size > MAX_BODY) throw new Error('answer too large');
    if (this.buffer.length < headEnd + 4 + size) return undefined;
    const text = this.buffer.subarray(headEnd + 4, headEnd + 4 + size).toString('utf8');
    this.buffer = this.buffer.subarray(headEnd + 4 + size);
    return { status: Number(status[1]), text };
  }
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function failure(error: unknown): OwnerProbe {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { kind: 'unreachable', detail: code };
  return { kind: 'foreign', detail: code };
}

/**
 * Asks whoever holds the port to prove it is our bridge (an HMAC of a fresh
 * nonce keyed by the admin token), and only then asks for its status with the
 * admin token, on the same connection. A stranger never receives the token.
 */
export async function probeOwner(port: number, adminToken: string, timeoutMs = 2_000): Promise<OwnerProbe> {
  const connection = new ProbeConnection(port, timeoutMs);
  try {
    const nonce = newOwnerNonce();
    let challenge: Answer;
    try {
      challenge = await connection.get(`${OWNER_PROOF_PATH}?nonce=${nonce}`, {});
    } catch (error) {
      return failure(error);
    }
    const answer = parse(challenge.text);
    if (challenge.status !== 200 || answer?.scheme !== OWNER_PROOF_SCHEME) return { kind: 'foreign', detail: `no KeyBridge owner proof, HTTP ${challenge.status}` };
    if (!ownerProofMatches(adminToken, port, nonce, answer.proof)) return { kind: 'unauthorized' };
    let res: Answer;
    try {
      res = await connection.get('/_keybridge/status', { authorization: `Bearer ${adminToken}` });
    } catch (error) {
      return failure(error);
    }
    const status = res.status === 200 ? (parse(res.text) as BridgeStatus | undefined) : undefined;
    if (status && Array.isArray(status.pools) && typeof status.running === 'boolean') return { kind: 'keybridge', status };
    return { kind: 'foreign', detail: `HTTP ${res.status}` };
  } finally {
    connection.close();
  }
}
