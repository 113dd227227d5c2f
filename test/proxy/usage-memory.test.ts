// Guards the memory the usage store holds: it keeps each request's record (up to a few thousand raw records for
// two days, hourly rollups for two weeks), and a record must hold what it names, not the answer it was read from.
// The served model is read out of the answer's text; a model name of 13 characters or more taken as it matched is
// a slice that keeps the whole answer alive for as long as the record lives.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { chatBody, post, sseEvents, startHarness, type Harness } from '../helpers/harness';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A provider's dated model name: long enough that a match of it would be a slice of the answer. */
const MODEL = 'gpt-4.1-2025-04-14';
const ANSWERS = 40;
const ANSWER_TEXT = 'all work and no play '.repeat(12_000); // about 250 kB per answer, 10 MB in all

function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('memory the usage store holds', () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-usage-memory-'));
    // Nothing is flushed during the test: every record stays in memory, as between two flushes under load.
    h = await startHarness({ usage: { file: join(dir, 'usage.jsonl'), flushMs: 600_000 } });
    h.provider.setResponder(() => ({ text: ANSWER_TEXT, usage: { input: 10, output: 20 } }));
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the served model of long non-streamed answers without keeping the answers', async () => {
    // Warm-up: the first requests allocate what every later one reuses (connections, compiled code, caches).
    for (let i = 0; i < 3; i++) assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody({ model: MODEL }))).status, 200);
    const before = heapAfterGc();
    for (let i = 0; i < ANSWERS; i++) {
      const res = await post(`${h.openaiBase}/chat/completions`, chatBody({ model: MODEL }));
      assert.equal(res.status, 200);
      assert.ok(res.text.length > ANSWER_TEXT.length, 'the whole answer was relayed');
    }
    const grown = heapAfterGc() - before;
    const rows = h.bridge.usage?.rowsSince(0) ?? [];
    assert.equal(rows.length, ANSWERS + 3, 'every request has its record');
    assert.ok(
      rows.every((row) => row.kind === 'request' && row.servedModel === MODEL),
      'each record names the model that served it',
    );
    // The answers were 10 MB; the records are a few hundred bytes each.
    assert.ok(grown < 2 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MB over ${ANSWERS} answers`);
  });

  it('keeps the served model of streams without keeping the event it was read from', async () => {
    // The model is read from the first events that name one: here the first chunk, which also carries the answer.
    const chunk = (delta: object, finish: string | null): object => ({
      id: 'chatcmpl-memory',
      object: 'chat.completion.chunk',
      created: 1_765_000_000,
      model: MODEL,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const chunks = [chunk({ role: 'assistant', content: ANSWER_TEXT }, null), chunk({}, 'stop')];
    h.provider.setResponder(() => ({ recorded: { chunks, completion: {} } }));
    const ask = (): Promise<Awaited<ReturnType<typeof post>>> => post(`${h.openaiBase}/chat/completions`, chatBody({ model: MODEL, stream: true }));
    for (let i = 0; i < 3; i++) assert.equal((await ask()).status, 200);
    const before = heapAfterGc();
    for (let i = 0; i < ANSWERS; i++) {
      const res = await ask();
      assert.equal(sseEvents(res.text).at(-1)?.data, '[DONE]');
    }
    const grown = heapAfterGc() - before;
    const rows = h.bridge.usage?.rowsSince(0) ?? [];
    assert.ok(rows.every((row) => row.kind === 'request' && row.servedModel === MODEL));
    assert.ok(grown < 2 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MB over ${ANSWERS} streams`);
  });
});
