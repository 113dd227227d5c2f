// Guards the in-repo fake provider itself: success shapes per protocol, fault queues, ledger updates,
// abort detection and socket release. Proxy tests trust all of this.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { defaultReplyParts, startFakeProvider, type FakeProvider, type Fault } from '../fakeProvider/fakeProvider';
import { must } from '../helpers/must';
import { arr, arrAt, at, numAt, objAt, parseJson, str, strAt } from '../helpers/json';

interface Sse {
  event?: string;
  data: string;
}

function parseSse(text: string): Sse[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const out: Sse = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) out.event = line.slice(7);
        else if (line.startsWith('data: ')) out.data += line.slice(6);
      }
      return out;
    });
}

const OA = (key = 'test-key-1'): Record<string, string> => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const AN = (key = 'test-key-1'): Record<string, string> => ({
  'x-api-key': key,
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
});

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('fakeProvider', function () {
  this.timeout(3000);
  let fp: FakeProvider;

  before(async () => {
    fp = await startFakeProvider();
  });
  beforeEach(() => {
    fp.reset();
    fp.options.streamEvents = 5;
    fp.options.eventGapMs = 0;
  });
  after(async () => {
    await fp.close();
  });

  it('serves chat completions, plain and streamed with usage', async () => {
    const plain = await post(`${fp.openaiBaseUrl}/chat/completions`, OA(), { model: 'gpt-x', messages: [] });
    assert.equal(plain.status, 200);
    assert.equal(at(plain.json, 'object'), 'chat.completion');
    assert.equal(at(plain.json, 'model'), 'gpt-x');
    assert.equal(at(plain.json, 'choices', 0, 'message', 'content'), defaultReplyParts(must(fp.ledger[0]).seq, 5).join(''));
    assert.equal(at(plain.json, 'choices', 0, 'finish_reason'), 'stop');
    assert.equal(at(plain.json, 'usage', 'total_tokens'), numAt(plain.json, 'usage', 'prompt_tokens') + numAt(plain.json, 'usage', 'completion_tokens'));

    const streamed = await post(`${fp.openaiBaseUrl}/chat/completions`, OA(), {
      model: 'gpt-x',
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.match(streamed.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = parseSse(streamed.text);
    assert.equal(must(events.at(-1)).data, '[DONE]');
    const chunks = events.slice(0, -1).map((e) => parseJson(e.data));
    assert.deepEqual(at(chunks[0], 'choices', 0, 'delta'), { role: 'assistant', content: '' });
    const text = chunks.map((c) => (arrAt(c, 'choices').length ? str(at(c, 'choices', 0, 'delta', 'content') ?? '') : '')).join('');
    assert.equal(text, defaultReplyParts(must(fp.ledger[1]).seq, 5).join(''));
    assert.equal(at(chunks.at(-2), 'choices', 0, 'finish_reason'), 'stop');
    assert.deepEqual(at(chunks.at(-1), 'choices'), []);
    assert.ok(numAt(chunks.at(-1), 'usage', 'completion_tokens') > 0);
    const entry = must(fp.ledger[1]);
    assert.equal(entry.endpoint, 'chat');
    assert.equal(entry.stream, true);
    assert.equal(entry.eventsSent, events.length);
    assert.equal(entry.completed, true);
    assert.equal(entry.status, 200);
  });

  it('streams chat tool calls as tool_calls deltas', async () => {
    fp.setResponder(() => ({ toolCall: { name: 'shell', arguments: { cmd: 'ls -la' } }, events: 3 }));
    const r = await post(`${fp.openaiBaseUrl}/chat/completions`, OA(), { model: 'm', stream: true });
    const chunks = parseSse(r.text)
      .filter((e) => e.data !== '[DONE]')
      .map((e) => parseJson(e.data));
    const calls = chunks.flatMap((c) => arr(at(c, 'choices', 0, 'delta', 'tool_calls') ?? []));
    assert.equal(at(calls[0], 'function', 'name'), 'shell');
    assert.match(strAt(calls[0], 'id'), /^call_/);
    assert.deepEqual(parseJson(calls.map((c) => strAt(c, 'function', 'arguments')).join('')), { cmd: 'ls -la' });
    assert.equal(at(chunks.at(-1), 'choices', 0, 'finish_reason'), 'tool_calls');
  });

  it('serves responses streams with typed events through response.completed', async () => {
    const r = await post(`${fp.openaiBaseUrl}/responses`, OA(), { model: 'gpt-5', stream: true, input: 'hi', store: false });
    const events = parseSse(r.text);
    const types = events.map((e) => e.event);
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(5).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const payloads = events.map((e) => parseJson(e.data));
    payloads.forEach((p, i) => {
      assert.equal(at(p, 'type'), types[i]);
      assert.equal(at(p, 'sequence_number'), i);
    });
    const done = objAt(payloads.at(-1), 'response');
    assert.equal(done.status, 'completed');
    assert.match(strAt(done, 'id'), /^resp_/);
    assert.equal(at(done, 'output', 0, 'content', 0, 'text'), defaultReplyParts(must(fp.ledger[0]).seq, 5).join(''));
    assert.equal(at(done, 'usage', 'total_tokens'), numAt(done, 'usage', 'input_tokens') + numAt(done, 'usage', 'output_tokens'));
  });

  it('answers responses function calls without streaming', async () => {
    fp.setResponder((req) => (req.endpoint === 'responses' ? { toolCall: { name: 'apply_patch', arguments: { a: 1 }, id: 'call_x' } } : undefined));
    const r = await post(`${fp.openaiBaseUrl}/responses`, OA(), { model: 'gpt-5', input: 'hi' });
    assert.equal(at(r.json, 'object'), 'response');
    assert.deepEqual(at(r.json, 'output', 0), {
      id: at(r.json, 'output', 0, 'id'),
      type: 'function_call',
      status: 'completed',
      arguments: '{"a":1}',
      call_id: 'call_x',
      name: 'apply_patch',
    });
  });

  it('serves embeddings (base64 and float) and model lists for both protocols', async () => {
    const b64 = await post(`${fp.openaiBaseUrl}/embeddings`, OA(), { model: 'e', input: ['a', 'b'], encoding_format: 'base64' });
    assert.equal(arrAt(b64.json, 'data').length, 2);
    assert.equal(Buffer.from(strAt(b64.json, 'data', 1, 'embedding'), 'base64').length, 16 * 4);
    const floats = await post(`${fp.openaiBaseUrl}/embeddings`, OA(), { model: 'e', input: 'a', dimensions: 3 });
    assert.equal(arrAt(floats.json, 'data', 0, 'embedding').length, 3);

    const oa: unknown = await (await fetch(`${fp.openaiBaseUrl}/models`, { headers: OA() })).json();
    assert.equal(at(oa, 'object'), 'list');
    assert.equal(at(oa, 'data', 0, 'object'), 'model');
    const an: unknown = await (await fetch(`${fp.anthropicBaseUrl}/v1/models`, { headers: AN() })).json();
    assert.equal(at(an, 'data', 0, 'type'), 'model');
    assert.equal(at(an, 'has_more'), false);
    assert.deepEqual(
      fp.ledger.filter((e) => e.endpoint === 'models').map((e) => e.protocol),
      ['openai', 'anthropic'],
    );
  });

  it('serves anthropic messages, plain and streamed, with the query string kept', async () => {
    const plain = await post(`${fp.anthropicBaseUrl}/v1/messages`, AN(), { model: 'claude-x', max_tokens: 10, messages: [] });
    assert.equal(at(plain.json, 'type'), 'message');
    assert.equal(at(plain.json, 'model'), 'claude-x');
    assert.equal(at(plain.json, 'content', 0, 'type'), 'text');
    assert.equal(at(plain.json, 'stop_reason'), 'end_turn');
    assert.ok(plain.headers.get('request-id'));

    fp.setResponder(() => ({ text: 'Let me look.', toolCall: { name: 'Read', arguments: { path: '/x' } }, events: 2 }));
    const r = await post(`${fp.anthropicBaseUrl}/v1/messages?beta=true`, AN(), { model: 'claude-x', stream: true, messages: [] });
    const events = parseSse(r.text);
    assert.deepEqual(
      events.map((e) => e.event),
      [
        'message_start',
        'content_block_start',
        'ping',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    const data = events.map((e) => parseJson(e.data));
    assert.equal(at(data, 1, 'content_block', 'type'), 'text');
    assert.equal(strAt(data, 3, 'delta', 'text') + strAt(data, 4, 'delta', 'text'), 'Let me look.');
    assert.equal(at(data, 6, 'content_block', 'type'), 'tool_use');
    assert.match(strAt(data, 6, 'content_block', 'id'), /^toolu_/);
    assert.deepEqual(parseJson(strAt(data, 7, 'delta', 'partial_json') + strAt(data, 8, 'delta', 'partial_json')), { path: '/x' });
    assert.equal(at(data, 10, 'delta', 'stop_reason'), 'tool_use');
    assert.equal(must(fp.ledger[1]).path, '/v1/messages?beta=true');

    const count = await post(`${fp.anthropicBaseUrl}/v1/messages/count_tokens`, AN(), { model: 'claude-x', messages: [] });
    assert.ok(numAt(count.json, 'input_tokens') > 0);
  });

  it('answers a missing key, an unknown path and a non-JSON body in the provider format', async () => {
    const noKey = await post(`${fp.openaiBaseUrl}/chat/completions`, { 'content-type': 'application/json' }, { model: 'm' });
    assert.equal(noKey.status, 401);
    assert.equal(at(noKey.json, 'error', 'type'), 'invalid_request_error');
    const unknown = await post(`${fp.url}/v1/nope`, AN(), {});
    assert.equal(unknown.status, 404);
    assert.equal(at(unknown.json, 'error', 'type'), 'not_found_error');
    const bad = await post(`${fp.anthropicBaseUrl}/v1/messages`, AN(), '{oops');
    assert.equal(bad.status, 400);
    assert.equal(at(bad.json, 'type'), 'error');
    assert.deepEqual(
      fp.ledger.map((e) => [e.endpoint, e.key, e.status]),
      [
        ['chat', undefined, 401],
        ['other', 'test-key-1', 404],
        ['messages', 'test-key-1', 400],
      ],
    );
  });

  it('plays queued faults in order, then serves normally', async () => {
    fp.fault('test-key-1', { kind: 'rateLimit', headers: { 'retry-after': '7', 'x-ratelimit-reset-requests': '6m0s' } }, { kind: 'quota' });
    const url = `${fp.openaiBaseUrl}/chat/completions`;
    const a = await post(url, OA(), { model: 'm' });
    assert.equal(a.status, 429);
    assert.equal(a.headers.get('retry-after'), '7');
    assert.equal(a.headers.get('x-ratelimit-reset-requests'), '6m0s');
    assert.equal(at(a.json, 'error', 'code'), 'rate_limit_exceeded');
    const other = await post(url, OA('test-key-2'), { model: 'm' });
    assert.equal(other.status, 200);
    const b = await post(url, OA(), { model: 'm' });
    assert.equal(b.status, 429);
    assert.equal(at(b.json, 'error', 'code'), 'insufficient_quota');
    assert.equal((await post(url, OA(), { model: 'm' })).status, 200);
    assert.deepEqual(
      fp.ledger.map((e) => e.fault),
      ['rateLimit', undefined, 'quota', undefined],
    );
  });

  it("applies '*' faults to any key, lets a key's own queue win, and keeps always() until cleared", async () => {
    const url = `${fp.anthropicBaseUrl}/v1/messages`;
    fp.fault('*', { kind: 'overloaded' });
    fp.fault('test-key-9', { kind: 'invalidKey' });
    const own = await post(url, AN('test-key-9'), { model: 'c' });
    assert.equal(own.status, 401);
    assert.equal(at(own.json, 'error', 'type'), 'authentication_error');
    const any = await post(url, AN('test-key-3'), { model: 'c' });
    assert.equal(any.status, 529);
    assert.equal(at(any.json, 'error', 'type'), 'overloaded_error');
    assert.equal((await post(url, AN('test-key-3'), { model: 'c' })).status, 200);

    fp.always('test-key-4', { kind: 'forbiddenKey' });
    for (let i = 0; i < 2; i++) assert.equal((await post(url, AN('test-key-4'), { model: 'c' })).status, 403);
    fp.always('test-key-4', undefined);
    assert.equal((await post(url, AN('test-key-4'), { model: 'c' })).status, 200);
  });

  it('sends in-stream errors after the lifecycle preamble', async () => {
    fp.fault('*', { kind: 'errorEvent', error: 'overloaded' }, { kind: 'errorEvent', error: 'quota', afterEvents: 2 });
    const an = await post(`${fp.anthropicBaseUrl}/v1/messages`, AN(), { model: 'c', stream: true });
    assert.equal(an.status, 200);
    const events = parseSse(an.text);
    assert.deepEqual(
      events.map((e) => e.event),
      ['message_start', 'ping', 'error'],
    );
    assert.equal(at(parseJson(must(events[2]).data), 'error', 'type'), 'overloaded_error');

    const chat = await post(`${fp.openaiBaseUrl}/chat/completions`, OA(), { model: 'm', stream: true });
    const chunks = parseSse(chat.text);
    assert.equal(chunks.length, 4); // role chunk, 2 deltas, error
    assert.equal(at(parseJson(must(chunks[3]).data), 'error', 'code'), 'insufficient_quota');
  });

  it('answers HTTP faults with the statuses and bodies providers use', async () => {
    const cases: Array<[Fault, number, string, number, string]> = [
      [{ kind: 'quota' }, 429, 'insufficient_quota', 400, 'credit balance is too low'],
      [{ kind: 'invalidKey' }, 401, 'invalid_api_key', 401, 'authentication_error'],
      [{ kind: 'forbiddenKey' }, 403, 'api_key_not_allowed', 403, 'This API key does not have permission'],
      [{ kind: 'forbiddenRequest' }, 403, 'unsupported_country_region_territory', 403, 'Request not allowed'],
      [{ kind: 'serverError', status: 503 }, 503, 'server_error', 503, 'api_error'],
      [{ kind: 'contextLength' }, 400, 'context_length_exceeded', 400, 'prompt is too long'],
      [{ kind: 'contentPolicy' }, 400, 'content_policy_violation', 400, 'Usage Policy'],
      [{ kind: 'status', status: 418, body: { teapot: true }, headers: { 'x-t': '1' } }, 418, 'teapot', 418, 'teapot'],
    ];
    for (const [fault, oaStatus, oaText, anStatus, anText] of cases) {
      fp.fault('*', fault, fault);
      const oa = await post(`${fp.openaiBaseUrl}/chat/completions`, OA(), { model: 'm' });
      assert.equal(oa.status, oaStatus, fault.kind);
      assert.ok(oa.text.includes(oaText), `${fault.kind}: ${oa.text}`);
      const an = await post(`${fp.anthropicBaseUrl}/v1/messages`, AN(), { model: 'c' });
      assert.equal(an.status, anStatus, fault.kind);
      assert.ok(an.text.includes(anText), `${fault.kind}: ${an.text}`);
    }
    fp.fault('*', { kind: 'html' });
    const html = await post(`${fp.openaiBaseUrl}/chat/completions`, OA(), { model: 'm' });
    assert.equal(html.status, 502);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  });

  it('shapes streams for slowFirstEvent, empty, noDone and malformed', async () => {
    fp.fault('*', { kind: 'slowFirstEvent', ms: 600 }, { kind: 'empty' }, { kind: 'noDone' }, { kind: 'malformed' });
    const url = `${fp.anthropicBaseUrl}/v1/messages`;
    const t0 = Date.now();
    const res = await fetch(url, { method: 'POST', headers: AN(), body: JSON.stringify({ stream: true }) });
    assert.ok(Date.now() - t0 < 400, `headers at once (${Date.now() - t0} ms)`);
    await res.text();
    assert.ok(Date.now() - t0 >= 590, 'first event late');
    const empty = await post(url, AN(), { stream: true });
    assert.equal(empty.status, 200);
    assert.equal(empty.text, '');
    const noDone = parseSse((await post(url, AN(), { stream: true })).text);
    assert.equal(must(noDone.at(-1)).event, 'message_delta');
    const malformed = await post(url, AN(), { stream: true });
    assert.ok(malformed.text.includes('\ndata: {not json\n\n'));
    assert.equal(must(parseSse(malformed.text).at(-1)).event, 'message_stop');
  });

  it('cuts a stream after N events and resets before headers', async () => {
    fp.fault('*', { kind: 'cut', afterEvents: 2 }, { kind: 'reset' });
    const res = await fetch(`${fp.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: OA(), body: JSON.stringify({ stream: true }) });
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
    await assert.rejects(fetch(`${fp.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: OA(), body: '{}' }));
    assert.deepEqual(
      fp.ledger.map((e) => [e.eventsSent, e.completed, e.aborted]),
      [
        [2, false, false],
        [0, false, false],
      ],
    );
  });

  it('detects a client abort within 200 ms', async () => {
    fp.options.eventGapMs = 50;
    fp.options.streamEvents = 50;
    const ctrl = new AbortController();
    const res = await fetch(`${fp.openaiBaseUrl}/responses`, {
      method: 'POST',
      headers: OA(),
      body: JSON.stringify({ stream: true }),
      signal: ctrl.signal,
    });
    const reader = must(res.body).getReader();
    await reader.read();
    assert.equal(fp.openStreams(), 1);
    const t0 = Date.now();
    ctrl.abort();
    const entry = await fp.waitFor((e) => e.aborted, 200);
    assert.ok(must(entry.abortedAt) - t0 < 200);
    assert.equal(entry.completed, false);
    assert.equal(fp.openStreams(), 0);
  });
});

describe('fakeProvider close()', () => {
  it('releases stalled streams and every socket', async () => {
    const fp = await startFakeProvider();
    fp.always('*', { kind: 'stall', afterEvents: 1 });
    const url = new URL(`${fp.anthropicBaseUrl}/v1/messages`);
    const outcomes: Array<Promise<string>> = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        new Promise<string>((resolve) => {
          const req = http.request(url, { method: 'POST', headers: AN(), agent: false }, (res) => {
            res.on('data', () => undefined);
            res.on('error', () => resolve('error'));
            res.on('close', () => resolve('closed'));
          });
          req.on('error', () => resolve('error'));
          req.end(JSON.stringify({ model: 'c', stream: true }));
        }),
      );
    }
    await fp.waitFor(() => fp.ledger.length === 3 && fp.ledger.every((e) => e.eventsSent === 1), 1000);
    assert.equal(fp.openStreams(), 3);
    const t0 = Date.now();
    await fp.close();
    const results = await Promise.all(outcomes);
    assert.ok(Date.now() - t0 < 500);
    assert.equal(results.length, 3);
    assert.equal(fp.openStreams(), 0);
    assert.ok(fp.ledger.every((e) => !e.completed && !e.aborted));
  });
});
