import { connect, type Socket } from 'node:net';
import { Agent } from 'undici';
import { newOwnerNonce, OWNER_PROOF_PATH, OWNER_PROOF_SCHEME, ownerProofMatches } from '../server/ownerProof';

const HOST = '127.0.0.1';
const MAX_HEAD = 16 * 1024;
const MAX_BODY = 4 * 1024 * 1024;
/** The owner answers the challenge from memory; this only bounds a holder that never answers. */
const PROOF_TIMEOUT_MS = 5_000;

/** Why a connection to the bridge port was not handed over. */
export type ProofFailure =
  /** Answers in KeyBridge's shape but cannot prove it knows our admin token (a `keybridge serve` started by hand, or an impostor). */
  | { kind: 'unauthorized' }
  /** Something that is not KeyBridge, or does not answer in time. */
  | { kind: 'foreign'; detail: string }
  /** Nobody listens: the port is free (again). */
  | { kind: 'unreachable'; detail: string };

/** The holder of the port did not prove, on this connection, that it is our bridge; nothing carrying a secret was written to it. */
export class OwnerNotProven extends Error {
  constructor(
    readonly port: number,
    readonly failure: ProofFailure,
  ) {
    super(
      failure.kind === 'unreachable'
        ? `nothing answers on ${HOST}:${port} (${failure.detail})`
        : `the program on ${HOST}:${port} could not prove it is this machine's KeyBridge (${failure.kind === 'foreign' ? failure.detail : 'wrong owner proof'}); nothing was sent to it`,
    );
    this.name = 'OwnerNotProven';
  }
}

export interface Answer {
  status: number;
  text: string;
}

/**
 * A minimal HTTP/1.1 exchange on one socket to the bridge port (Content-Length
 * answers only, which is what the bridge sends to these requests). Plain `net`
 * rather than `http.request`, because VS Code's extension host wraps
 * `http.request` agents for its proxy support and a connection could not be
 * pinned through them.
 */
export class LoopbackExchange {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private closed: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (this.buffer.length > MAX_HEAD + MAX_BODY) this.socket.destroy(new Error('answer too large'));
    this.wake?.();
  };
  private readonly onEnd = (error?: Error): void => {
    this.closed ??= error ?? Object.assign(new Error('the connection closed'), { code: 'ECONNRESET' });
    this.wake?.();
  };
  private readonly onClose = (): void => this.onEnd();
  private readonly onTimeout = (): void => {
    this.socket.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  };

  constructor(
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.socket = connect({ host: HOST, port });
    this.socket.setTimeout(timeoutMs);
    this.socket.on('timeout', this.onTimeout);
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onEnd);
    this.socket.on('close', this.onClose);
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

  /**
   * The socket, for an HTTP client to carry on with: paused, without this
   * exchange's listeners and timeout. A holder that sent more than it was asked
   * for is not handed over.
   */
  release(): Socket {
    this.throwIfClosed();
    if (this.buffer.length) throw new Error('the bridge port sent more than its answer');
    this.socket.pause();
    this.socket.setTimeout(0);
    this.socket.off('timeout', this.onTimeout);
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    this.socket.off('close', this.onClose);
    return this.socket;
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

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What a broken exchange says about the holder: refused or reset means nobody (or nobody any more) holds the port. */
export function exchangeFailure(error: unknown): Extract<ProofFailure, { detail: string }> {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { kind: 'unreachable', detail: code };
  return { kind: 'foreign', detail: code };
}

/**
 * Opens a connection to the bridge port and asks whoever holds it to prove it
 * is our bridge (an HMAC of a fresh nonce keyed by the admin token and bound to
 * the port, server/ownerProof.ts). Resolves the exchange once the proof holds,
 * so that whatever is sent next goes on the very connection whose peer proved
 * it: a program that takes the port later is reached only by a new connection,
 * which must prove itself again. Throws OwnerNotProven otherwise, the socket
 * closed.
 */
export async function openProvenExchange(port: number, adminToken: string, timeoutMs: number): Promise<LoopbackExchange> {
  const exchange = new LoopbackExchange(port, timeoutMs);
  try {
    const nonce = newOwnerNonce();
    let challenge: Answer;
    try {
      challenge = await exchange.get(`${OWNER_PROOF_PATH}?nonce=${nonce}`, {});
    } catch (error) {
      throw new OwnerNotProven(port, exchangeFailure(error));
    }
    const answer = parseJsonObject(challenge.text);
    if (challenge.status !== 200 || answer?.scheme !== OWNER_PROOF_SCHEME)
      throw new OwnerNotProven(port, { kind: 'foreign', detail: `no KeyBridge owner proof, HTTP ${challenge.status}` });
    if (!ownerProofMatches(adminToken, port, nonce, answer.proof)) throw new OwnerNotProven(port, { kind: 'unauthorized' });
    return exchange;
  } catch (error) {
    exchange.close();
    throw error;
  }
}

async function connectProven(port: number, adminToken: string): Promise<Socket> {
  const exchange = await openProvenExchange(port, adminToken, PROOF_TIMEOUT_MS);
  try {
    return exchange.release();
  } catch (error) {
    exchange.close();
    throw new OwnerNotProven(port, exchangeFailure(error));
  }
}

/**
 * The dispatcher of every client that sends the bridge port a secret from a
 * window (the admin token, the local token, keys): each new connection proves
 * its peer before undici writes a request to it, and a kept-alive connection
 * stays with the peer that proved itself. Reaches `127.0.0.1:<port>` only.
 * Its own Agent, so VS Code's proxy settings never come between the window and
 * the bridge.
 */
export function provenDispatcher(port: number, adminToken: string, keepAliveTimeout = 4_000): Agent {
  return new Agent({
    keepAliveTimeout,
    connect: (options, callback) => {
      if (options.protocol !== 'http:' || options.hostname !== HOST || Number(options.port) !== port) {
        callback(new Error(`a proven connection goes to ${HOST}:${port} only, not ${options.hostname}:${options.port}`), null);
        return;
      }
      connectProven(port, adminToken).then(
        (socket) => callback(null, socket),
        (error: unknown) => callback(error as Error, null),
      );
    },
  });
}
