/**
 * A JSON object as it came over the wire: every field is checked before it is trusted. The one such type of the
 * core, shared by the protocols' readers, translation and continuation.
 */
export type Wire = Record<string, unknown>;

export function asWire(value: unknown): Wire | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Wire) : undefined;
}

export function wireArray(value: unknown): Wire[] {
  if (!Array.isArray(value)) return [];
  const out: Wire[] = [];
  for (const item of value as unknown[]) {
    const wire = asWire(item);
    if (wire) out.push(wire);
  }
  return out;
}

export function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** What a translation left out or changed, said once per request so the log shows what the target did not get. */
export interface TranslationNotes {
  dropped: string[];
}

export function numberOr(value: unknown, fallback: number): number;
export function numberOr(value: unknown, fallback: number | undefined): number | undefined;
export function numberOr(value: unknown, fallback: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A JSON object from wire text; undefined for anything else, malformed JSON included. */
export function parseWire(text: string): Wire | undefined {
  try {
    return asWire(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * A Chat tool call's `arguments` string as an Anthropic tool_use `input`, which must be an object. Arguments a
 * model got wrong are kept under `_raw_arguments`, so the agent's own error handling sees what came.
 */
export function toolArguments(args: unknown): Wire {
  if (typeof args !== 'string' || args === '') return {};
  return parseWire(args) ?? { _raw_arguments: args };
}

/** The text of a content field in either protocol: a plain string, or the text parts of a list, joined. */
export function contentText(content: unknown, separator: string): string {
  if (typeof content === 'string') return content;
  return wireArray(content)
    .filter((part) => part.type === 'text')
    .map((part) => stringOr(part.text, ''))
    .join(separator);
}

/**
 * How deep the bridge follows JSON it rewrites. JSON.parse takes any depth, but JSON.stringify and the
 * recursive walks of translation overflow the stack a few thousand levels down; real requests and answers
 * (tool schemas, tool inputs, content lists) stay within a few dozen.
 */
export const MAX_WIRE_DEPTH = 256;

/** Values already measured: the client's decoded body is asked about once per target of its route. */
const measured = new WeakMap<object, boolean>();

/**
 * Whether a parsed JSON value nests deeper than MAX_WIRE_DEPTH objects and arrays. Iterative, so it measures
 * safely the very values a recursive walk would overflow on.
 */
export function nestedTooDeep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const known = measured.get(value);
  if (known !== undefined) return known;
  // Each node with its depth (the outermost object or array is 1), in one array: the walk allocates nothing else.
  const pending: unknown[] = [value, 1];
  let tooDeep = false;
  while (pending.length > 0) {
    const depth = pending.pop() as number;
    const node = pending.pop() as Record<string, unknown> | unknown[];
    if (depth > MAX_WIRE_DEPTH) {
      tooDeep = true;
      break;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child = node[i];
        if (typeof child === 'object' && child !== null) pending.push(child, depth + 1);
      }
    } else {
      for (const name in node) {
        const child = node[name];
        if (typeof child === 'object' && child !== null) pending.push(child, depth + 1);
      }
    }
  }
  measured.set(value, tooDeep);
  return tooDeep;
}
