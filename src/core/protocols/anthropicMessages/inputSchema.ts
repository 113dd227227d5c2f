import { asWire, wireArray, type Wire } from '../wire';

const COMBINATORS = ['oneOf', 'anyOf', 'allOf'] as const;

/**
 * A tool's JSON Schema as Anthropic takes it for `input_schema`: it must describe an object, and Anthropic refuses
 * `oneOf`, `anyOf` and `allOf` at its root ("input_schema does not support oneOf, allOf, or anyOf at the top
 * level"), which would have every request of the session refused. A typeless schema with properties is an object;
 * root alternatives become one object with every branch's properties, required only where every alternative (or
 * any part of an `allOf`) requires them, and the change is noted; anything else is sent as an empty object.
 */
export function anthropicInputSchema(schema: Wire, notes: string[]): Wire {
  const combined = COMBINATORS.filter((keyword) => schema[keyword] !== undefined);
  if (combined.length > 0) return mergedRoot(schema, combined, notes);
  if (schema.type === 'object') return schema;
  if (schema.type === undefined && asWire(schema.properties)) return { ...schema, type: 'object' };
  notes.push('a tool schema that is not an object (sent as an empty object)');
  return { type: 'object', properties: {} };
}

function mergedRoot(schema: Wire, combined: readonly (typeof COMBINATORS)[number][], notes: string[]): Wire {
  const out: Wire = Object.fromEntries(Object.entries(schema).filter(([keyword]) => !(COMBINATORS as readonly string[]).includes(keyword)));
  out.type = 'object';
  const properties: Wire = { ...asWire(schema.properties) };
  const required = new Set(stringList(schema.required));
  for (const keyword of combined) {
    const branches = wireArray(schema[keyword]).filter((branch) => branch.type === 'object' || (branch.type === undefined && asWire(branch.properties)));
    for (const branch of branches) Object.assign(properties, asWire(branch.properties));
    const requiredByBranch = branches.map((branch) => stringList(branch.required));
    // allOf: each part must hold, so what any part requires is required; one of several alternatives: only what all require.
    const kept =
      keyword === 'allOf' ? requiredByBranch.flat() : (requiredByBranch[0] ?? []).filter((name) => requiredByBranch.every((list) => list.includes(name)));
    for (const name of kept) required.add(name);
  }
  out.properties = properties;
  if (required.size > 0) out.required = [...required];
  else delete out.required;
  notes.push(`a tool schema's ${combined.join('/')} at its root (sent as one object with every branch's properties)`);
  return out;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
