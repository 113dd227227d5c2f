import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Verdict } from '../failover/classify';
import type { BodyScrubber } from './bodyScrubber';
import { holdUntilCommit, pumpBody, type RelayResult } from './relayPump';
import type { WireFormat } from '../protocols/protocol';
import { ANY_USAGE, emptyUsage, scanModel } from '../protocols/tokenUsage';

export type BodyGateResult = { kind: 'commit' } | { kind: 'fail'; verdict: Verdict };

const COMMIT: BodyGateResult = { kind: 'commit' };

const RESPONSE_ID = /"id"\s*:\s*"(resp_[^"]+)"/;

/**
 * One non-stream answer. The gate waits for the first body byte: until then
 * nothing reached the client and the attempt can still fail over (a body that
 * stalls or breaks before it starts is a silent provider). After it, the relay
 * moves the body as it arrives with backpressure; a failure then can only cut
 * the connection, which every client sees as a truncated answer, never a wrong one.
 */
export class BodyRelay {
  private first: Buffer | undefined;
  private endedEmpty = false;

  /** `scrubber` removes quotes of the pool key from the body as it passes. */
  constructor(
    private readonly body: Readable,
    private readonly scrubber?: BodyScrubber,
  ) {}

  async gate(timeoutMs: number): Promise<BodyGateResult> {
    // Most answers come in the read that brought their headers: then the first byte is here already, and
    // taking it needs no listener, timer or pause (docs/ARCHITECTURE.md §2).
    if (this.body.readableLength > 0) {
      this.first = this.body.read() as Buffer;
      return COMMIT;
    }
    const outcome = await holdUntilCommit<undefined>(this.body, timeoutMs, {
      onData: (chunk, settle) => {
        this.first = chunk;
        settle({ kind: 'commit', detail: undefined });
      },
      // An empty body is a complete answer (e.g. a 204), not a failure.
      onEnd: (settle) => {
        this.endedEmpty = true;
        settle({ kind: 'commit', detail: undefined });
      },
      onError: () => ({ kind: 'transient', reason: 'answer body broke before its first byte' }),
      onTimeout: () => ({ kind: 'timeout', reason: 'no answer body in time' }),
    });
    return outcome.kind === 'commit' ? { kind: 'commit' } : outcome;
  }

  /** Sends the status and headers with the first byte, then the rest of the body; `format` is the endpoint's, for its usage and answer id. */
  async pipeTo(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, idleTimeoutMs: number, format: WireFormat | undefined): Promise<RelayResult> {
    res.writeHead(status, headers);
    const usage = emptyUsage();
    if (this.endedEmpty) {
      res.end();
      return { end: { kind: 'complete' }, usage };
    }
    const head = this.first;
    let tail = head;
    const scrubber = this.scrubber;
    if (head && hasEnded(this.body)) {
      // The first chunk was the whole answer (most non-streamed answers are): it goes out in one write, with no
      // pump to set up and take down for an end that is already known.
      res.end(scrubber ? scrubber.push(head, true) : head);
      // The body is left as it is, its end read by no one: undici released the connection when the answer was
      // complete, and what it still holds (its listener on the request's own cancel signal) goes with the request.
      // Resuming it and the request's body to their 'end' and 'close' cost 2 % of a small request's CPU, for events
      // nothing reads.
      const text = head.toString('utf8');
      (format?.usage ?? ANY_USAGE).scan(text, usage);
      return { end: { kind: 'complete' }, usage, model: scanModel(text), responseId: format?.chainsAnswers ? responseIdOf(head) : undefined };
    }
    // The scrubber may hold the first bytes back; the status goes out now all the same, as the commit point says.
    const initial = head && scrubber ? scrubber.push(head) : head;
    if (!initial || initial.length === 0) res.flushHeaders();
    const end = await pumpBody(
      this.body,
      res,
      idleTimeoutMs,
      'upstream body stalled',
      {
        onChunk(chunk) {
          tail = chunk;
          return scrubber ? scrubber.push(chunk) : chunk;
        },
        onEnd() {
          res.end(scrubber?.flush());
        },
        onBroken() {
          res.destroy();
        },
      },
      initial,
    );
    if (tail) (format?.usage ?? ANY_USAGE).scan(tail.toString('utf8'), usage);
    // The model comes early in every protocol's answer: the first chunk has it.
    return {
      end,
      usage,
      model: head ? scanModel(head.toString('utf8')) : undefined,
      responseId: format?.chainsAnswers && head ? responseIdOf(head) : undefined,
    };
  }
}

/**
 * The upstream has sent the body's end and nothing is left buffered: no byte can follow what was read. Node keeps
 * this in the stream's state only (its public `readableEnded` waits for the 'end' event, a tick and a listener
 * away); where that state is not there the answer takes the pump, as every answer once did.
 */
function hasEnded(body: Readable): boolean {
  return body.readableLength === 0 && (body as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
}

function responseIdOf(head: Buffer): string | undefined {
  const match = RESPONSE_ID.exec(head.subarray(0, 512).toString('latin1'));
  // A copy, not a slice of the 512-character text: the affinity table keeps up to 20,000 of these ids.
  return match ? Buffer.from(match[1], 'latin1').toString('latin1') : undefined;
}
