// Guards memory against huge answers (issue 19): a Responses client served by a pool of another protocol held
// the whole answer (the last event repeats all output), so one 360 MB tool call took the bridge from 59 to 454 MB
// resident and 40 concurrent 6 MB ones reached 372 MB; a continuable stream held all its text too. What one answer
// holds is capped (tuning.maxAnswerBytes) and reserved from the memory budget request bodies share: past either,
// the translated stream ends with the client's own terminal error and a logged reason, a continuable stream is no
// longer continued, and the reservation is given back however the answer ended.
import assert from 'node:assert/strict';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { restOfText } from '../fakeProvider/continuationReplies';
import { sseEvents, startHarness, TOKEN, type Harness } from '../helpers/harness';
import { must } from '../helpers/must';
import { arr, arrAt, at, numAt, parseJson, str, strAt } from '../helpers/json';

const KiB = 1024;
const MiB = 1024 * KiB;

const pools = (p: FakeProvider) => [
  { id: 'an', protocol: 'anthropic' as const, baseUrl: p.anthropicBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'sk-test-key-an-1' }] },
  { id: 'oa-a', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'sk-test-key-oa-a' }] },
  { id: 'oa-b', protocol: 'openai' as const, baseUrl: p.openaiBaseUrl, strategy: 'fill-first' as const, keys: [{ id: 'k', secret: 'sk-test-key-oa-b' }] },
];
const routes = [
  // OpenAI clients asking for gpt-* are served by the Anthropic pool: Responses and Chat answers are translated.
  { protocol: 'openai' as const, match: 'gpt-*', targets: [{ pool: 'an', model: 'claude-fallback' }] },
  // Same protocol, continued on the second pool after a cut.
  { protocol: 'openai' as const, match: 'relay-*', targets: [{ pool: 'oa-a' }, { pool: 'oa-b' }], continueOnCut: true },
];

/** A tool call whose arguments are about `bytes` long, streamed in `events` fragments `gapMs` apart. */
const bigToolCall =
  (bytes: number, events = 16, gapMs = 0) =>
  () => ({ toolCall: { name: 'Write', arguments: { content: 'x'.repeat(bytes) } }, events, gapMs });

describe('translated answers held in memory', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => h.close());

  const start = (budget: number, maxAnswerBytes: number) =>
    startHarness({ pools, routes, bodyBudgetBytes: budget, tuning: { maxAnswerBytes, maxBodyBytes: 64 * KiB, idleTimeoutMs: 10_000 } }).then(
      (harness) => (h = harness),
    );

  /** A streamed Responses request as raw events (an SDK would throw on response.failed). */
  const responsesStream = async (model = 'gpt-test') => {
    const res = await fetch(`${h.openaiBase}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model, stream: true, input: 'write the file' }),
    });
    assert.equal(res.status, 200);
    return sseEvents(await res.text());
  };
  /** Whether a log line matches within a few seconds. */
  const logged = async (pattern: RegExp): Promise<boolean> => {
    for (const until = Date.now() + 5_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20)))
      if (h.logs.some((l) => pattern.test(l))) return true;
    return h.logs.some((l) => pattern.test(l));
  };
  const last = (events: { event: string; data: string }[]) => ({ event: events.at(-1)?.event, json: parseJson(events.at(-1)?.data ?? '{}') });

  // A held byte costs the budget four: the answer's last events repeat it (FINAL_EVENT_COPIES).
  it('ends a Responses stream whose tool call outgrows the cap with response.failed, logs why, and serves the next answer', async () => {
    await start((9 * MiB) / 2, MiB);
    h.provider.setResponder(bigToolCall(2 * MiB));
    const events = await responsesStream();
    assert.ok(!events.some((e) => e.event === 'response.completed'), 'no completed response repeating two mebibytes');
    const end = last(events);
    assert.equal(end.event, 'response.failed');
    const created = parseJson(must(events.find((e) => e.event === 'response.created')).data);
    assert.equal(at(end.json, 'response', 'id'), at(created, 'response', 'id'), 'the failed response is the one the client saw created');
    assert.equal(at(end.json, 'response', 'status'), 'failed');
    assert.deepEqual(at(end.json, 'response', 'output'), []);
    assert.equal(
      at(end.json, 'sequence_number'),
      numAt(parseJson(must(events.at(-2)).data), 'sequence_number') + 1,
      'its sequence number follows the last event',
    );
    assert.match(strAt(end.json, 'response', 'error', 'message'), /grew past the 1 MiB the bridge holds of one answer \(tuning\.maxAnswerBytes\)/);
    // The request's line is written once the attempt loop returns, which may be just after the client read the end.
    assert.ok(await logged(/POST \/openai\/v1\/responses 200 error pool=an .*grew past the 1 MiB/), h.logs.join('\n'));

    // The reservation was given back: an answer just under the cap (3.6 MiB of budget) still fits the 4.5 MiB budget.
    h.provider.setResponder(bigToolCall(900 * KiB));
    const next = await responsesStream();
    const done = last(next);
    assert.equal(done.event, 'response.completed');
    assert.equal(strAt(parseJson(strAt(done.json, 'response', 'output', 0, 'arguments')), 'content').length, 900 * KiB);
  });

  it('bounds concurrent large answers by the memory budget, and gives every reservation back', async () => {
    // Each answer fits the cap; four at once (14.4 MiB of budget) do not fit a 10 MiB budget, two do.
    await start(10 * MiB, MiB);
    h.provider.setResponder(bigToolCall(900 * KiB, 30, 15));
    const ends = await Promise.all(Array.from({ length: 4 }, () => responsesStream().then(last)));
    const failed = ends.filter((e) => e.event === 'response.failed');
    const completed = ends.filter((e) => e.event === 'response.completed');
    assert.equal(failed.length + completed.length, 4);
    assert.ok(failed.length >= 1, 'four answers of 900 KiB do not all fit a 10 MiB budget');
    assert.ok(completed.length >= 1, 'the budget serves those that fit');
    for (const end of failed) assert.match(strAt(end.json, 'response', 'error', 'message'), /grew past the memory budget/);
    assert.ok(await logged(/ 200 error pool=an .*grew past the memory budget/), h.logs.join('\n'));

    // All given back: two at once fit again.
    h.provider.setResponder(bigToolCall(900 * KiB, 8));
    const again = await Promise.all([responsesStream().then(last), responsesStream().then(last)]);
    assert.deepEqual(
      again.map((e) => e.event),
      ['response.completed', 'response.completed'],
    );
  });

  it('holds nothing for a Chat client of a translated target: a large tool call passes', async () => {
    await start((9 * MiB) / 2, MiB);
    h.provider.setResponder(bigToolCall(2 * MiB));
    const res = await fetch(`${h.openaiBase}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'write the file' }] }),
    });
    const events = sseEvents(await res.text());
    assert.equal(events.at(-1)?.data, '[DONE]');
    const toolCalls = (chunk: unknown): unknown[] => {
      const choice = arrAt(chunk, 'choices')[0];
      return choice === undefined ? [] : arr(at(choice, 'delta', 'tool_calls') ?? []);
    };
    const args = events
      .flatMap((e) => (e.data === '[DONE]' ? [] : toolCalls(parseJson(e.data))))
      .map((c) => str(at(c, 'function', 'arguments') ?? ''))
      .join('');
    assert.equal(strAt(parseJson(args), 'content').length, 2 * MiB);
  });

  it('does not continue a cut stream whose text outgrew the cap: it ends with the terminal error, as without continuation', async () => {
    await start(4 * MiB, MiB);
    const text = 'word '.repeat((3 * MiB) / 5);
    const rest = restOfText(text);
    h.provider.setResponder((req) => ({ ...rest(req), events: 30 }));
    h.provider.fault('sk-test-key-oa-a', { kind: 'cut', afterEvents: 20 });
    const res = await fetch(`${h.openaiBase}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: 'relay-test', stream: true, messages: [{ role: 'user', content: 'tell me' }] }),
    });
    const events = sseEvents(await res.text());
    assert.deepEqual(
      h.provider.ledger.map((e) => e.key),
      ['sk-test-key-oa-a'],
      'no continuation was asked for',
    );
    assert.equal(events.at(-1)?.data, '[DONE]');
    assert.equal(at(parseJson(must(events.at(-2)).data), 'error', 'code'), 'stream_interrupted');
    assert.ok(await logged(/not continued: .*more text than the 1 MiB the bridge holds of one answer/), h.logs.join('\n'));
  });
});
