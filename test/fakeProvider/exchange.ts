import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Ledger } from './ledger';
import type { LedgerEntry } from './types';

const EMPTY = Buffer.alloc(0);

export interface ExchangeHost {
  readonly journal: Ledger;
  /** True while close() tears everything down: those closes are not client aborts. */
  readonly closing: boolean;
  streamStarted(): void;
  streamEnded(): void;
}

/**
 * One request/response pair: writes, timers and backpressure, all cancelled when the socket goes away,
 * so close() never leaves a timer or a loop running behind it.
 */
export class Exchange {
  closed = false;
  /** Headers added to whatever response goes out (hugeHeader). */
  extraHeaders: OutgoingHttpHeaders | undefined;
  private selfDestroyed = false;
  private streaming = false;
  private cancelPending: (() => void) | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly entry: LedgerEntry,
    private readonly host: ExchangeHost,
  ) {
    res.on('finish', () => {
      entry.completed = true;
      entry.endedAt = Date.now();
      this.stopStreaming();
      host.journal.updated(entry);
    });
    res.on('close', () => this.onClose());
  }

  private onClose(): void {
    this.closed = true;
    const e = this.entry;
    if (!this.res.writableFinished) {
      const now = Date.now();
      if (!this.selfDestroyed && !this.host.closing) {
        e.aborted = true;
        e.abortedAt = now;
      }
      e.endedAt ??= now;
      this.host.journal.updated(e);
    }
    this.stopStreaming();
    const cancel = this.cancelPending;
    this.cancelPending = undefined;
    cancel?.();
  }

  private stopStreaming(): void {
    if (!this.streaming) return;
    this.streaming = false;
    this.host.streamEnded();
  }

  writeHead(status: number, headers: OutgoingHttpHeaders, flush: boolean): void {
    if (this.closed) return;
    this.res.writeHead(status, this.extraHeaders ? { ...headers, ...this.extraHeaders } : headers);
    if (flush) this.res.flushHeaders();
    this.entry.status = status;
    this.entry.headersSentAt = Date.now();
    this.host.journal.updated(this.entry);
  }

  /** A complete response in one go. */
  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
    if (this.closed) return;
    this.writeHead(status, headers, false);
    this.res.end(body);
  }

  /** Status and headers now, body later (streams, endless bodies). */
  startStreaming(status: number, headers: OutgoingHttpHeaders): void {
    this.writeHead(status, headers, true);
    if (!this.streaming && !this.closed) {
      this.streaming = true;
      this.host.streamStarted();
    }
  }

  /** Writes one SSE block; false means wait for drain(). */
  writeEvent(text: string): boolean {
    if (this.closed) return false;
    this.entry.eventsSent++;
    const ok = this.res.write(text);
    this.host.journal.updated(this.entry);
    return ok;
  }

  write(chunk: string | Buffer): boolean {
    if (this.closed) return false;
    return this.res.write(chunk);
  }

  end(): void {
    if (!this.closed) this.res.end();
  }

  /** Resolves true after ms, or false as soon as the socket closes. */
  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.cancelPending = undefined;
        resolve(!this.closed);
      }, ms);
      this.cancelPending = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  /** Resolves true on drain, false if the socket closes first. */
  drain(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onDrain = (): void => {
        this.cancelPending = undefined;
        resolve(!this.closed);
      };
      this.res.once('drain', onDrain);
      this.cancelPending = () => {
        this.res.off('drain', onDrain);
        resolve(false);
      };
    });
  }

  /** Resolves once everything written so far has reached the kernel (writes are corked until the next tick). */
  flushed(): Promise<void> {
    const socket = this.res.socket;
    if (this.closed || !socket || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.write(EMPTY, () => resolve());
    });
  }

  /** Our own hard close (reset, cut): not a client abort. */
  destroy(): void {
    this.selfDestroyed = true;
    if (this.closed) return;
    this.req.socket.destroy();
    this.res.destroy();
  }
}
