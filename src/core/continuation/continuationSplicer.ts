import type { StreamFacts } from '../protocols/protocol';
import type { SseEvent } from '../protocols/sse';
import { isErrorEvent } from '../upstream/streamFacts';
import { ChatSplice } from './chatSplice';
import { MessagesSplice } from './messagesSplice';
import { ResponsesSplice } from './responsesSplice';
import { SpliceContext, type SplicedEvent, type SpliceMapper } from './spliceContext';
import type { StreamTranscript } from './streamTranscript';
import { asWire as asWireObject } from '../protocols/wire';
import type { StreamPosition } from './transcriptState';

/** Each format's splice, by the endpoint the transcript's position names. */
const SPLICES: { [E in StreamPosition['endpoint']]: (context: SpliceContext, position: Extract<StreamPosition, { endpoint: E }>) => SpliceMapper } = {
  messages: (context, position) => new MessagesSplice(context, position),
  chat: (context, position) => new ChatSplice(context, position),
  responses: (context, position) => new ResponsesSplice(context, position),
};
/**
 * waiting: nothing written yet (preamble so far); relaying: continuation bytes are in the client's stream;
 * ended: the client's stream has its terminal event; failed: the continuation failed before writing any of
 * its text (before anything at all, or when its text turned out to repeat the answer and then depart from it).
 */
export type SpliceStatus = 'waiting' | 'relaying' | 'ended' | 'failed';

/**
 * Turns the continuation's SSE events into bytes for the client's already open
 * stream, so that what the client receives is one well-formed answer: the
 * continuation's preamble goes, its content lands in the client's open block or
 * item without what repeats the text the client has (RepeatGuard), ids and
 * indices are the client's, usage covers the whole answer, and there is exactly
 * one terminal event. Everything written is noted in the transcript, which
 * therefore keeps describing what the client has.
 */
export class ContinuationSplicer {
  private state: SpliceStatus = 'waiting';
  private reason: string | undefined;
  private readonly mapper: SpliceMapper;
  private readonly context: SpliceContext;
  private refused = false;

  /** `prefilled`: the continuation was asked for with a true prefill (see SpliceContext). */
  constructor(
    private readonly transcript: StreamTranscript,
    prefilled: boolean,
  ) {
    transcript.keepOutputItems();
    const context = new SpliceContext(transcript, prefilled);
    this.context = context;
    const position = transcript.position;
    this.mapper = (SPLICES[position.endpoint] as (context: SpliceContext, position: StreamPosition) => SpliceMapper)(context, position);
  }

  get status(): SpliceStatus {
    return this.state;
  }

  /** Why the continuation failed (status 'failed'): the target's own error message, or what it sent instead. */
  get failure(): string | undefined {
    return this.reason;
  }

  /** The continuation failed because it could not be joined honestly (it repeated the answer and then departed), not for a fault of its target. */
  get refusedJoin(): boolean {
    return this.refused;
  }

  /** For a terminal error written after a cut of the continuation itself: the client's ids and sequence. */
  get facts(): StreamFacts {
    return this.transcript.facts;
  }

  /** The bytes to write for one whole continuation event ('' for none). */
  push(event: SseEvent): string {
    if (this.state === 'ended' || this.state === 'failed' || event.data === undefined) return '';
    if (this.state === 'waiting' && isErrorEvent(event)) return this.fail(errorMessage(event.data));
    let out: SplicedEvent[];
    if (event.data === '[DONE]') {
      out = [{ name: '', data: '[DONE]' }];
    } else {
      let json: Record<string, unknown> | undefined;
      try {
        json = asWireObject(JSON.parse(event.data));
      } catch {
        json = undefined;
      }
      if (!json) {
        if (this.state === 'waiting') return this.fail('the continuation sent an event that is not JSON');
        // Past the commit point a malformed event is forwarded as it came, as the relay does.
        out = [{ name: event.name, data: event.data }];
      } else {
        out = this.mapper.map(event.name || (typeof json.type === 'string' ? json.type : ''), json);
      }
    }
    // Nothing of a continuation that cannot be joined is written: the caller ends the stream as without continuation.
    const unjoinable = this.context.failure;
    if (unjoinable) {
      this.refused = true;
      return this.fail(unjoinable);
    }
    let bytes = '';
    for (const spliced of out) {
      this.transcript.note(spliced);
      bytes += spliced.name ? `event: ${spliced.name}\ndata: ${spliced.data}\n\n` : `data: ${spliced.data}\n\n`;
      if (this.transcript.ended) {
        this.state = 'ended';
        break;
      }
    }
    if (bytes && this.state === 'waiting') this.state = 'relaying';
    return bytes;
  }

  private fail(reason: string): string {
    this.state = 'failed';
    this.reason = reason;
    return '';
  }
}

function errorMessage(data: string): string {
  try {
    const json = asWireObject(JSON.parse(data));
    const error = asWireObject(json?.error) ?? asWireObject(asWireObject(json?.response)?.error) ?? json;
    if (typeof error?.message === 'string') return error.message;
  } catch {
    // fall through
  }
  return 'the continuation answered with an error';
}
