import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RelayEnd } from './sseRelay';
import { discardBody } from './upstreamClient';

export interface BodyRelayEnd {
  end: RelayEnd;
  /** Whether the status and headers went out. They wait for the first body byte: until then nothing reached the client and the attempt can still fail over. */
  committed: boolean;
  /** The first and last bytes of the body, for the response id and token usage. */
  head: Buffer | undefined;
  tail: Buffer | undefined;
}

export const BODY_STALLED = 'upstream body stalled';

/**
 * Relays a non-stream answer as it arrives, with backpressure. The status
 * and headers go out with the first body byte; once they are out, a failure
 * can only cut the connection, which every client sees as a truncated
 * response rather than a wrong one.
 */
export function relayBody(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Readable, idleTimeoutMs: number): Promise<BodyRelayEnd> {
  return new Promise<BodyRelayEnd>((resolve) => {
    let committed = false;
    const commit = (): void => {
      if (committed) return;
      committed = true;
      res.writeHead(status, headers);
    };
    let head: Buffer | undefined;
    let tail: Buffer | undefined;
    let settled = false;
    let waitingForDrain = false;
    const finish = (end: RelayEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      res.off('close', onClientClose);
      resolve({ end, committed, head, tail });
    };
    const onDrain = (): void => {
      waitingForDrain = false;
      idle.refresh();
      body.resume();
    };
    const onData = (chunk: Buffer): void => {
      idle.refresh();
      if (!head) head = chunk;
      tail = chunk;
      commit();
      if (!res.write(chunk)) {
        waitingForDrain = true;
        body.pause();
        res.once('drain', onDrain);
      }
    };
    const onEnd = (): void => {
      commit();
      res.end();
      finish({ kind: 'complete' });
    };
    const cut = (reason: string): void => {
      discardBody(body);
      if (committed) res.destroy();
      finish({ kind: 'interrupted', reason });
    };
    const onError = (error: Error): void => cut(error.message);
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      discardBody(body);
      finish({ kind: 'client-gone' });
    };
    const idle = setTimeout(() => (waitingForDrain ? idle.refresh() : cut(BODY_STALLED)), idleTimeoutMs);
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    res.on('close', onClientClose);
  });
}
