import { asWire, wireArray, type Wire } from '../wire';

/**
 * The JSON Schema keywords Gemini's OpenAI-compatible endpoint takes in tool parameters (an OpenAPI subset);
 * it refuses the request over any other, e.g. the `$schema` and `additionalProperties` Claude Code's tools carry.
 */
const GEMINI_KEYWORDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'items',
  'properties',
  'required',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'anyOf',
  'default',
  'propertyOrdering',
]);

/**
 * A tool's JSON Schema in the subset Gemini takes: unknown keywords dropped (their names noted once),
 * `const` as a one-value `enum`, and a `["string", "null"]` type as the type with `nullable`. Property names
 * are data, not keywords: they are kept whatever they are called.
 */
export function geminiSchema(schema: Wire, notes: string[]): Wire {
  const dropped = new Set<string>();
  const out = adapt(schema, dropped);
  if (dropped.size) notes.push(`tool schema keywords Gemini refuses (${[...dropped].sort().join(', ')})`);
  return out;
}

function adapt(schema: Wire, dropped: Set<string>): Wire {
  const out: Wire = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'const') {
      out.enum = [value];
    } else if (keyword === 'type' && Array.isArray(value)) {
      const types = (value as unknown[]).filter((t) => t !== 'null');
      if (types.length === 1) out.type = types[0];
      else dropped.add('type lists');
      if (types.length < value.length) out.nullable = true;
    } else if (!GEMINI_KEYWORDS.has(keyword)) {
      dropped.add(keyword);
    } else if (keyword === 'properties') {
      const properties: Wire = {};
      for (const [name, sub] of Object.entries(asWire(value) ?? {})) properties[name] = asWire(sub) ? adapt(sub as Wire, dropped) : sub;
      out.properties = properties;
    } else if (keyword === 'items') {
      out.items = asWire(value) ? adapt(value as Wire, dropped) : value;
    } else if (keyword === 'anyOf') {
      out.anyOf = wireArray(value).map((sub) => adapt(sub, dropped));
    } else {
      out[keyword] = value;
    }
  }
  return out;
}
