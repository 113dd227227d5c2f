import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Verdict } from '../failover/classify';
import type { UsageSeen } from '../protocols/tokenUsage';
import { discardBody } from './upstreamClient';

export type RelayEnd =
  | { kind: 'complete' } // the upstream ended cleanly
  | { kind: 'interrupted'; reason: string } // the upstream broke or stalled; the relay ended the client's answer its own way
  | { kind: 'over-limit'; reason: string } // the answer outgrew what the bridge may hold of it; the relay ended it with the client's error
  | { kind: 'client-gone' };

/** What either relay reports once the answer ended, one way or the other. */
export interface RelayResult {
  end: RelayEnd;
  /** Token counts the answer reported. */
  usage: UsageSeen;
  /** The model the answer named, when it named one. */
  model?: string;
  /** A Responses id learnt from the answer, so `previous_response_id` can stay on its key. */
  responseId?: string;
  /** An error the provider reported inside the committed answer (quota, auth, rate limit still mark the key). */
  inBandError?: Verdict;
}

/** What a relay decides; the pump owns the lifecycle around it. */
export interface PumpHooks {
  /** An upstream chunk arrived: returns the bytes to send now, or calls `stop` to end the relay. */
  onChunk(chunk: Buffer, stop: (reason: string) => void): Buffer | undefined;
  /** The upstream ended cleanly: end the client's answer. */
  onEnd(): void;
  /** The upstream broke or stalled: end the client's answer as the protocol allows. */
  onBroken(reason: string): void;
  /** Words for an upstream transport error, for that answer and the log. */
  describeError?(error: Error): string;
}

/**
 * Moves an upstream body to the client, shared by both relays: backpressure
 * both ways, an idle clock for stalls that waits while the client holds us
 * back (a slow reader is not a stalled provider), and the upstream request
 * dropped at once when the client goes away.
 */
export function pumpBody(
  body: Readable,
  res: ServerResponse,
  idleTimeoutMs: number,
  stalledReason: string,
  hooks: PumpHooks,
  initial?: Buffer,
): Promise<RelayEnd> {
  return new Promise<RelayEnd>((resolve) => {
    let settled = false;
    let waitingForDrain = false;
    const finish = (end: RelayEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idleTimer);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      res.off('close', onClientClose);
      resolve(end);
    };
    const stop = (reason: string): void => {
      if (settled) return;
      discardBody(body);
      hooks.onBroken(reason);
      finish({ kind: 'interrupted', reason });
    };
    const onDrain = (): void => {
      waitingForDrain = false;
      lastActive = performance.now();
      body.resume();
    };
    const send = (data: Buffer | undefined): void => {
      if (data && data.length > 0 && !res.write(data)) {
        waitingForDrain = true;
        body.pause();
        res.once('drain', onDrain);
      }
    };
    const onData = (chunk: Buffer): void => {
      lastActive = performance.now();
      const out = hooks.onChunk(chunk, stop);
      if (!settled) send(out);
    };
    const onEnd = (): void => {
      hooks.onEnd();
      finish({ kind: 'complete' });
    };
    const onError = (error: Error): void => stop(hooks.describeError ? hooks.describeError(error) : error.message);
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      discardBody(body);
      finish({ kind: 'client-gone' });
    };
    // The idle clock is a time noted per chunk, looked at when the timer fires, which then waits out what is left:
    // refreshing a timer on every chunk cost more than the rest of relaying a streamed event (ARCHITECTURE §2).
    // performance.now() is monotonic, so a change of the wall clock neither cuts a stream nor keeps a stall open.
    let lastActive = performance.now();
    const onIdle = (): void => {
      if (settled) return;
      const quiet = performance.now() - lastActive;
      // While the client holds us back the upstream is not stalled: the clock waits a whole period again.
      if (waitingForDrain) idleTimer = setTimeout(onIdle, idleTimeoutMs);
      else if (quiet < idleTimeoutMs) idleTimer = setTimeout(onIdle, Math.ceil(idleTimeoutMs - quiet));
      else stop(stalledReason);
    };
    let idleTimer = setTimeout(onIdle, idleTimeoutMs);
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    res.on('close', onClientClose);
    send(initial);
    // A short answer can end while the gate held it paused: 'end' is emitted even then, before this pump listened.
    if (body.readableEnded) return onEnd();
    body.resume();
  });
}

/** How an upstream answer's commit gate ended: commit pauses the body for the relay, fail discards it. */
export type GateOutcome<C> = { kind: 'commit'; detail: C } | { kind: 'fail'; verdict: Verdict };

export interface GateHooks<C> {
  /** A chunk arrived: call `settle` once the gate knows, or return to wait for more. */
  onData(chunk: Buffer, settle: (outcome: GateOutcome<C>) => void): void;
  onEnd(settle: (outcome: GateOutcome<C>) => void): void;
  onError(error: Error): Verdict;
  onTimeout(): Verdict;
}

/**
 * Holds an upstream answer until its commit point, shared by both relays:
 * listeners, the deadline and the body's fate (paused for the relay, or
 * destroyed) are handled in one place whichever way the gate ends.
 */
export function holdUntilCommit<C>(body: Readable, timeoutMs: number, hooks: GateHooks<C>): Promise<GateOutcome<C>> {
  return new Promise<GateOutcome<C>>((resolve) => {
    let settled = false;
    const settle = (outcome: GateOutcome<C>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      if (outcome.kind === 'commit') body.pause();
      else discardBody(body);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => hooks.onData(chunk, settle);
    const onEnd = (): void => hooks.onEnd(settle);
    const onError = (error: Error): void => settle({ kind: 'fail', verdict: hooks.onError(error) });
    const timer = setTimeout(() => settle({ kind: 'fail', verdict: hooks.onTimeout() }), Math.max(1, timeoutMs));
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.resume();
  });
}
