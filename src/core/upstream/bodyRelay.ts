import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { BodyScrubber } from './bodyScrubber';
import { pumpBody, type RelayEnd } from './relayPump';

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
export async function relayBody(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Readable, idleTimeoutMs: number, scrubber?: BodyScrubber): Promise<BodyRelayEnd> {
  let committed = false;
  let head: Buffer | undefined;
  let tail: Buffer | undefined;
  const commit = (): void => {
    if (committed) return;
    committed = true;
    res.writeHead(status, headers);
  };
  const end = await pumpBody(body, res, idleTimeoutMs, BODY_STALLED, {
    onChunk(chunk) {
      head ??= chunk;
      tail = chunk;
      commit();
      const out = scrubber ? scrubber.push(chunk) : chunk;
      // The scrubber held the chunk back; the status goes out now all the same, as the commit point says.
      if (out.length === 0) res.flushHeaders();
      return out;
    },
    onEnd() {
      commit();
      res.end(scrubber?.flush());
    },
    onBroken() {
      if (committed) res.destroy();
    },
  });
  return { end, committed, head, tail };
}
