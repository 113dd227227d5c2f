/** A JSON object as it came over the wire: every field is checked before it is trusted. */
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

export function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
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
