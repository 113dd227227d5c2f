import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { classifyTransportError, errorFactsFromJson } from '../failover/classify';
import type { Endpoint, ProtocolAdapter } from '../protocols/protocol';
import { encodeSseEvent, type SseEvent } from '../protocols/sse';
import { redactSecrets } from '../secrets';
import type { StreamTranslator } from '../translation/streamTranslator';
import type { AnswerHold } from './answerHold';
import { pumpBody, type RelayResult } from './relayPump';
import { SseRelay } from './sseRelay';
import { isErrorEvent, parseEventJson } from './streamFacts';

/** The client's side of a translated stream: its protocol writes the terminal errors. */
export interface ClientStream {
  adapter: ProtocolAdapter;
  endpoint: Endpoint;
  translator: StreamTranslator;
  /** The attempt's key: what the translator built is searched for it before it goes out. */
  secret: string;
  /** Room for what the translator holds (capped, counted in the memory budget); the attempt releases it. */
  hold: AnswerHold;
}

/**
 * A stream from a pool of another protocol. The gate is the byte relay's, judged on the upstream's own events
 * (its preamble, its errors); after the commit each upstream event is translated as it arrives and the client's
 * events go out with the same backpressure and idle clock. An upstream error, break or stall ends the client's
 * stream with the client's own terminal error; a stream that ends cleanly without saying how the answer ended
 * was cut short and is ended the same way, never passed off as complete.
 */
export class TranslatedSseRelay extends SseRelay {
  /** The client's answer is closed: its final event or its terminal error went out. */
  private closed = false;
  /** Why the bridge ended the answer itself: it outgrew what may be held of it. */
  private overLimit: string | undefined;

  constructor(
    body: Readable,
    upstream: ProtocolAdapter,
    upstreamEndpoint: Endpoint,
    private readonly client: ClientStream,
  ) {
    super(body, upstream, upstreamEndpoint);
    this.gateLog = [];
  }

  override async pipeTo(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, idleTimeoutMs: number): Promise<RelayResult> {
    res.writeHead(status, headers);
    const send = (events: SseEvent[]): Buffer | undefined => {
      const out = this.translate(events);
      if (this.closed) return this.endAtFinal(res, out);
      return out ? Buffer.from(out) : undefined;
    };
    const first = send(this.gateLog?.splice(0) ?? []);
    const end = await pumpBody(
      this.body,
      res,
      idleTimeoutMs,
      `no data for ${Math.round(idleTimeoutMs / 1000)} s`,
      {
        onChunk: (chunk, stop) => {
          if (this.afterFinal(res, chunk, stop)) return undefined;
          const events = this.scanner.push(chunk);
          this.inspect(events);
          return send(events);
        },
        onEnd: () => {
          if (res.writableEnded) return;
          const events = this.scanner.end();
          this.inspect(events);
          let out = this.translate(events);
          if (!this.closed)
            out += this.client.translator.finishSeen ? this.close() : this.terminalError('the upstream ended its stream before saying how the answer ended');
          res.end(out);
        },
        describeError: (error) => classifyTransportError(error).reason,
        onBroken: (reason) => {
          if (!this.closed && !res.writableEnded && !res.destroyed) res.end(this.terminalError(`upstream stream interrupted (${reason})`));
        },
      },
      first,
    );
    this.clearGrace();
    // Said even when the client left after the error: the log must say why the answer ended.
    if (this.overLimit !== undefined) return this.result({ kind: 'over-limit', reason: this.overLimit });
    if (end.kind === 'interrupted' && this.closed) return this.result({ kind: 'complete' });
    return this.result(end);
  }

  /** Gives back the memory the answer held; the attempt calls it however the answer ended. */
  releaseHold(): void {
    this.client.hold.release();
  }

  /** The client's bytes for some upstream events; closes the answer at the upstream's final or error event. */
  private translate(events: SseEvent[]): string {
    let out = '';
    for (const event of events) {
      if (this.closed) break;
      if (event.data === undefined) continue;
      if (isErrorEvent(event)) {
        out += this.terminalError(`the provider reported an error: ${errorFactsFromJson(parseEventJson(event)).message ?? 'no message'}`);
        continue;
      }
      out += this.encode(this.client.translator.push(event));
      // Checked before the final event is written: it is the one that would repeat all that is held.
      const limit = this.client.hold.growTo(this.client.translator.heldChars);
      if (limit !== undefined) {
        this.overLimit = `the translated answer grew past ${limit}`;
        // Nothing more is held from here: the room goes back at once, not when the upstream lets go.
        this.client.hold.release();
        out += this.terminalError(`${this.overLimit}; it was ended here`);
        continue;
      }
      // A final event after an answer the provider stopped unfinished (DeepSeek's insufficient_system_resource)
      // is a cut, not a complete answer.
      if (this.adapter.isTerminal(event))
        out += this.client.translator.finishSeen ? this.close() : this.terminalError('the upstream stopped its answer before it was complete');
    }
    return out;
  }

  private close(): string {
    this.closed = true;
    return this.encode(this.client.translator.end());
  }

  /**
   * The client's bytes for translated events. The translator masked the key in the text it passed on, piece by
   * piece; each event is searched whole as well, for a quote in any other field (an id, a name).
   */
  private encode(events: SseEvent[]): string {
    let out = '';
    for (const event of events)
      out += encodeSseEvent(event.data === undefined ? event : { ...event, data: redactSecrets(event.data, [this.client.secret], 'body') });
    return out;
  }

  private terminalError(reason: string): string {
    this.closed = true;
    // The reason may quote the provider's error message, which may quote the key.
    return this.client.adapter.terminalStreamError(
      this.client.endpoint,
      `KeyBridge: ${redactSecrets(reason, [this.client.secret])}`,
      this.client.translator.facts ?? this.facts,
    );
  }
}
