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
