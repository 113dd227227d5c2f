// A tool's JSON Schema as Anthropic takes it (issue 20): it must describe an object, with no oneOf/anyOf/allOf at
// its root, or every request of the session is refused. Each case gives the exact schema sent and the note.
import assert from 'node:assert/strict';
import { anthropicInputSchema } from '../../src/core/protocols/anthropicMessages/inputSchema';
import type { Wire } from '../../src/core/protocols/wire';

const EMPTY_OBJECT = { type: 'object', properties: {} };
const NOT_AN_OBJECT = 'a tool schema that is not an object (sent as an empty object)';
const merged = (keywords: string) => `a tool schema's ${keywords} at its root (sent as one object with every branch's properties)`;
const str = { type: 'string' };

const cases: { name: string; schema: Wire; sent: Wire; note?: string }[] = [
  {
    name: 'an object schema as it is',
    schema: { type: 'object', properties: { a: str }, required: ['a'] },
    sent: { type: 'object', properties: { a: str }, required: ['a'] },
  },
  { name: 'a typeless schema with properties as an object', schema: { properties: { a: str } }, sent: { type: 'object', properties: { a: str } } },
  { name: 'an empty schema as an empty object, noted', schema: {}, sent: EMPTY_OBJECT, note: NOT_AN_OBJECT },
  { name: 'an array schema as an empty object, noted', schema: { type: 'array', items: str, properties: { a: str } }, sent: EMPTY_OBJECT, note: NOT_AN_OBJECT },
  {
    name: 'anyOf: root properties kept, every branch’s properties, required only where every object branch requires it',
    schema: {
      description: 'Edit or create.',
      properties: { path: str },
      required: ['path', 7],
      anyOf: [
        { type: 'object', properties: { old: str, new: str }, required: ['old', 'new'] },
        { properties: { content: str, new: str }, required: ['new', 'content'] },
        { type: 'null', required: [] },
        { description: 'no properties', required: [] },
      ],
    },
    sent: { description: 'Edit or create.', type: 'object', properties: { path: str, old: str, new: str, content: str }, required: ['path', 'new'] },
    note: merged('anyOf'),
  },
  {
    name: 'oneOf and allOf: what any part of allOf requires is required',
    schema: {
      oneOf: [{ type: 'object', properties: { a: str }, required: ['a'] }],
      allOf: [
        { type: 'object', properties: { b: str }, required: ['b', 3] },
        { type: 'object', properties: { c: str }, required: ['c'] },
      ],
    },
    sent: { type: 'object', properties: { a: str, b: str, c: str }, required: ['a', 'b', 'c'] },
    note: merged('oneOf/allOf'),
  },
  {
    name: 'alternatives of which none is an object: an object with no required properties',
    schema: { oneOf: [str, { type: 'number' }], required: 'a' },
    sent: { type: 'object', properties: {} },
    note: merged('oneOf'),
  },
];

describe('Anthropic tool input schema', () => {
  for (const { name, schema, sent, note } of cases) {
    it(`sends ${name}`, () => {
      const notes: string[] = [];
      assert.deepStrictEqual(anthropicInputSchema(schema, notes), sent);
      assert.deepStrictEqual(notes, note === undefined ? [] : [note]);
    });
  }
});
