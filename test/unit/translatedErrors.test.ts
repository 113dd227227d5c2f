// Guards error answers from a translated target (issue 11): the client gets the provider's words in its own
// protocol's error shape, with a status its SDK's retry rules read the same way, so an agent's handling is unchanged.
import assert from 'node:assert/strict';
import { translateErrorAnswer } from '../../src/core/translation/errorAnswer';
import { at, parseJson, strAt } from '../helpers/json';

const anthropicError = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });
const openaiError = (message: string, type: string, code: string | null = null) => JSON.stringify({ error: { message, type, param: null, code } });

describe('translation: error answers', () => {
  it('writes an OpenAI provider error in Anthropic shape, typed by status', () => {
    const cases: [number, string][] = [
      [400, 'invalid_request_error'],
      [401, 'authentication_error'],
      [403, 'permission_error'],
      [404, 'not_found_error'],
      [413, 'request_too_large'],
      [429, 'rate_limit_error'],
      [500, 'api_error'],
      [503, 'overloaded_error'],
    ];
    for (const [status, type] of cases) {
      const out = translateErrorAnswer('anthropic', status, openaiError('Bad thing happened', 'invalid_request_error'), 'openrouter');
      assert.equal(out.status, status);
      assert.deepEqual(JSON.parse(out.body), { type: 'error', error: { type, message: 'Bad thing happened (from pool "openrouter", translated)' } });
    }
  });

  it('writes an Anthropic provider error in OpenAI shape, with its status', () => {
    const limited = translateErrorAnswer(
      'openai',
      429,
      anthropicError('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
      'claude',
    );
    assert.equal(limited.status, 429);
    assert.deepEqual(JSON.parse(limited.body), {
      error: {
        message: 'Number of request tokens has exceeded your per-minute rate limit (from pool "claude", translated)',
        type: 'rate_limit_error',
        param: null,
        code: 'rate_limit_error',
      },
    });
    const tooLong = translateErrorAnswer(
      'openai',
      400,
      anthropicError('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'),
      'claude',
    );
    assert.equal(at(parseJson(tooLong.body), 'error', 'type'), 'invalid_request_error');
    assert.match(strAt(parseJson(tooLong.body), 'error', 'message'), /^prompt is too long/);
  });

  it('keeps the words of string errors and short text bodies, and never passes an HTML page on', () => {
    assert.match(
      strAt(parseJson(translateErrorAnswer('anthropic', 400, JSON.stringify({ error: 'model not found' }), 'p').body), 'error', 'message'),
      /^model not found/,
    );
    assert.match(strAt(parseJson(translateErrorAnswer('openai', 502, 'upstream connect error', 'p').body), 'error', 'message'), /^upstream connect error/);
    assert.match(
      strAt(parseJson(translateErrorAnswer('openai', 502, '<html><body>Bad gateway</body></html>', 'p').body), 'error', 'message'),
      /^the provider refused the request/,
    );
  });

  it('takes the message and code from the error shape of each provider, and the body itself only when it is short text', () => {
    const long = 'x'.repeat(500);
    const cases: [string, string, string | null][] = [
      ['  padded text  ', 'padded text', null],
      ['', 'the provider refused the request', null],
      [long, long, null],
      [`${long}y`, 'the provider refused the request', null],
      ['null', 'null', null],
      ['{"message":"not an error object"}', '{"message":"not an error object"}', null],
      ['{"error":{"message":"no type"}}', 'no type', null],
      ['{"object":"error","message":"Mistral says no","type":"invalid_model"}', 'Mistral says no', 'invalid_model'],
      ['[{"error":{"code":400,"message":"Gemini says no","status":"INVALID_ARGUMENT"}}]', 'Gemini says no', 'INVALID_ARGUMENT'],
    ];
    for (const [body, message, code] of cases) {
      const out = translateErrorAnswer('openai', 400, body, 'p');
      assert.deepEqual(
        JSON.parse(out.body),
        { error: { message: `${message} (from pool "p", translated)`, type: 'invalid_request_error', param: null, code } },
        body.slice(0, 80),
      );
    }
  });
});
