import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

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

/** One client connection: the responses under way on it (pipelining may make several), and since when it is idle. */
interface Connection {
  responses: Set<ServerResponse>;
  /** When its last response ended (or it opened), and in which order connections became idle. */
  idleSince: number;
  idleOrder: number;
}

/**
 * Keeps connections that send nothing from piling up until the process runs
 * out of file descriptors: caps the connections open at once and closes idle
 * ones after a timeout. When the cap is reached, a new connection still gets
 * in by closing the oldest idle one (an attacker's idle sockets are evicted,
 * a healthy client is served); only when every connection has a request in
 * flight is the new one refused.
 *
 * A request only touches its own connection's record: the idle ones are found by walking all of them, once a
 * second for the timeout and at the cap for the eviction, rather than kept in an order every request rearranges.
 */
export class ConnectionLimiter {
  /** Keyed by the sockets `accept` took; Node hands `clientError` the same socket as a Duplex. */
  private readonly connections = new Map<Duplex, Connection>();
  private idleCount = 0;
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
    return this.connections.size;
  }

  /** A new connection: admitted (evicting the oldest idle one at the cap) or refused. */
  accept(socket: Socket): void {
    if (this.open >= this.options.maxConnections) {
      const oldest = this.oldestIdle();
      if (!oldest) return this.refuse(socket);
      this.connections.delete(oldest);
      oldest.destroy();
    }
    this.connections.set(socket, { responses: new Set(), idleSince: Date.now(), idleOrder: this.idleCount++ });
    socket.once('close', () => this.connections.delete(socket));
  }

  requestStarted(socket: Socket, res: ServerResponse): void {
    this.connections.get(socket)?.responses.add(res);
  }

  requestEnded(socket: Socket, res: ServerResponse): void {
    const connection = this.connections.get(socket);
    if (!connection?.responses.delete(res) || connection.responses.size > 0) return;
    if (socket.destroyed) return void this.connections.delete(socket);
    connection.idleSince = Date.now();
    connection.idleOrder = this.idleCount++;
  }

  /** A response on the connection has sent its head: an error for the connection must not be spliced into it. */
  answering(socket: Duplex): boolean {
    for (const res of this.connections.get(socket)?.responses ?? []) if (res.headersSent) return true;
    return false;
  }

  dispose(): void {
    clearInterval(this.sweeper);
  }

  private oldestIdle(): Duplex | undefined {
    let oldest: Duplex | undefined;
    let order = Infinity;
    for (const [socket, connection] of this.connections) {
      if (connection.responses.size === 0 && connection.idleOrder < order) {
        oldest = socket;
        order = connection.idleOrder;
      }
    }
    return oldest;
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.idleTimeoutMs;
    for (const [socket, connection] of this.connections) {
      if (connection.responses.size > 0 || connection.idleSince > cutoff) continue;
      this.connections.delete(socket);
      socket.destroy();
    }
  }
}
