// Guards the fast read of request bodies: the body is parsed as latin1 (a big prompt with any non-ASCII text costs
// several times more to decode than to parse), so every field routing reads, every error and every read of `json`
// must be exactly what a plain UTF-8 JSON.parse gives, escapes and multi-byte text included.
import assert from 'node:assert/strict';
import { parseRequestFields, RequestBodyError } from '../../src/core/server/requestBody';
import { must } from '../helpers/must';

function utf8Error(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return `request body is not valid JSON: ${(error as Error).message.slice(0, 120)}`;
  }
  throw new Error('expected invalid JSON');
}

const cases: Record<string, string> = {
  ascii: '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}',
  'non-ASCII text': '{"model":"gpt-4o","messages":[{"role":"user","content":"“quotes” — naïve 日本語 🙂"}]}',
  'non-ASCII model': '{"model":"modèle-日本","previous_response_id":"resp_é🙂"}',
  'escaped non-ASCII': '{"model":"caf\\u00e9","content":"\\u2028 \\ud83d\\ude42 \\u00ff"}',
  'lone surrogate escape': '{"model":"a\\ud800b","stream":false}',
  'duplicate keys': '{"model":"first","model":"sécond","stream":true,"stream":"yes"}',
  'model not a string': '{"model":42,"previous_response_id":null}',
  nested: '{"a":{"model":"inner"},"list":[1,2.5e3,-0,true,null,"ü"],"model":"outer"}',
};

describe('request fields (latin1 fast read)', () => {
  for (const [name, text] of Object.entries(cases)) {
    it(`reads the same fields and json as UTF-8 JSON.parse: ${name}`, () => {
      const expected = JSON.parse(text) as Record<string, unknown>;
      const fields = parseRequestFields(Buffer.from(text, 'utf8'), 'application/json');
      assert.equal(fields.model, typeof expected.model === 'string' ? expected.model : undefined);
      assert.equal(fields.stream, expected.stream === true);
      assert.equal(fields.previousResponseId, typeof expected.previous_response_id === 'string' ? expected.previous_response_id : undefined);
      const json = must(fields.decodeJson)();
      assert.deepEqual(json, expected);
      assert.equal(JSON.stringify({ ...json, model: 'renamed' }), JSON.stringify({ ...expected, model: 'renamed' }));
      assert.equal(must(fields.decodeJson)(), json, 'decoded once');
    });
  }

  const invalid = ['{"model":"x",}', '{"model":"é\u0001"}', '{"é":1', '{"a":"b"} x', '["é"]', '"é"', 'null', '{"a":\u00a0 1}'];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)} with the message UTF-8 parsing gives`, () => {
      let expected: string | undefined;
      try {
        const value: unknown = JSON.parse(text);
        if (!value || typeof value !== 'object' || Array.isArray(value)) expected = 'request body must be a JSON object';
      } catch {
        expected = utf8Error(text);
      }
      assert.throws(
        () => parseRequestFields(Buffer.from(text, 'utf8'), undefined),
        (error: unknown) => error instanceof RequestBodyError && error.status === 400 && error.message === expected,
      );
    });
  }

  it('still refuses bodies that are not UTF-8', () => {
    assert.throws(
      () => parseRequestFields(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'application/json'),
      (error: unknown) => error instanceof RequestBodyError && error.message === 'request body is not valid UTF-8',
    );
  });
});
