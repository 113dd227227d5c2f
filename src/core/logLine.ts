/** Longest value a log line quotes from a request or a provider; model names and paths are far shorter. */
const MAX_LOG_FIELD = 200;

// C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that reorder what a terminal shows.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A client- or provider-controlled value made safe for one log line: control
 * characters (newlines, ANSI escapes) spelt out as `\xNN`/`\uNNNN`, so no one
 * can forge a line or recolour a terminal, and cut to MAX_LOG_FIELD characters.
 */
export function logField(value: string, max = MAX_LOG_FIELD): string {
  const cut = value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value;
  return cut.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * How a key change reads in a log line: `ready → invalid`, or `still invalid` when the key stayed in its state (a
 * re-test that failed again, a new cooldown for a cooling key), which is no move from a state to itself.
 */
export function keyMove(previous: string, state: string): string {
  return previous === state ? `still ${state}` : `${previous} → ${state}`;
}
