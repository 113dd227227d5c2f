// A tool's JSON Schema in the subset Gemini's OpenAI-compatible endpoint takes (issue 20): it refuses the request
// over any other keyword. Each case gives the exact schema sent and the one note naming what was dropped.
import assert from 'node:assert/strict';
import { geminiSchema } from '../../src/core/protocols/openaiChat/geminiSchema';
import type { Wire } from '../../src/core/protocols/wire';

const cases: { name: string; schema: Wire; sent: Wire; dropped?: string }[] = [
  {
    name: 'a schema in the subset as it is, with no note',
    schema: { type: 'object', description: 'Args.', properties: { a: { type: 'string', enum: ['x'] } }, required: ['a'] },
    sent: { type: 'object', description: 'Args.', properties: { a: { type: 'string', enum: ['x'] } }, required: ['a'] },
  },
  {
    name: 'unknown keywords dropped at every depth and named once, sorted; property names kept whatever they are',
    schema: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        $schema: { type: 'string', examples: ['a'] },
        list: { type: 'array', items: { type: 'object', properties: { n: { type: 'number', exclusiveMinimum: 0 } }, additionalProperties: false } },
        tuple: { type: 'array', items: true },
        any: true,
        choice: { anyOf: [{ type: 'string', const: 'a' }, { type: 'integer', multipleOf: 2 }, 'junk'] },
      },
      additionalProperties: false,
    },
    sent: {
      type: 'object',
      properties: {
        $schema: { type: 'string' },
        list: { type: 'array', items: { type: 'object', properties: { n: { type: 'number' } } } },
        tuple: { type: 'array', items: true },
        any: true,
        choice: { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'integer' }] },
      },
    },
    dropped: 'tool schema keywords Gemini refuses ($schema, additionalProperties, examples, exclusiveMinimum, multipleOf)',
  },
  {
    name: 'a type list with null as the type and nullable; a single-type list as the type; a list of several types dropped',
    schema: {
      type: 'object',
      properties: { a: { type: ['string', 'null'] }, b: { type: ['integer'] }, c: { type: ['string', 'number'] }, d: { type: ['string', 'number', 'null'] } },
    },
    sent: { type: 'object', properties: { a: { type: 'string', nullable: true }, b: { type: 'integer' }, c: {}, d: { nullable: true } } },
    dropped: 'tool schema keywords Gemini refuses (type lists)',
  },
];

describe('Gemini tool schema', () => {
  for (const { name, schema, sent, dropped } of cases) {
    it(`sends ${name}`, () => {
      const notes: string[] = [];
      assert.deepStrictEqual(geminiSchema(schema, notes), sent);
      assert.deepStrictEqual(notes, dropped === undefined ? [] : [dropped]);
    });
  }
});
