import type { ServerResponse, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { classifyStreamError, classifyTransportError, errorFactsFromJson, type Verdict } from '../failover/classify';
import type { Endpoint, ProtocolAdapter, StreamFacts, WireFormat } from '../protocols/protocol';
import { wireFormatOf } from '../protocols/table';
import { ANY_USAGE, emptyUsage, scanModel, type UsageReader, type UsageSeen } from '../protocols/tokenUsage';

/** Takes every whole event the client received, in order (the continuation transcript). */
export interface EventWitness {
  note(event: SseEvent): void;
}
import { SseScanner, type SseEvent } from '../protocols/sse';
import { holdUntilCommit, pumpBody, type GateOutcome, type RelayEnd, type RelayResult } from './relayPump';
import { isErrorEvent, noteStreamFacts, parseEventJson } from './streamFacts';

export type GateResult = { kind: 'commit'; firstEventAt: number } | { kind: 'fail'; verdict: Verdict };

/** How long an upstream may take to end its body after its final event before its connection is dropped. */
const FINAL_EVENT_GRACE_MS = 200;

/** Larger than any real event; an upstream that sends more without ending its event is not speaking SSE. */
const MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** Bytes up to and including the last complete event, so a terminal error never lands inside a half-sent event. */
function lastBoundaryEnd(data: Buffer): number {
  for (let i = data.length - 1; i > 0; i--) {
    if (data[i] !== 0x0a && data[i] !== 0x0d) continue;
    const prev = data[i - 1];
    if (data[i] === 0x0a && prev === 0x0a) return i + 1;
    if (data[i] === 0x0a && prev === 0x0d && i >= 3 && data[i - 2] === 0x0a && data[i - 3] === 0x0d) return i + 1;
    if (data[i] === 0x0d && prev === 0x0d) return i + 1;
  }
  return 0;
}

/**
 * One upstream SSE answer: first the commit gate (hold bytes until the first
 * real event, so a failure before it can still fail over), then the relay
 * (bytes to the client as they arrive, with backpressure, never re-encoded).
 */
export class SseRelay {
  readonly facts: StreamFacts = {};
  readonly usage: UsageSeen = emptyUsage();
  /** The model the answer named; looked for in its first few events only (every protocol names it early). */
  private model: string | undefined;
  private modelLooks = 0;
  /** Set when the provider reported an error inside a committed stream (e.g. quota). */
  inBandError: Verdict | undefined;
  protected readonly scanner = new SseScanner();
  private held: Buffer[] = [];
  /** The client has the protocol's final event (or a named error event): its answer is complete. */
  protected terminalSeen = false;
  /**
   * Every event the gate scanned, in order, for a relay that re-encodes events (a translated stream); the byte
   * relay sends the held bytes themselves and keeps none.
   */
  protected gateLog: SseEvent[] | undefined;
  /** Set when the client's answer ended at the final event: the upstream's last moment to end its body. */
  private grace: NodeJS.Timeout | undefined;
  private bytesAfterEnd = 0;
  /** Events scanned before the commit, for the witness: they go out with the held bytes. */
  private preCommit: SseEvent[] = [];
  /** The endpoint's wire format (undefined for a stream on a path the bridge only relays), looked up once. */
  private readonly format: WireFormat | undefined;
  private readonly usageReader: UsageReader;
  /** The texts that make events worth reading here (worthReading), looked up once per answer. */
  private readonly marks: RegExp;

  constructor(
    protected readonly body: Readable,
    protected readonly adapter: ProtocolAdapter,
    protected readonly endpoint: Endpoint,
    private readonly witness?: EventWitness,
  ) {
    this.format = wireFormatOf(endpoint);
    this.usageReader = this.format?.usage ?? ANY_USAGE;
    this.marks = marksOf(adapter, this.usageReader);
  }

  async gate(timeoutMs: number, now: () => number): Promise<GateResult> {
    type Settle = (outcome: GateOutcome<number>) => void;
    // Settles when an event decides the gate: an in-band error fails it, the first real event commits it.
    const consider = (events: SseEvent[], settle: Settle): boolean => {
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        if (event.data === undefined) continue; // comments and keep-alives do not commit
        noteStreamFacts(event, this.facts);
        if (isErrorEvent(event)) {
          settle({ kind: 'fail', verdict: classifyStreamError(errorFactsFromJson(parseEventJson(event))) });
          return true;
        }
        this.usageReader.scan(event.data, this.usage);
        this.noteModel(event.data);
        if (!this.adapter.isPreamble(event)) {
          for (const earlier of this.preCommit) this.witness?.note(earlier);
          this.preCommit = [];
          this.inspect(events.slice(i));
          settle({ kind: 'commit', detail: now() });
          return true;
        }
        if (this.witness) this.preCommit.push(event);
      }
      return false;
    };
    let heldBytes = 0;
    const outcome = await holdUntilCommit<number>(this.body, timeoutMs, {
      onData: (chunk, settle) => {
        this.held.push(chunk);
        heldBytes += chunk.length;
        // Lifecycle events are small: megabytes with no first event is an endless one, not worth holding.
        // Like a silent provider, one that does not speak SSE is left for the next target, not retried.
        if (heldBytes > 2 * MAX_EVENT_BYTES) return settle({ kind: 'fail', verdict: { kind: 'timeout', reason: 'no first event in the first 8 MiB' } });
        const events = this.scanner.push(chunk);
        this.gateLog?.push(...events);
        consider(events, settle);
      },
      onEnd: (settle) => {
        const events = this.scanner.end();
        this.gateLog?.push(...events);
        if (!consider(events, settle)) settle({ kind: 'fail', verdict: { kind: 'transient', reason: 'stream ended before any event' } });
      },
      onError: (error) => classifyTransportError(error),
      onTimeout: () => classifyTransportError({ code: 'FIRST_EVENT_TIMEOUT' }),
    });
    return outcome.kind === 'commit' ? { kind: 'commit', firstEventAt: outcome.detail } : outcome;
  }

  /**
   * Relays the committed stream to the client until either side ends it.
   * With `holdTerminal`, a broken upstream leaves the client's stream open
   * (the caller continues it, or ends it with `endWithError`).
   */
  async pipeTo(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, idleTimeoutMs: number, holdTerminal = false): Promise<RelayResult> {
    res.writeHead(status, headers);
    let carry: Buffer | undefined;
    // Only whole events go out, so a terminal error never lands inside a half-sent one.
    const aligned = (data: Buffer): Buffer => {
      const end = lastBoundaryEnd(data);
      carry = end === data.length ? undefined : data.subarray(end);
      return end === data.length ? data : data.subarray(0, end);
    };
    let first: Buffer | undefined = aligned(this.held.length === 1 ? this.held[0] : Buffer.concat(this.held));
    this.held = [];
    // From here the scanner is given whole events only (the relay's own aligned bytes), so what it holds of an
    // unfinished one is `carry`, pushed again with the bytes that finish it.
    this.scanner.forget();
    if (this.terminalSeen) first = this.endAtFinal(res, first);
    const end = await pumpBody(
      this.body,
      res,
      idleTimeoutMs,
      `no data for ${Math.round(idleTimeoutMs / 1000)} s`,
      {
        onChunk: (chunk, stop) => {
          if (this.afterFinal(res, chunk, stop)) return undefined;
          const out = aligned(carry ? Buffer.concat([carry, chunk]) : chunk);
          if (out.length > 0 && this.worthReading(out)) this.inspect(this.scanner.push(out));
          if (this.terminalSeen) return this.endAtFinal(res, out);
          if (carry && carry.length > MAX_EVENT_BYTES) stop('an event over 4 MiB');
          return out;
        },
        onEnd: () => {
          if (res.writableEnded) return;
          if (carry) this.inspect(this.scanner.push(carry));
          this.inspect(this.scanner.end());
          // A clean end without the protocol's terminal event still ends the client's stream at once.
          res.end(carry);
        },
        describeError: (error) => classifyTransportError(error).reason,
        onBroken: (reason) => {
          if (!holdTerminal && !this.terminalSeen) this.endWithError(res, reason, this.facts);
        },
      },
      first,
    );
    this.clearGrace();
    // A break or stall after the final event cost the client nothing.
    if (end.kind === 'interrupted' && this.terminalSeen) return this.result({ kind: 'complete' });
    return this.result(end);
  }

  /**
   * Once the final event is out the client's answer is complete: end it at once, whatever the upstream does
   * next (stay open, reset, go silent). The upstream gets a moment to end its body, so its connection can be
   * reused; one that keeps the stream open after its final event is dropped then.
   */
  protected endAtFinal(res: ServerResponse, bytes: Buffer | string | undefined): undefined {
    if (res.writableEnded) return undefined;
    res.end(bytes);
    this.grace = setTimeout(() => {
      this.body.on('error', () => undefined);
      this.body.destroy(new Error('the upstream kept the stream open after its final event'));
    }, FINAL_EVENT_GRACE_MS);
    return undefined;
  }

  /** Whether a chunk came after the client's answer ended: nothing follows a final event, and an upstream that keeps sending is not read for ever. */
  protected afterFinal(res: ServerResponse, chunk: Buffer, stop: (reason: string) => void): boolean {
    if (!res.writableEnded) return false;
    this.bytesAfterEnd += chunk.length;
    if (this.bytesAfterEnd > 64 * 1024) stop('data after the final event');
    return true;
  }

  /** The relay is over: no body is left to drop. */
  protected clearGrace(): void {
    clearTimeout(this.grace);
  }

  protected result(end: RelayEnd): RelayResult {
    return {
      end,
      usage: this.usage,
      model: this.model,
      responseId: this.format?.chainsAnswers ? this.facts.responseId : undefined,
      inBandError: this.inBandError,
    };
  }

  /** Ends the client's stream with the protocol's own terminal error. */
  endWithError(res: ServerResponse, reason: string, facts: StreamFacts): void {
    if (!res.writableEnded && !res.destroyed)
      res.end(this.adapter.terminalStreamError(this.endpoint, `KeyBridge: upstream stream interrupted (${reason})`, facts));
  }

  /**
   * Whether whole events `bytes` may hold something the relay notes: the protocol's end, a usage, an error (by
   * name or in the data), or, while still looked for, the model; every event, when a witness keeps them or the
   * format's terminal error repeats facts of the stream. Most events of a stream are content deltas holding none of
   * these texts: found absent by one search of the bytes read as latin1 (one character per byte, so the marks'
   * UTF-8 bytes match as they are), they are relayed without being decoded or parsed, which was most of what
   * relaying an event cost (ARCHITECTURE §2). One pattern over that text costs a third of a native search per mark.
   */
  private worthReading(bytes: Buffer): boolean {
    if (this.witness || this.format?.terminalRepeatsFacts || (this.model === undefined && this.modelLooks < 3)) return true;
    return this.marks.test(bytes.toString('latin1'));
  }

  private noteModel(data: string): void {
    if (this.model !== undefined || this.modelLooks >= 3) return;
    this.modelLooks++;
    this.model = scanModel(data);
  }

  /** Post-commit look at events: usage, in-band errors (they still mark the key), the normal end. */
  protected inspect(events: SseEvent[]): void {
    for (const event of events) {
      if (event.data === undefined) continue;
      this.witness?.note(event);
      if (this.format?.terminalRepeatsFacts) noteStreamFacts(event, this.facts);
      this.usageReader.scan(event.data, this.usage);
      this.noteModel(event.data);
      if (isErrorEvent(event)) this.inBandError = classifyStreamError(errorFactsFromJson(parseEventJson(event)));
      // Anthropic and Responses name their error events, and nothing follows them; a Chat error chunk is followed by [DONE].
      if (this.adapter.isTerminal(event) || event.name === 'error') this.terminalSeen = true;
    }
  }
}

/** Texts that make an event worth decoding: in-band errors (named `error`, `response.failed`, or an `"error"` field) and the protocol's end and usage. */
const ERROR_MARKS = ['error', 'response.failed'];
const marksCache = new Map<ProtocolAdapter, Map<UsageReader, RegExp>>();
const SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** One pattern matching any of the marks' UTF-8 bytes in a latin1 reading of the relayed bytes. */
function marksOf(adapter: ProtocolAdapter, usage: UsageReader): RegExp {
  let byUsage = marksCache.get(adapter);
  if (!byUsage) marksCache.set(adapter, (byUsage = new Map<UsageReader, RegExp>()));
  let marks = byUsage.get(usage);
  if (!marks) {
    const texts = [...new Set([...ERROR_MARKS, ...adapter.terminalMarks, usage.mark])];
    marks = new RegExp(texts.map((mark) => Buffer.from(mark, 'utf8').toString('latin1').replace(SPECIAL, '\\$&')).join('|'));
    byUsage.set(usage, marks);
  }
  return marks;
}
