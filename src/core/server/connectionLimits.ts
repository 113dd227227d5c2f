import type { Socket } from 'node:net';

export interface ConnectionLimitOptions {
  /** Client connections open at once; past it the oldest idle one is closed to make room. */
  maxConnections: number;
  /** A connection with no request in flight (new, or between keep-alive requests) is closed after this long. */
  idleTimeoutMs: number;
}

/**
 * Room for every agent and SDK on a machine many times over (each keeps a few
 * keep-alive connections), and far below the usual descriptor limits.
 * The idle timeout outlasts the 15-second header timeout, so a client that
 * sends its headers slowly still gets its 408 rather than a silent close.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimitOptions = { maxConnections: 1024, idleTimeoutMs: 20_000 };

/**
 * Keeps connections that send nothing from piling up until the process runs
 * out of file descriptors: caps the connections open at once and closes idle
 * ones after a timeout. When the cap is reached, a new connection still gets
 * in by closing the oldest idle one (an attacker's idle sockets are evicted,
 * a healthy client is served); only when every connection has a request in
 * flight is the new one refused.
 */
export class ConnectionLimiter {
  /** Idle connections and since when, oldest first (a connection that becomes idle again moves to the end). */
  private readonly idle = new Map<Socket, number>();
  /** Connections with requests in flight, and how many (pipelining). */
  private readonly busy = new Map<Socket, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: ConnectionLimitOptions,
    /** Answers and closes a connection that cannot be taken. */
    private readonly refuse: (socket: Socket) => void,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(1_000, Math.max(50, options.idleTimeoutMs / 4)));
    this.sweeper.unref();
  }

  get open(): number {
    return this.idle.size + this.busy.size;
  }

  /** A new connection: admitted (evicting the oldest idle one at the cap) or refused. */
  accept(socket: Socket): void {
    if (this.open >= this.options.maxConnections) {
      const oldest = this.idle.keys().next();
      if (oldest.done) return this.refuse(socket);
      this.idle.delete(oldest.value);
      oldest.value.destroy();
    }
    this.idle.set(socket, Date.now());
    socket.once('close', () => {
      this.idle.delete(socket);
      this.busy.delete(socket);
    });
  }

  requestStarted(socket: Socket): void {
    if (socket.destroyed) return;
    this.idle.delete(socket);
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
  }

  requestEnded(socket: Socket): void {
    const left = (this.busy.get(socket) ?? 1) - 1;
    if (left > 0) return void this.busy.set(socket, left);
    this.busy.delete(socket);
    if (!socket.destroyed) this.idle.set(socket, Date.now());
  }

  dispose(): void {
    clearInterval(this.sweeper);
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.idleTimeoutMs;
    for (const [socket, since] of this.idle) {
      if (since > cutoff) break;
      this.idle.delete(socket);
      socket.destroy();
    }
  }
}
