import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { parseWire, type Wire } from '../translation/wire';
import type { BodyGateResult } from './bodyRelay';
import type { RelayResult } from './relayPump';
import { scanUsage } from './streamFacts';
import { readBounded } from './upstreamClient';

/** Far beyond any real answer; a provider sending more is not sending one we can translate. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * A non-streamed answer from a pool of another protocol. It must be read whole to be translated, so the gate
 * is the whole body: a body that breaks, stalls or is not JSON fails the attempt before the client saw
 * anything, and the route can still fail over.
 */
export class TranslatedBody {
  private out = Buffer.alloc(0);
  private readonly usage = { input: 0, output: 0 };

  constructor(
    private readonly body: Readable,
    private readonly translate: (answer: Wire) => Wire,
  ) {}

  async gate(timeoutMs: number): Promise<BodyGateResult> {
    let text: string;
    try {
      const read = await readBounded(this.body, MAX_ANSWER_BYTES, timeoutMs);
      if (read.truncated) return { kind: 'fail', verdict: { kind: 'transient', reason: 'an answer over 64 MiB' } };
      text = read.text;
    } catch {
      return { kind: 'fail', verdict: { kind: 'timeout', reason: 'the answer body broke or did not arrive in time' } };
    }
    const answer = parseWire(text);
    if (!answer) return { kind: 'fail', verdict: { kind: 'transient', reason: 'an answer that is not a JSON object' } };
    scanUsage(text, this.usage);
    this.out = Buffer.from(JSON.stringify(this.translate(answer)));
    return { kind: 'commit' };
  }

  pipeTo(res: ServerResponse, status: number, headers: OutgoingHttpHeaders): RelayResult {
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': this.out.length });
    res.end(this.out);
    return { end: { kind: 'complete' }, usage: this.usage };
  }
}
