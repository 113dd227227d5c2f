import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { RelayEnd } from './sseRelay';
import { discardBody } from './upstreamClient';

export interface BodyRelayEnd {
  end: RelayEnd;
  /** The first and last bytes of the body, for the response id and token usage. */
  head: Buffer | undefined;
  tail: Buffer | undefined;
}

/**
 * Relays a committed non-stream answer as it arrives, with backpressure.
 * Once headers are out, a failure can only cut the connection, which every
 * client sees as a truncated response rather than a wrong one.
 */
export function relayBody(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Readable, idleTimeoutMs: number): Promise<BodyRelayEnd> {
  res.writeHead(status, headers);
  return new Promise<BodyRelayEnd>((resolve) => {
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
      resolve({ end, head, tail });
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
      if (!res.write(chunk)) {
        waitingForDrain = true;
        body.pause();
        res.once('drain', onDrain);
      }
    };
    const onEnd = (): void => {
      res.end();
      finish({ kind: 'complete' });
    };
    const cut = (reason: string): void => {
      discardBody(body);
      res.destroy();
      finish({ kind: 'interrupted', reason });
    };
    const onError = (error: Error): void => cut(error.message);
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      discardBody(body);
      finish({ kind: 'client-gone' });
    };
    const idle = setTimeout(() => (waitingForDrain ? idle.refresh() : cut('upstream body stalled')), idleTimeoutMs);
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    res.on('close', onClientClose);
  });
}
