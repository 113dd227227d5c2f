// Guards the fake provider's Gemini native API with the real `@google/genai` SDK pointed straight at it (no
// bridge): answers, streams, countTokens and the paged model list as the SDK reads them, each fault as the
// SDK's ApiError with Google's status and details, and the strict rules refused in Google's words.
import * as assert from 'node:assert/strict';
import { ApiError, GoogleGenAI, Type, type Content, type GenerateContentResponse } from '@google/genai';
import { defaultReplyParts, startFakeProvider, type FakeProvider, type Fault, type LedgerEntry } from '../fakeProvider/fakeProvider';
import { functionResponse } from '../helpers/geminiParts';
import { arrAt } from '../helpers/json';

const KEY = 'test-key-gemini-1';

function client(baseUrl: string, apiKey = KEY): GoogleGenAI {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl, timeout: 10_000 } });
}

function last(fp: FakeProvider): LedgerEntry {
  const entry = fp.ledger.at(-1);
  assert.ok(entry, 'the fake received a request');
  return entry;
}

/** The SDK's ApiError for a failed call: its status, and the Google error body its message carries. */
async function apiError(
  call: Promise<unknown>,
): Promise<{ status: number; error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> } }> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError, not ${String(err)}`);
    const body = JSON.parse(err.message.replace(/^got status: \S+\. /, '')) as { error: { code: number; status: string; message: string } };
    return { status: err.status, error: body.error };
  }
  throw new assert.AssertionError({ message: 'the call succeeded' });
}

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const detail = (details: Array<Record<string, unknown>> | undefined, type: string): Record<string, unknown> | undefined =>
  details?.find((d) => d['@type'] === `type.googleapis.com/google.rpc.${type}`);

describe('fake provider: Gemini native API with the real @google/genai SDK', function () {
  this.timeout(10_000);
  let fp: FakeProvider;
  let ai: GoogleGenAI;

  before(async () => {
    fp = await startFakeProvider();
    ai = client(fp.geminiBaseUrl);
  });
  beforeEach(() => {
    fp.reset();
    fp.options.strictRequests = false;
  });
  after(async () => fp.close());

  it('answers generateContent with text, finishReason and usageMetadata, the key taken from x-goog-api-key', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'hi' });
    const entry = last(fp);
    assert.equal(res.text, defaultReplyParts(entry.seq, 5).join(''));
    assert.equal(res.candidates?.[0]?.finishReason, 'STOP');
    assert.equal(res.modelVersion, 'gemini-2.5-pro');
    const usage = res.usageMetadata;
    assert.ok(usage?.promptTokenCount && usage.candidatesTokenCount && usage.thoughtsTokenCount);
    assert.equal(usage.totalTokenCount, usage.promptTokenCount + usage.candidatesTokenCount + usage.thoughtsTokenCount);
    assert.equal(entry.protocol, 'gemini');
    assert.equal(entry.endpoint, 'generate_content');
    assert.equal(entry.model, 'gemini-2.5-pro');
    assert.equal(entry.key, KEY);
    assert.equal(entry.stream, false);
    assert.match(entry.path, /^\/v1beta\/models\/gemini-2\.5-pro:generateContent$/);
  });

  it('reports cached and thought tokens the responder gives, and none for a model that does not think', async () => {
    fp.setResponder(() => ({ text: 'cached', usage: { input: 100, output: 5, cacheRead: 60, thoughts: 9 } }));
    const thinking = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.deepEqual(
      [
        thinking.usageMetadata?.promptTokenCount,
        thinking.usageMetadata?.cachedContentTokenCount,
        thinking.usageMetadata?.thoughtsTokenCount,
        thinking.usageMetadata?.totalTokenCount,
      ],
      [100, 60, 9, 114],
    );
    fp.setResponder(() => ({ text: 'plain', usage: { input: 10, output: 2 } }));
    const plain = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
    assert.equal(plain.usageMetadata?.thoughtsTokenCount, undefined);
    assert.equal(plain.usageMetadata?.totalTokenCount, 12);
  });

  it('streams with alt=sse: one response per chunk, CRLF-framed, finishReason and final usage on the last', async () => {
    const chunks = await collect(await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' }));
    const entry = last(fp);
    assert.equal(chunks.map((c) => c.text ?? '').join(''), defaultReplyParts(entry.seq, 5).join(''));
    assert.equal(chunks.length, 5);
    assert.deepEqual(
      chunks.map((c) => c.candidates?.[0]?.finishReason),
      [undefined, undefined, undefined, undefined, 'STOP'],
    );
    assert.ok(chunks.at(-1)?.usageMetadata?.candidatesTokenCount);
    assert.equal(entry.stream, true);
    assert.match(entry.path, /:streamGenerateContent\?alt=sse$/);

    const raw = await fetch(`${fp.geminiBaseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.match(raw.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await raw.text();
    assert.equal(text.split('\r\n\r\n').filter((e) => e.startsWith('data: {')).length, 5);
    assert.ok(text.endsWith('\r\n\r\n'));
  });

  it('streams without alt=sse as one JSON array, takes the key from ?key= and the model from the path', async () => {
    const raw = await fetch(`${fp.geminiBaseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'models/gemini-2.0-flash', contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(raw.status, 200);
    const chunks = JSON.parse(await raw.text()) as Array<{ candidates: Array<{ content: { parts: Array<{ text: string }> }; finishReason?: string }> }>;
    assert.equal(chunks.length, 5);
    assert.equal(chunks.at(-1)?.candidates[0]?.finishReason, 'STOP');
    assert.equal(last(fp).key, KEY);
    assert.equal(last(fp).model, 'gemini-2.5-flash');
  });

  it('answers a function call with its thought signature on Gemini 3, and a thought summary first when asked', async () => {
    fp.setResponder(() => ({ toolCall: { name: 'read_file', arguments: { path: 'a.txt' } } }));
    const res = await ai.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: 'read a.txt',
      config: { thinkingConfig: { includeThoughts: true } },
    });
    const parts = res.candidates?.[0]?.content?.parts ?? [];
    assert.equal(parts[0]?.thought, true);
    assert.match(parts[0]?.text ?? '', /^Reasoning about reply/);
    assert.deepEqual(
      res.functionCalls?.map((c) => [c.name, c.args]),
      [['read_file', { path: 'a.txt' }]],
    );
    const call = parts.find((p) => p.functionCall);
    assert.ok(call?.thoughtSignature && call.thoughtSignature.length > 20);
    assert.equal(call.functionCall?.id, undefined, 'no id unless the responder gave one');

    fp.setResponder(() => ({ toolCall: { name: 'read_file', arguments: { path: 'b.txt' }, id: 'call-7' } }));
    const chunks = await collect(await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'read b.txt' }));
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    assert.deepEqual(calls, [{ name: 'read_file', args: { path: 'b.txt' }, id: 'call-7' }], 'one call, whole, in one chunk');
    assert.equal(
      chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []).some((p) => p.thoughtSignature !== undefined),
      false,
      'Gemini 2.5 signs nothing',
    );
  });

  it('counts tokens and lists models page by page', async () => {
    fp.setResponder(() => ({ usage: { input: 42, output: 0 } }));
    const count = await ai.models.countTokens({ model: 'gemini-2.5-pro', contents: 'hi' });
    assert.equal(count.totalTokens, 42);
    assert.equal(last(fp).endpoint, 'count_tokens');

    const pager = await ai.models.list({ config: { pageSize: 2 } });
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    assert.ok(names.includes('models/gemini-2.5-pro') && names.includes('models/gemini-3-pro-preview'));
    assert.equal(new Set(names).size, names.length);
    const pages = fp.ledger.filter((e) => e.endpoint === 'models');
    assert.equal(pages.length, Math.ceil(names.length / 2));
    assert.ok(pages.slice(1).every((e) => e.path.includes('pageToken=')));

    const model = await ai.models.get({ model: 'gemini-2.5-flash' });
    assert.equal(model.inputTokenLimit, 1_048_576);
    const missing = await apiError(ai.models.get({ model: 'gemini-9-ultra' }));
    assert.deepEqual([missing.status, missing.error.status], [404, 'NOT_FOUND']);
  });

  it('fails each fault as Google does: status, words and details the SDK hands over in its ApiError', async () => {
    const ask = (): Promise<unknown> => ai.models.generateContent({ model: 'gemini-2.5-pro', contents: 'hi' });
    const failed = async (fault: Fault) => {
      fp.fault(KEY, fault);
      return apiError(ask());
    };

    const minute = await failed({ kind: 'rateLimit', retryDelayS: 7 });
    assert.deepEqual([minute.status, minute.error.code, minute.error.status], [429, 429, 'RESOURCE_EXHAUSTED']);
    assert.equal(detail(minute.error.details, 'RetryInfo')?.retryDelay, '7s');
    const minuteQuota = detail(minute.error.details, 'QuotaFailure')?.violations as Array<{ quotaId: string; quotaDimensions: { model: string } }>;
    assert.match(minuteQuota[0]?.quotaId ?? '', /PerMinute/);
    assert.equal(minuteQuota[0]?.quotaDimensions.model, 'gemini-2.5-pro');

    const day = await failed({ kind: 'quota' });
    assert.equal(day.status, 429);
    const dayQuota = detail(day.error.details, 'QuotaFailure')?.violations as Array<{ quotaId: string }>;
    assert.match(dayQuota[0]?.quotaId ?? '', /PerDay/);

    const credits = await failed({ kind: 'gemini', error: 'creditsDepleted' });
    assert.deepEqual([credits.status, credits.error.status], [429, 'RESOURCE_EXHAUSTED']);
    assert.match(credits.error.message, /prepayment credits are depleted/);

    const invalid = await failed({ kind: 'invalidKey' });
    assert.deepEqual([invalid.status, invalid.error.status], [400, 'INVALID_ARGUMENT']);
    assert.equal(detail(invalid.error.details, 'ErrorInfo')?.reason, 'API_KEY_INVALID');

    const denied = await failed({ kind: 'forbiddenKey' });
    assert.deepEqual([denied.status, denied.error.status], [403, 'PERMISSION_DENIED']);

    const internal = await failed({ kind: 'serverError' });
    assert.deepEqual([internal.status, internal.error.status], [500, 'INTERNAL']);

    const overloaded = await failed({ kind: 'overloaded' });
    assert.deepEqual(
      [overloaded.status, overloaded.error.status, overloaded.error.message],
      [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'],
    );

    // The SDK will not send without a key: a client without one, asked directly.
    const anonymousRes = await fetch(`${fp.geminiBaseUrl}/v1beta/models/gemini-2.5-pro:generateContent`, {
      method: 'POST',
      body: '{"contents":[]}',
      headers: { 'content-type': 'application/json' },
    });
    const anonymous = { status: anonymousRes.status, error: ((await anonymousRes.json()) as { error: { status: string } }).error };
    assert.deepEqual([anonymous.status, anonymous.error.status], [403, 'PERMISSION_DENIED']);
  });

  it('cuts a stream mid-way, and fails one with an error event the SDK throws as ApiError', async () => {
    fp.fault(KEY, { kind: 'cut', afterEvents: 2 });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'hi' })) seen.push(chunk.text ?? '');
    });
    assert.equal(seen.length, 2, 'the two chunks before the cut arrived');

    fp.fault(KEY, { kind: 'errorEvent', error: 'overloaded', afterEvents: 1 });
    const error = await apiError(collect(await ai.models.generateContentStream({ model: 'gemini-2.5-pro', contents: 'hi' })));
    assert.deepEqual([error.status, error.error.status], [503, 'UNAVAILABLE']);
  });

  describe('strict (the gemini dialect, natively)', () => {
    let strict: GoogleGenAI;
    before(() => {
      strict = client(fp.dialectBaseUrl('gemini', 'native'));
    });

    const user = (text: string): Content => ({ role: 'user', parts: [{ text }] });
    const answer = (name: string, id?: string): Content => ({
      role: 'user',
      parts: [{ functionResponse: functionResponse({ name, response: { output: 'ok' }, ...(id ? { id } : {}) }) }],
    });
    const tools = [{ functionDeclarations: [{ name: 'read_file', parameters: { type: Type.OBJECT, properties: { path: { type: Type.STRING } } } }] }];
    const refused = async (contents: Content[], model = 'gemini-3-pro-preview', config: object = { tools }) => {
      const error = await apiError(strict.models.generateContent({ model, contents, config }));
      assert.deepEqual([error.status, error.error.status], [400, 'INVALID_ARGUMENT']);
      assert.equal(last(fp).dialect, 'gemini');
      return error.error.message;
    };

    it('takes back a Gemini 3 call with the signature it gave, or the documented stand-in; refuses it without one or with another', async () => {
      fp.setResponder((req) =>
        arrAt(req.body, 'contents').length === 1 ? { toolCall: { name: 'read_file', arguments: { path: 'a.txt' } } } : { text: 'done' },
      );
      const first = await strict.models.generateContent({ model: 'gemini-3-pro-preview', contents: [user('read a.txt')], config: { tools } });
      const turn = first.candidates?.[0]?.content;
      assert.ok(turn);
      const done = await strict.models.generateContent({
        model: 'gemini-3-pro-preview',
        contents: [user('read a.txt'), turn, answer('read_file')],
        config: { tools },
      });
      assert.equal(done.text, 'done');

      const call = { functionCall: { name: 'read_file', args: { path: 'a.txt' } } };
      const stand = await strict.models.generateContent({
        model: 'gemini-3-pro-preview',
        contents: [user('x'), { role: 'model', parts: [{ ...call, thoughtSignature: 'skip_thought_signature_validator' }] }, answer('read_file')],
        config: { tools },
      });
      assert.equal(stand.text, 'done');
      assert.match(
        await refused([user('x'), { role: 'model', parts: [call] }, answer('read_file')]),
        /Function call is missing a thought_signature in functionCall parts.*default_api:read_file/,
      );
      assert.equal(
        await refused([user('x'), { role: 'model', parts: [{ ...call, thoughtSignature: 'c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZQ==' }] }, answer('read_file')]),
        'Corrupted thought signature.',
      );
      // Gemini 2.5 does not check, and a call before the current turn is not checked either.
      await strict.models.generateContent({
        model: 'gemini-2.5-pro',
        contents: [user('x'), { role: 'model', parts: [call] }, answer('read_file')],
        config: { tools },
      });
      await strict.models.generateContent({
        model: 'gemini-3-pro-preview',
        contents: [user('x'), { role: 'model', parts: [call] }, answer('read_file'), { role: 'model', parts: [{ text: 'ok' }] }, user('next')],
        config: { tools },
      });
    });

    it('refuses function calls left unanswered or answered by another name or id, and misplaced turns', async () => {
      const call = (name: string, id?: string) => ({
        functionCall: { name, args: {}, ...(id ? { id } : {}) },
        thoughtSignature: 'skip_thought_signature_validator',
      });
      const model = 'gemini-2.5-pro';
      assert.match(
        await refused([user('x'), { role: 'model', parts: [call('read_file'), call('read_file')] }, answer('read_file')], model),
        /number of function response parts is equal to the number of function call parts/,
      );
      assert.match(await refused([user('x'), { role: 'model', parts: [call('read_file')] }, user('never mind')], model), /number of function response parts/);
      assert.match(await refused([user('x'), { role: 'model', parts: [call('read_file')] }, answer('write_file')], model), /function response `write_file`/);
      assert.match(await refused([user('x'), { role: 'model', parts: [call('read_file', 'c1')] }, answer('read_file', 'c2')], model), /id `c2`/);
      assert.match(await refused([user('x'), answer('read_file')], model), /function response turn comes immediately after a function call turn/);
      assert.match(
        await refused([user('x'), { role: 'model', parts: [{ text: 'hm' }] }, { role: 'model', parts: [call('read_file')] }, answer('read_file')], model),
        /function call turn comes immediately after a user turn/,
      );
    });

    /** A request the SDK would tidy up first (it drops Schema fields it does not know): sent as it is. */
    const rawRefusal = async (body: object, model = 'gemini-2.5-pro'): Promise<string> => {
      const res = await fetch(`${fp.dialectBaseUrl('gemini', 'native')}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const error = ((await res.json()) as { error: { message: string; status: string } }).error;
      assert.deepEqual([res.status, error.status], [400, 'INVALID_ARGUMENT']);
      return error.message;
    };

    it('refuses a system role, empty parts, tool schemas outside its subset and generationConfig it does not know', async () => {
      const model = 'gemini-2.5-pro';
      assert.equal(await refused([{ role: 'system', parts: [{ text: 'be brief' }] }, user('hi')], model), 'Please use a valid role: user, model.');
      assert.match(await refused([user('hi'), { role: 'model', parts: [] }, user('again')], model), /contents\[1\]\.parts: contents.parts must not be empty/);
      const badName = [{ functionDeclarations: [{ name: 'mcp/read file', parameters: { type: Type.OBJECT } }] }];
      assert.match(await refused([user('hi')], model, { tools: badName }), /Invalid function name/);
      assert.match(
        await refused([user('hi')], model, { thinkingConfig: { thinkingLevel: 'EXTREME' } }),
        /Invalid value at 'generation_config\.thinking_config\.thinking_level'.*"EXTREME"/,
      );
      // Full JSON Schema is taken as parametersJsonSchema.
      const json = [
        {
          functionDeclarations: [
            { name: 'read_file', parametersJsonSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false } },
          ],
        },
      ];
      await strict.models.generateContent({ model, contents: [user('hi')], config: { tools: json } });

      const contents = [user('hi')];
      const declared = (parameters: object) => ({ contents, tools: [{ functionDeclarations: [{ name: 'read_file', parameters }] }] });
      assert.equal(
        await rawRefusal(declared({ type: 'OBJECT', properties: { path: { type: 'STRING' } }, additionalProperties: false })),
        `Invalid JSON payload received. Unknown name "additionalProperties" at 'tools[0].function_declarations[0].parameters': Cannot find field.`,
      );
      assert.match(
        await rawRefusal(declared({ type: 'OBJECT', properties: { path: { type: ['STRING', 'NULL'] } } })),
        /Unknown name "type" at '.*properties\["path"\]\.value': Proto field is not repeating, cannot start list\./,
      );
      assert.equal(
        await rawRefusal({ contents: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
        `Invalid JSON payload received. Unknown name "type" at 'contents[0].parts[0]': Cannot find field.`,
      );
      assert.equal(
        await rawRefusal({ contents, generationConfig: { max_tokens: 10 } }),
        `Invalid JSON payload received. Unknown name "max_tokens" at 'generation_config': Cannot find field.`,
      );
      assert.equal(await rawRefusal({ contents, system: 'be brief' }), 'Invalid JSON payload received. Unknown name "system": Cannot find field.');
      // snake_case is the same field as lowerCamelCase.
      const snake = await fetch(`${fp.dialectBaseUrl('gemini', 'native')}/v1beta/models/${model}:generateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({
          contents,
          system_instruction: { parts: [{ text: 'be brief' }] },
          generation_config: { max_output_tokens: 10, thinking_config: { thinking_budget: 0 } },
        }),
      });
      assert.equal(snake.status, 200);
    });

    it('plays the same rules on the plain Gemini URL when strictRequests is on, and none when it is off', async () => {
      const system: Content[] = [{ role: 'system', parts: [{ text: 'be brief' }] }, user('hi')];
      await ai.models.generateContent({ model: 'gemini-2.5-pro', contents: system });
      fp.options.strictRequests = true;
      const error = await apiError(ai.models.generateContent({ model: 'gemini-2.5-pro', contents: system }));
      assert.deepEqual([error.status, error.error.message], [400, 'Please use a valid role: user, model.']);
      assert.equal(last(fp).refusal?.includes('valid role'), true);
    });
  });
});
