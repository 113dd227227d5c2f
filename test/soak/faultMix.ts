import type { Fault } from '../fakeProvider/fakeProvider';
import type { SeededRandom } from './random';
import { SOAK_TUNING } from './soakProfile';

/**
 * One fault the provider will serve to the next attempt that takes one, with
 * what the checks need to know about it afterwards.
 */
export interface PlannedFault {
  fault: Fault;
  /** The figure line it is counted under, e.g. `429 retry-after-ms`, `cut@3`. */
  label: string;
  /** For 429s: the earliest moment, relative to the 429's end, at which the key may be used again. */
  coolingFloorMs?: number;
  /** For 429s with a date hint: the absolute earliest moment the key may be used again. */
  coolingUntil?: number;
}

const DEFAULT_COOLING_FLOOR = Math.floor((SOAK_TUNING.defaultCooldownMs ?? 0) * 0.8);
/** Under the first-byte timeout by a wide margin, so load cannot turn it into a timeout. */
const SLOW_OK_MAX_MS = 600;
/** Over the first-byte (and idle) timeout by a wide margin, so it always is one. */
const SLOW_TIMEOUT_MS = 4_000;

type FaultKind =
  | 'none'
  | 'rateLimit'
  | 'serverError'
  | 'overloaded'
  | 'html'
  | 'reset'
  | 'slowFirstByte'
  | 'slowFirstByteTimeout'
  | 'slowFirstEvent'
  | 'slowFirstEventTimeout'
  | 'cut'
  | 'stall'
  | 'errorEventFirst'
  | 'errorEventMid';

/**
 * Per attempt. Most attempts are clean; the rest is the bad day the issue lists. Each key takes dozens of
 * attempts a second here, so 429s stay rare per attempt: a key cooling for seconds after every few dozen
 * attempts would leave the primary pools dry and the backups serving everything.
 */
const WEIGHTS: Record<FaultKind, number> = {
  none: 70,
  rateLimit: 0.6,
  serverError: 4,
  overloaded: 2,
  html: 1,
  reset: 3,
  slowFirstByte: 4,
  slowFirstByteTimeout: 0.5,
  slowFirstEvent: 3,
  slowFirstEventTimeout: 0.5,
  cut: 4,
  stall: 1.5,
  errorEventFirst: 2,
  errorEventMid: 1.5,
};

const RATE_LIMIT_FORMS = 8;

/** The ways providers say how long to wait, each as the bridge must read it (docs/ARCHITECTURE.md §3). */
function rateLimit(random: SeededRandom, form = random.int(0, RATE_LIMIT_FORMS - 1)): PlannedFault {
  const now = Date.now();
  switch (form) {
    case 0:
      return { fault: { kind: 'rateLimit' }, label: '429 no hint', coolingFloorMs: DEFAULT_COOLING_FLOOR };
    case 1: {
      const ms = random.int(1_500, 3_500) + 0.5;
      return { fault: { kind: 'rateLimit', headers: { 'retry-after-ms': String(ms) } }, label: '429 retry-after-ms', coolingFloorMs: Math.floor(ms) };
    }
    case 2: {
      const s = random.pick([2, 2.5, 3]);
      return { fault: { kind: 'rateLimit', headers: { 'retry-after': String(s) } }, label: '429 retry-after seconds', coolingFloorMs: s * 1000 };
    }
    case 3: {
      // Whole seconds only: the deadline is the date itself, however long the fault waits in the queue.
      const until = Math.ceil((now + 3_000) / 1000) * 1000;
      return { fault: { kind: 'rateLimit', headers: { 'retry-after': new Date(until).toUTCString() } }, label: '429 retry-after date', coolingUntil: until };
    }
    case 4: {
      const s = random.pick(['2s', '2.5s', '3s', '0m3s']);
      const ms = s === '0m3s' ? 3_000 : Number.parseFloat(s) * 1000;
      return {
        fault: {
          kind: 'rateLimit',
          headers: {
            'x-ratelimit-remaining-requests': '0',
            'x-ratelimit-reset-requests': s,
            'x-ratelimit-remaining-tokens': '9000',
            'x-ratelimit-reset-tokens': '1ms',
          },
        },
        label: '429 x-ratelimit-reset (Go duration)',
        coolingFloorMs: ms,
      };
    }
    case 5: {
      const until = now + 3_000;
      return {
        fault: {
          kind: 'rateLimit',
          headers: { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': new Date(until).toISOString() },
        },
        label: '429 anthropic-ratelimit-reset (RFC 3339)',
        coolingUntil: until,
      };
    }
    case 6:
      // Reset headers for a window that is not exhausted say nothing about this 429: the default applies.
      return {
        fault: { kind: 'rateLimit', headers: { 'x-ratelimit-remaining-requests': '12', 'x-ratelimit-reset-requests': '20ms' } },
        label: '429 reset header with remaining > 0',
        coolingFloorMs: DEFAULT_COOLING_FLOOR,
      };
    default:
      return {
        fault: { kind: 'rateLimit', headers: { 'retry-after': '2', 'retry-after-ms': '2500' } },
        label: '429 retry-after-ms + retry-after',
        coolingFloorMs: 2_500,
      };
  }
}

/** One random fault; `variant` picks a fixed form (status, header form, error) instead of a random one. */
export function planFault(random: SeededRandom, kind: FaultKind = random.weighted(WEIGHTS), variant?: number): PlannedFault {
  const pick = <T>(items: readonly T[]): T => (variant === undefined ? random.pick(items) : items[variant % items.length]);
  switch (kind) {
    case 'none':
      // A zero wait is a clean answer that still takes the queued slot, so the queue keeps its order.
      return { fault: { kind: 'slowFirstByte', ms: 0 }, label: 'none' };
    case 'rateLimit':
      return rateLimit(random, variant);
    case 'serverError': {
      const status = pick([500, 502, 503, 504]);
      return { fault: { kind: 'serverError', status }, label: `${status}` };
    }
    case 'overloaded':
      return { fault: { kind: 'overloaded' }, label: 'overloaded (503 / 529)' };
    case 'html':
      return { fault: { kind: 'html', status: random.pick([502, 503]) }, label: 'HTML error page' };
    case 'reset':
      return { fault: { kind: 'reset' }, label: 'reset before headers' };
    case 'slowFirstByte':
      return { fault: { kind: 'slowFirstByte', ms: random.int(50, SLOW_OK_MAX_MS) }, label: 'slow first byte' };
    case 'slowFirstByteTimeout':
      return { fault: { kind: 'slowFirstByte', ms: SLOW_TIMEOUT_MS }, label: 'first byte timeout' };
    case 'slowFirstEvent':
      return { fault: { kind: 'slowFirstEvent', ms: random.int(50, SLOW_OK_MAX_MS) }, label: 'slow first event' };
    case 'slowFirstEventTimeout':
      return { fault: { kind: 'slowFirstEvent', ms: SLOW_TIMEOUT_MS }, label: 'first event timeout' };
    case 'cut': {
      const after = random.int(0, 8);
      return { fault: { kind: 'cut', afterEvents: after }, label: 'cut' };
    }
    case 'stall': {
      const after = random.int(0, 8);
      return { fault: { kind: 'stall', afterEvents: after }, label: 'stall' };
    }
    case 'errorEventFirst': {
      const error = pick(['overloaded', 'server', 'rateLimit', 'overloaded', 'server'] as const);
      return {
        fault: { kind: 'errorEvent', error, afterEvents: 0 },
        label: `error event first (${error})`,
        ...(error === 'rateLimit' ? { coolingFloorMs: DEFAULT_COOLING_FLOOR } : {}),
      };
    }
    case 'errorEventMid': {
      const error = pick(['overloaded', 'server', 'rateLimit', 'overloaded', 'server'] as const);
      return {
        fault: { kind: 'errorEvent', error, afterEvents: random.int(1, 3) },
        label: `error event mid-stream (${error})`,
        ...(error === 'rateLimit' ? { coolingFloorMs: DEFAULT_COOLING_FLOOR } : {}),
      };
    }
  }
}

/** One fault of every kind and form, so that a short run exercises each at least once whatever the dice say. */
export function everyFault(random: SeededRandom): PlannedFault[] {
  const variants: Partial<Record<FaultKind, number>> = { rateLimit: RATE_LIMIT_FORMS, serverError: 4, errorEventFirst: 3, errorEventMid: 3 };
  return (Object.keys(WEIGHTS) as FaultKind[]).flatMap((kind) => Array.from({ length: variants[kind] ?? 1 }, (_, v) => planFault(random, kind, v)));
}

/** A non-streamed 200 whose body does not start before the idle timeout: the bridge never commits to it. */
export function bodyNeverStarts(planned: PlannedFault | undefined): boolean {
  return planned?.fault.kind === 'slowFirstEvent' && planned.fault.ms >= SLOW_TIMEOUT_MS;
}

/** Lifecycle events the bridge holds back at its commit gate (docs/ARCHITECTURE.md §5), per endpoint of the fake. */
export function preambleEvents(endpoint: string): number {
  if (endpoint === 'responses') return 2; // response.created, response.in_progress
  if (endpoint === 'messages') return 1; // message_start
  return 0;
}

/**
 * Whether this fault, served to this attempt, breaks the answer after the
 * bridge has committed to it: the one case where a client may see an
 * interrupted answer although a healthy key was there.
 */
export function breaksAfterCommit(planned: PlannedFault | undefined, stream: boolean, endpoint: string): boolean {
  const fault = planned?.fault;
  if (!fault) return false;
  // A non-streamed answer commits with its first body byte: a body that never starts is failed over.
  if (!stream) return fault.kind === 'cut' || fault.kind === 'stall';
  if (fault.kind === 'cut' || fault.kind === 'stall') return fault.afterEvents > preambleEvents(endpoint);
  return fault.kind === 'errorEvent' && (fault.afterEvents ?? 0) > 0;
}
