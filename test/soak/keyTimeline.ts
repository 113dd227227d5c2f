import type { KeyState } from '../../src/core/keys/keyHealth';

/**
 * One key health change as the headless bridge logs it:
 * `<iso time> info key <pool>/<key> (<masked>) <from> → <to>[ for <model>][ <n> s][: reason]`, or `still <state>`
 * where the key stayed in its state (a failed re-test, a new cooldown for a cooling key).
 */
export interface KeyTransition {
  at: number;
  /** `pool/key` */
  ref: string;
  from: KeyState;
  to: KeyState;
  reason: string | undefined;
}

const TRANSITION = /^(\S+) info key (\S+?\/\S+) \(.*?\) (?:(\w+) → (\w+)|still (\w+))(?: for \S+)?(?: \d+ s)?(?:: (.*))?$/;

export function parseTransitions(lines: readonly string[]): KeyTransition[] {
  const out: KeyTransition[] = [];
  for (const line of lines) {
    const m = TRANSITION.exec(line);
    if (!m) continue;
    // An unmatched group is undefined, whatever the index type says.
    const still = m[5] as string | undefined;
    const [from, to] = still === undefined ? [m[3], m[4]] : [still, still];
    out.push({ at: Date.parse(m[1]), ref: m[2], from: from as KeyState, to: to as KeyState, reason: m[6] });
  }
  return out;
}

/** Key states that no request may reach: the key must pass a re-test (or be restored) first. */
export const DEAD_STATES: ReadonlySet<KeyState> = new Set<KeyState>(['invalid', 'exhausted', 'retired']);

/**
 * Each key's logged state over time. Cooling ends lazily and is never
 * logged, so a key shown `cooling` here may already be ready again: only the
 * dead states are read from this timeline.
 */
export class KeyTimeline {
  private readonly byRef = new Map<string, KeyTransition[]>();

  constructor(readonly transitions: readonly KeyTransition[]) {
    for (const t of transitions) {
      const list = this.byRef.get(t.ref) ?? [];
      list.push(t);
      this.byRef.set(t.ref, list);
    }
    for (const list of this.byRef.values()) list.sort((a, b) => a.at - b.at);
  }

  /** The logged state at time `at` (the state a transition enters holds from its own timestamp on). */
  stateAt(ref: string, at: number): KeyState {
    return this.lastBefore(ref, at)?.to ?? 'ready';
  }

  /**
   * Whether the key was usable at any moment of [from, to], ends included: a request that
   * arrived at `to` may have been sent then (log times are whole milliseconds).
   */
  usableWithin(ref: string, from: number, to: number): boolean {
    if (!DEAD_STATES.has(this.stateAt(ref, from))) return true;
    return this.of(ref).some((t) => t.at > from && t.at <= to && !DEAD_STATES.has(t.to));
  }

  /** The transition that set the state holding at `at`, if any. */
  lastBefore(ref: string, at: number): KeyTransition | undefined {
    const list = this.byRef.get(ref) ?? [];
    let lo = 0;
    let hi = list.length; // first transition after `at`
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].at <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : list[lo - 1];
  }

  of(ref: string): readonly KeyTransition[] {
    return this.byRef.get(ref) ?? [];
  }
}
