// Guards Gemini clients with the real `@google/genai` SDK pointed at the bridge's `/gemini`: relayed to a native
// Gemini pool and translated to Anthropic and OpenAI pools, streamed and not, each with a two-turn function-call
// round trip and its usage; countTokens and the model list; errors as the SDK's ApiError in Google's shape; a
// Gemini key rate-limited with RetryInfo, billing exhaustion, every key cooling; the `?key=` token never logged.
import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI, type Content, type GenerateContentResponse, type Tool } from '@google/genai';
import type { PoolSpec } from '../../src/core/config';
import type { FakeProvider, ResponderRequest } from '../fakeProvider/fakeProvider';
import { functionResponse } from '../helpers/geminiParts';
import { keysSeen, startHarness, TOKEN, type Harness } from '../helpers/harness';

const TOOLS: Tool[] = [
  {
    functionDeclarations: [
      {
        name: 'Read',
        description: 'Reads a file',
        parametersJsonSchema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
      },
    ],
  },
];

function pools(fp: FakeProvider): PoolSpec[] {
  const keys = (prefix: string) => [1, 2, 3].map((i) => ({ id: `k${i}`, secret: `${prefix}-key-${i}` }));
  return [
    { id: 'gm', protocol: 'gemini', baseUrl: fp.geminiBaseUrl, dialect: 'gemini', strategy: 'fill-first', keys: keys('gm') },
    { id: 'an', protocol: 'anthropic', baseUrl: fp.anthropicBaseUrl, strategy: 'fill-first', keys: keys('an') },
    { id: 'oa', protocol: 'openai', baseUrl: fp.openaiBaseUrl, strategy: 'fill-first', keys: keys('oa') },
  ];
}

/** The text of the tool result the last turn of a request holds, whatever its format; undefined when it holds none. */
function toolResultOf(body: Record<string, unknown>): string | undefined {
  const contents = body.contents as { parts?: { functionResponse?: { response?: { output?: string } } }[] }[] | undefined;
  if (contents) return contents.at(-1)?.parts?.find((p) => p.functionResponse)?.functionResponse?.response?.output;
  const messages = (body.messages ?? []) as { role: string; content: unknown }[];
  const last = messages.at(-1);
  if (last?.role === 'tool') return String(last.content);
  const block = Array.isArray(last?.content) ? (last.content as { type: string; content?: unknown }[]).find((b) => b.type === 'tool_result') : undefined;
  if (!block) return undefined;
  return typeof block.content === 'string' ? block.content : (block.content as { text: string }[]).map((c) => c.text).join('');
}

/** Calls Read first, then answers with what it read; every answer reports the same usage. */
function readTool(req: ResponderRequest) {
  const result = toolResultOf(req.body as Record<string, unknown>);
  const usage = { input: 21, output: 7 };
  return result === undefined ? { toolCall: { name: 'Read', arguments: { file_path: '/tmp/x' } }, usage } : { text: `Read: ${result}`, usage };
}

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The SDK's ApiError: its status and Google's error object, which its message carries. */
async function apiError(
  call: Promise<unknown>,
): Promise<{ status: number; error: { code: number; status: string; message: string; details?: Record<string, unknown>[] } }> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError, not ${String(err)}`);
    const body = JSON.parse(err.message.replace(/^got status: \S+\. /, '')) as { error: { code: number; status: string; message: string } };
    return { status: err.status, error: body.error };
  }
  throw new assert.AssertionError({ message: 'the call succeeded' });
}

describe('Gemini SDK through the bridge', function () {
  this.timeout(20_000);
  let h: Harness;
  let ai: GoogleGenAI;
  const gemini = () => `${h.bridge.url}/gemini`;

  // A bridge per test: each test's keys start ready (cooldowns are per model and key-wide both).
  beforeEach(async () => {
    h = await startHarness({
      pools,
      routes: [
        { protocol: 'gemini', match: 'claude-*', targets: [{ pool: 'an' }] },
        { protocol: 'gemini', match: 'gpt-*', targets: [{ pool: 'oa' }] },
        {
          protocol: 'gemini',
          match: 'fallback-pro',
          targets: [
            { pool: 'gm', model: 'gemini-2.5-pro' },
            { pool: 'an', model: 'claude-test' },
          ],
        },
      ],
    });
    ai = new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: gemini(), timeout: 15_000 } });
    h.provider.options.strictRequests = true;
  });
  afterEach(async () => h.close());

  for (const [target, model, pool] of [
    ['a Gemini pool (relayed)', 'gemini-3-pro-preview', 'gm'],
    ['an Anthropic pool (translated)', 'claude-test', 'an'],
    ['an OpenAI pool (translated)', 'gpt-test', 'oa'],
  ] as const) {
    it(`runs a function-call round trip on ${target}, not streamed and streamed, with its usage`, async () => {
      h.provider.setResponder(readTool);
      let output = 0;
      for (const streamed of [false, true]) {
        h.provider.ledger.length = 0;
        const send = async (contents: Content[]): Promise<GenerateContentResponse[]> =>
          streamed
            ? collect(await ai.models.generateContentStream({ model, contents, config: { tools: TOOLS } }))
            : [await ai.models.generateContent({ model, contents, config: { tools: TOOLS } })];
        const contents: Content[] = [{ role: 'user', parts: [{ text: 'read /tmp/x' }] }];
        const first = await send(contents);
        const calls = first.flatMap((c) => c.functionCalls ?? []);
        assert.deepEqual(
          calls.map((c) => [c.name, c.args]),
          [['Read', { file_path: '/tmp/x' }]],
          `${pool} streamed=${streamed}`,
        );
        // The SDK's history: the model's parts as they came (a relayed Gemini 3 call keeps its thought signature).
        contents.push({
          role: 'model',
          parts: first.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []).filter((p) => p.functionCall || (p.text ?? '') !== ''),
        });
        contents.push({ role: 'user', parts: [{ functionResponse: functionResponse({ name: 'Read', response: { output: 'KEYBRIDGE-7' } }) }] });
        const second = await send(contents);
        assert.equal(second.map((c) => c.text ?? '').join(''), 'Read: KEYBRIDGE-7');
        const last = second.at(-1);
        assert.equal(last?.candidates?.[0]?.finishReason, 'STOP');
        const usage = last.usageMetadata;
        assert.equal(usage?.promptTokenCount, 21);
        // A relayed Gemini 3 answer reports its thinking beside the 7 candidate tokens; a translated one has none.
        assert.equal(usage.candidatesTokenCount, 7);
        output += 2 * (7 + (usage.thoughtsTokenCount ?? 0));
        assert.deepEqual(keysSeen(h.provider), [`${pool}-key-1`, `${pool}-key-1`]);
        assert.equal(h.provider.ledger[1].stream, streamed);
      }
      const key = h.bridge.engine.pools.get(pool)?.keys[0];
      assert.equal(key?.stats.inputTokens, 4 * 21, 'the usage of each answer is booked to the key that served it');
      assert.equal(key.stats.outputTokens, output);
    });
  }

  it('relays to a Gemini pool byte for byte, the route’s model written into the path', async () => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { temperature: 0.5 } });
    const res = await fetch(`${gemini()}/v1beta/models/fallback-pro:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': TOKEN, 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 200);
    const entry = h.provider.ledger[0];
    assert.equal(entry.path, '/v1beta/models/gemini-2.5-pro:generateContent');
    assert.deepEqual(entry.body, JSON.parse(body), 'the body goes as it came');
    assert.equal(entry.bodyBytes, Buffer.byteLength(body));
    assert.equal(entry.key, 'gm-key-1');
  });

  it('answers streamGenerateContent without alt=sse as a JSON array: relayed as it is, and written so when translated', async () => {
    const send = (model: string) =>
      fetch(`${gemini()}/v1beta/models/${model}:streamGenerateContent`, {
        method: 'POST',
        headers: { 'x-goog-api-key': TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      });
    const relayed = (await (await send('gemini-2.5-flash')).json()) as { candidates: unknown[] }[];
    assert.ok(Array.isArray(relayed) && relayed.length > 1, 'Gemini’s own chunks, as it sent them');
    assert.equal(h.provider.ledger[0].path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    const translated = (await (await send('claude-test')).json()) as { candidates: { content: { parts: { text: string }[] }; finishReason: string }[] }[];
    assert.ok(Array.isArray(translated), 'a list, as the client asked');
    assert.equal(translated.length, 1);
    assert.match(translated[0].candidates[0].content.parts[0].text, /^Reply \d+ part 1/);
    assert.equal(translated[0].candidates[0].finishReason, 'STOP');
    assert.equal(h.provider.ledger[1].stream, false, 'the Anthropic pool is asked for one answer');
  });

  it('falls back from a Gemini pool to an Anthropic pool, translated, when every Gemini key is rate-limited', async () => {
    for (const key of ['gm-key-1', 'gm-key-2', 'gm-key-3']) h.provider.always(key, { kind: 'rateLimit', retryDelayS: 30 });
    const res = await ai.models.generateContent({ model: 'fallback-pro', contents: 'hi' });
    assert.match(res.text ?? '', /^Reply \d+ part 1/);
    assert.deepEqual(keysSeen(h.provider), ['gm-key-1', 'gm-key-2', 'gm-key-3', 'an-key-1']);
    assert.equal(h.provider.ledger[3].model, 'claude-test');
    for (const key of ['gm-key-1', 'gm-key-2', 'gm-key-3']) h.provider.always(key, undefined);
  });

  it('cools a Gemini key for the RetryInfo delay and serves the request on the next key', async () => {
    h.provider.fault('gm-key-1', { kind: 'rateLimit', retryDelayS: 37 });
    const before = Date.now();
    const res = await ai.models.generateContent({ model: 'gemini-2.5-flash-lite', contents: 'hi' });
    assert.match(res.text ?? '', /^Reply/);
    assert.deepEqual(keysSeen(h.provider), ['gm-key-1', 'gm-key-2']);
    const until = h.bridge.engine.pools.get('gm')?.keys[0].coolingDeadline(Date.now(), 'gemini-2.5-flash-lite');
    assert.ok(until !== undefined, 'the key is cooling');
    const ms = until - before;
    assert.ok(ms >= 36_000 && ms <= 39_000, `cooling ${ms} ms for a retryDelay of 37s`);
  });

  it('takes spent prepayment credits as quota, not a short limit', async () => {
    h.provider.fault('gm-key-1', { kind: 'gemini', error: 'creditsDepleted' });
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
    assert.deepEqual(keysSeen(h.provider), ['gm-key-1', 'gm-key-2']);
    assert.equal(h.bridge.engine.pools.get('gm')?.keys[0].stateAt(Date.now()), 'exhausted');
  });

  it('answers with its own 429 RESOURCE_EXHAUSTED and RetryInfo when every key is cooling', async () => {
    for (const key of ['gm-key-1', 'gm-key-2', 'gm-key-3']) h.provider.fault(key, { kind: 'rateLimit', retryDelayS: 45 });
    const { status, error } = await apiError(ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' }));
    assert.equal(status, 429);
    assert.equal(error.status, 'RESOURCE_EXHAUSTED');
    assert.match(error.message, /^KeyBridge: every usable key of "gm" is rate-limited/);
    const retry = error.details?.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo');
    const seconds = Number(/^(\d+)s$/.exec(String(retry?.retryDelay))?.[1]);
    assert.ok(seconds >= 43 && seconds <= 45, `retryDelay ${String(retry?.retryDelay)}`);
  });

  it('surfaces a provider refusal and a translated one as the SDK’s ApiError with Google’s status', async () => {
    h.provider.fault('gm-key-1', { kind: 'forbiddenRequest' });
    const direct = await apiError(ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
    assert.equal(direct.status, 400);
    assert.equal(direct.error.status, 'FAILED_PRECONDITION', 'the provider’s own answer, as it came');
    assert.deepEqual(keysSeen(h.provider), ['gm-key-1'], 'a request the provider refuses is no key’s fault');
    h.provider.fault('an-key-1', {
      kind: 'status',
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages: bad turn' } },
    });
    const translated = await apiError(ai.models.generateContent({ model: 'claude-test', contents: 'hi' }));
    assert.equal(translated.status, 400);
    assert.equal(translated.error.status, 'INVALID_ARGUMENT');
    assert.match(translated.error.message, /messages: bad turn \(from pool "an", translated\)/);
  });

  it('ends a stream cut on a translated target with an error the SDK throws', async () => {
    h.provider.fault('an-key-1', { kind: 'cut', afterEvents: 4 });
    await assert.rejects(
      (async () => collect(await ai.models.generateContentStream({ model: 'claude-test', contents: 'hi' })))(),
      (err: unknown) => err instanceof ApiError && err.status === 503 && /interrupted|ended its stream/.test(err.message),
    );
  });

  it('counts tokens on a Gemini pool and estimates them for a pool of another protocol', async () => {
    const counted = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'hello there' });
    assert.ok((counted.totalTokens ?? 0) > 0);
    assert.equal(h.provider.ledger[0].endpoint, 'count_tokens');
    const res = await fetch(`${gemini()}/v1beta/models/claude-test:countTokens`, {
      method: 'POST',
      headers: { 'x-goog-api-key': TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x'.repeat(400) }] }] }),
    });
    assert.equal(res.headers.get('x-keybridge-estimate'), 'input_tokens');
    assert.deepEqual(await res.json(), { totalTokens: 100 });
    const estimated = await ai.models.countTokens({ model: 'claude-test', contents: 'x'.repeat(40) });
    assert.equal(estimated.totalTokens, 10);
    assert.equal(h.provider.ledger.length, 1, 'the estimate asks no provider');
  });

  it("lists the routes' models with the pool's own, in Gemini's shape", async () => {
    const pager = await ai.models.list();
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    assert.ok(names.includes('models/fallback-pro'), names.join());
    assert.ok(names.includes('models/gemini-2.5-pro'), 'the pool’s own list follows');
    assert.equal(new Set(names).size, names.length, 'each model once');
  });

  it('takes the local token as ?key=, never forwards it and never logs it', async () => {
    const res = await fetch(`${gemini()}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /"finishReason":"STOP"/);
    assert.equal(h.provider.ledger[0].path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', 'the token stays here');
    assert.equal(h.provider.ledger[0].key, 'gm-key-1');
    assert.ok(!('key' in (h.provider.ledger[0].headers as Record<string, unknown>)));
    const wrong = await fetch(`${gemini()}/v1beta/nothing-here?key=${TOKEN}`);
    assert.equal(wrong.status, 404);
    const unknown = await wrong.text();
    assert.ok(!unknown.includes(TOKEN), unknown);
    assert.ok(!h.logs.some((line) => line.includes(TOKEN)), 'no log line holds the token');
    const refused = await fetch(`${gemini()}/v1beta/models/gemini-2.5-flash:generateContent?key=not-the-token-at-all`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
  });
});
