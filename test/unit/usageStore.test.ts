// Guards the usage store (docs/ARCHITECTURE.md §10): raw records roll up into hourly then daily sums and leave
// at the retention, with a manual clock; reports add up the same either way; a damaged file is set aside with
// its good lines kept; the file holds no prompt or answer text; the agent is named from its User-Agent.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, promises as fsPromises, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/core/logger';
import type { RequestSummary } from '../../src/core/status';
import { compact, retentionPolicy } from '../../src/core/usage/rollup';
import { parseUsageLine, readUsageFile } from '../../src/core/usage/usageFile';
import { parseSince, queryUsage, usageQueryFrom } from '../../src/core/usage/usageQuery';
import { agentOf, recordFromSummary, type UsageRow } from '../../src/core/usage/usageRecord';
import { UsageRecorder } from '../../src/core/usage/usageRecorder';
import { ManualClock } from '../helpers/manualClock';
import { must } from '../helpers/must';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-03-01T00:00:00Z');

function summary(overrides: Partial<RequestSummary> = {}): RequestSummary {
  return {
    id: 1,
    method: 'POST',
    path: '/openai/v1/chat/completions',
    protocol: 'openai',
    model: 'gpt-test',
    stream: true,
    status: 200,
    outcome: 'ok',
    pool: 'oa',
    key: 'test…ey-1',
    fingerprint: 'abcdef123456',
    attempts: 1,
    ms: 120,
    firstByteMs: 40,
    servedModel: 'gpt-test-2026',
    tokens: { input: 100, output: 20, cacheRead: 30, cacheWrite: 5 },
    userAgent: 'claude-cli/2.0.1 (external, cli)',
    ...overrides,
  };
}

/** Closes the recorder and opens it again: memory and then the file hold `requests` records, each once. */
async function closeAndReopen(recorder: UsageRecorder, file: string, requests: number): Promise<void> {
  await recorder.close();
  await recorder.open();
  assert.equal(recorder.query({}).totals.requests, requests);
  await recorder.close();
  assert.equal((await readUsageFile(file)).rows.length, requests);
}

function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: () => undefined, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

describe('usage store', () => {
  it('names the agent from its User-Agent', () => {
    assert.equal(agentOf('claude-cli/2.0.14 (external, cli)'), 'claude-code');
    assert.equal(agentOf('codex_cli_rs/0.46.0 (Mac OS 15.0; arm64)'), 'codex');
    assert.equal(agentOf('OpenAI/JS 5.12.0'), 'openai-sdk');
    assert.equal(agentOf('OpenAI/Python 1.99.0'), 'openai-sdk');
    assert.equal(agentOf('Anthropic/JS 0.60.0'), 'anthropic-sdk');
    assert.equal(agentOf('opencode/0.14 ai-sdk/5'), 'opencode');
    assert.equal(agentOf('curl/8.5.0'), 'curl');
    assert.equal(agentOf(undefined), 'unknown');
    assert.equal(agentOf('{"x":1}'), 'unknown');
    assert.equal(agentOf('A'.repeat(500)).length, 32, 'an unknown product name is bounded');
  });

  it('reads since windows', () => {
    assert.equal(parseSince('7d'), 7 * DAY);
    assert.equal(parseSince('24h'), DAY);
    assert.equal(parseSince('30m'), 30 * 60_000);
    assert.equal(parseSince('2w'), 14 * DAY);
    for (const bad of ['', '7', 'd', '0d', '-1d', '7 days', '1e3d']) assert.equal(parseSince(bad), undefined, bad);
  });

  it('rolls raw records into hours after 48 h, hours into days after 14 days, and drops them after the retention', () => {
    const policy = retentionPolicy(90);
    const rows: UsageRow[] = [];
    // Three requests in one hour, one of them failed, on two models.
    rows.push(recordFromSummary(summary(), START + 10 * 60_000));
    rows.push(recordFromSummary(summary({ outcome: 'error', status: 502, tokens: undefined, failovers: 1 }), START + 20 * 60_000));
    rows.push(recordFromSummary(summary({ servedModel: 'other', tokens: { input: 7, output: 3, cacheRead: 0, cacheWrite: 0 } }), START + 30 * 60_000));
    const before = queryUsage(rows, { sinceMs: 365 * DAY }, START + HOUR);

    const fresh = compact(rows, START + HOUR, policy);
    assert.equal(fresh.filter((r) => r.kind === 'request').length, 3, 'young records stay raw');

    const hourly = compact(rows, START + 3 * DAY, policy);
    assert.deepEqual(
      hourly.map((r) => [r.kind, r.at, r.model]),
      [
        ['hour', START, 'gpt-test-2026'],
        ['hour', START, 'other'],
      ],
    );
    const hour = hourly[0];
    assert.ok(hour.kind === 'hour');
    assert.equal(hour.requests, 2);
    assert.equal(hour.errors, 1);
    assert.equal(hour.failovers, 1);
    assert.equal(hour.inputTokens, 100);
    assert.equal(hour.cacheReadTokens, 30);
    assert.equal(hour.keyMasked, 'test…ey-1');
    assert.deepEqual(compact(hourly, START + 3 * DAY, policy), hourly, 'compaction is idempotent');

    const daily = compact(hourly, START + 20 * DAY, policy);
    assert.deepEqual(
      daily.map((r) => [r.kind, r.at]),
      [
        ['day', START],
        ['day', START],
      ],
    );
    // The same totals at every grain.
    for (const grain of [hourly, daily]) {
      const after = queryUsage(grain, { sinceMs: 365 * DAY }, START + HOUR);
      assert.deepEqual(after.totals, before.totals);
    }
    assert.equal(before.totals.requests, 3);
    assert.equal(before.totals.errors, 1);
    assert.equal(before.totals.inputTokens, 107);
    assert.equal(before.totals.costUsd, null);

    assert.equal(compact(daily, START + 90 * DAY - 1, policy).length, 2, 'kept while within the retention');
    assert.deepEqual(compact(daily, START + 91 * DAY, policy), [], 'gone after it');
    assert.deepEqual(compact(rows, START + 8 * DAY, retentionPolicy(7)), [], 'a shorter retention drops them sooner');
  });

  it('merges rollups of one group and hour without changing the rows it was given', () => {
    const hour: UsageRow = {
      kind: 'hour',
      at: START,
      pool: 'oa',
      key: 'abcdef123456',
      keyMasked: 'test…ey-1',
      model: 'gpt-test',
      agent: 'codex',
      protocol: 'openai',
      requests: 2,
      errors: 0,
      failovers: 0,
      latencyMs: 20,
      inputTokens: 10,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    const again: UsageRow = { ...hour, requests: 3, inputTokens: 5 };
    const other: UsageRow = { ...hour, agent: 'opencode' };
    const before = JSON.stringify([hour, again, other]);
    const out = compact(
      [hour, again, other, recordFromSummary(summary({ servedModel: undefined, model: 'gpt-test', userAgent: 'codex_cli_rs/0.1' }), START + 2 * 60_000)],
      START + 3 * DAY,
      retentionPolicy(90),
    );
    assert.equal(JSON.stringify([hour, again, other]), before, 'the rows passed in are unchanged');
    const merged = out.find((r) => r.kind === 'hour' && r.agent === 'codex');
    assert.deepEqual(
      merged && [merged.kind === 'hour' && merged.requests, merged.inputTokens],
      [6, 115],
      'both rollups and the record of the same hour and group, as one',
    );
    assert.equal(out.filter((r) => r.kind === 'hour').length, 2);
    assert.deepEqual(compact(out, START + 3 * DAY, retentionPolicy(90)), out, 'idempotent');
  });

  it('rolls up the oldest raw records early when there are too many', () => {
    const policy = { ...retentionPolicy(90), maxRaw: 2 };
    const rows = [0, 1, 2, 3].map((i) => recordFromSummary(summary(), START + i * 60_000));
    const out = compact(rows, START + HOUR, policy);
    assert.deepEqual(
      out.map((r) => r.kind),
      ['hour', 'request', 'request'],
    );
    assert.equal(queryUsage(out, {}, START + HOUR).totals.requests, 4);
  });

  it('breaks the totals down by key, model, pool, agent, protocol and day', () => {
    const rows = [
      recordFromSummary(summary(), START),
      recordFromSummary(
        summary({ protocol: 'anthropic', pool: 'an', fingerprint: 'fedcba654321', key: 'test…ey-2', userAgent: 'Anthropic/JS 0.60', servedModel: 'claude-x' }),
        START + DAY,
      ),
    ];
    const report = queryUsage(rows, { sinceMs: 7 * DAY }, START + DAY + HOUR);
    assert.deepEqual(
      report.breakdowns.key?.map((l) => [l.name, l.pool, l.keyMasked, l.requests]),
      [
        ['abcdef123456', 'oa', 'test…ey-1', 1],
        ['fedcba654321', 'an', 'test…ey-2', 1],
      ],
    );
    assert.deepEqual(report.breakdowns.agent?.map((l) => l.name).sort(), ['anthropic-sdk', 'claude-code']);
    assert.deepEqual(
      report.breakdowns.day?.map((l) => l.name),
      ['2026-03-01', '2026-03-02'],
    );
    assert.deepEqual(report.breakdowns.model?.map((l) => l.name).sort(), ['claude-x', 'gpt-test-2026']);
    const since = queryUsage(rows, { sinceMs: 2 * HOUR, by: 'pool' }, START + DAY + HOUR);
    assert.equal(since.totals.requests, 1, 'only the window counts');
    assert.deepEqual(Object.keys(since.breakdowns), ['pool']);
  });

  it('puts the series over time in hourly or daily buckets, in total and per model, key, pool and agent, and they add up to the totals', () => {
    const now = START + 2 * DAY + 30 * 60_000; // 2026-03-03 00:30
    const hourRollup: UsageRow = {
      kind: 'hour',
      at: START + DAY + 22 * HOUR,
      pool: 'oa',
      key: 'abcdef123456',
      keyMasked: 'test…ey-1',
      model: 'gpt-test-2026',
      agent: 'codex',
      protocol: 'openai',
      requests: 5,
      errors: 1,
      failovers: 2,
      latencyMs: 500,
      inputTokens: 50,
      outputTokens: 10,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    const rows: UsageRow[] = [
      recordFromSummary(summary(), START + 12 * HOUR), // outside a 24 h window, inside 7 d
      hourRollup,
      recordFromSummary(summary({ outcome: 'error', status: 429, failovers: 1 }), START + 2 * DAY + 10 * 60_000),
      recordFromSummary(
        summary({
          pool: 'an',
          protocol: 'anthropic',
          fingerprint: 'fedcba654321',
          key: 'test…ey-2',
          servedModel: 'claude-x',
          userAgent: 'Anthropic/JS 0.60',
          tokens: { input: 1000, output: 1, cacheRead: 0, cacheWrite: 0 },
        }),
        START + 2 * DAY + 20 * 60_000,
      ),
    ];
    const hourly = must(queryUsage(rows, { sinceMs: DAY, series: 'hour' }, now).series);
    assert.equal(hourly.grain, 'hour');
    assert.equal(hourly.at.length, 25, 'every hour of the window, empty ones included');
    assert.equal(hourly.at[0], START + DAY);
    assert.equal(hourly.at.at(-1), START + 2 * DAY);
    const at = (t: number): number => hourly.at.indexOf(t);
    assert.equal(hourly.total.requests[at(START + DAY + 22 * HOUR)], 5);
    assert.equal(hourly.total.requests[at(START + 2 * DAY)], 2);
    assert.equal(hourly.total.errors[at(START + 2 * DAY)], 1);
    assert.equal(hourly.total.failovers[at(START + DAY + 22 * HOUR)], 2);
    assert.equal(hourly.total.tokens[at(START + 2 * DAY)], 155 + 1001);
    assert.equal(
      hourly.total.requests.reduce((a, b) => a + b, 0),
      7,
      'the record 36 h old is not in 24 h',
    );
    assert.deepEqual(
      hourly.by.model.map((l) => l.name),
      ['claude-x', 'gpt-test-2026'],
      'largest token users first',
    );
    assert.deepEqual(hourly.by.agent.map((l) => l.name).sort(), ['anthropic-sdk', 'claude-code', 'codex']);
    assert.deepEqual(
      hourly.by.key.map((l) => [l.name, l.pool, l.keyMasked]),
      [
        ['fedcba654321', 'an', 'test…ey-2'],
        ['abcdef123456', 'oa', 'test…ey-1'],
      ],
    );
    const oa = must(hourly.by.pool.find((l) => l.name === 'oa'));
    assert.deepEqual([oa.requests[at(START + DAY + 22 * HOUR)], oa.requests[at(START + 2 * DAY)]], [5, 1]);
    assert.equal(
      hourly.total.costUsd.every((c) => c === null),
      true,
      'no pricer: no cost',
    );
    const daily = must(queryUsage(rows, { sinceMs: 7 * DAY, series: 'day' }, now).series);
    assert.equal(daily.at.length, 8);
    assert.deepEqual(daily.total.requests.slice(-3), [1, 5, 2]);
    for (const dimension of ['model', 'key', 'pool', 'agent'] as const) {
      const summed = daily.total.requests.map((_, i) => daily.by[dimension].reduce((a, l) => a + l.requests[i], 0));
      assert.deepEqual(summed, daily.total.requests, `the lines by ${dimension} add up to the total`);
    }
    assert.equal(queryUsage(rows, { sinceMs: DAY }, now).series, undefined, 'only when asked for');
  });

  it('reads the series grain from a query string', () => {
    assert.deepEqual(usageQueryFrom(new URLSearchParams('since=24h&series=hour')), { sinceMs: DAY, series: 'hour' });
    assert.match(usageQueryFrom(new URLSearchParams('series=minute')) as string, /^series must be hour or day/);
  });

  describe('file', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keybridge-usage-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes in batches, survives a reopen, rolls up on compaction, and holds no prompt or answer text', async () => {
      const file = join(dir, 'sub', 'usage.jsonl');
      const clock = new ManualClock(START);
      const log = logger();
      const recorder = new UsageRecorder({ file, clock, logger: log, flushMs: 60_000 });
      await recorder.open();
      recorder.record(summary({ error: 'secret prompt text must not be kept', path: '/openai/v1/chat/completions?q=prompt' }));
      assert.equal(readFileSync(file, 'utf8'), '', 'nothing written on the request path');
      assert.equal(recorder.query({}).totals.requests, 1, 'but queries see it at once');
      await recorder.flush();
      const text = readFileSync(file, 'utf8');
      assert.equal(text.split('\n').filter(Boolean).length, 1);
      assert.ok(!text.includes('prompt') && !text.includes('error'), text);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const record = parseUsageLine(text.trim());
      assert.ok(record?.kind === 'request');
      assert.equal(record.agent, 'claude-code');
      assert.equal(record.key, 'abcdef123456');
      assert.equal(record.firstByteMs, 40);

      recorder.record(summary());
      await recorder.close();
      const reopened = new UsageRecorder({ file, clock, logger: log });
      await reopened.open();
      assert.equal(reopened.query({}).totals.requests, 2, 'both survive the restart');
      clock.advance(3 * DAY);
      await reopened.compactNow();
      const rows = (await readUsageFile(file)).rows;
      assert.deepEqual(
        rows.map((r) => r.kind),
        ['hour'],
      );
      assert.equal(statSync(file).mode & 0o777, 0o600, 'a rewritten file stays owner-only');
      assert.equal(reopened.query({ sinceMs: 7 * DAY }).totals.inputTokens, 200);
      await reopened.close();
      assert.deepEqual(log.lines, []);
    });

    /** Two weeks of hourly rollups for 12 models and keys: far more rows than the raw records' bound. */
    function longHistory(): UsageRow[] {
      const history: UsageRow[] = [];
      for (let hour = 0; hour < 14 * 24; hour++) {
        for (let group = 0; group < 12; group++) {
          const record = recordFromSummary(summary({ model: `model-${group}`, servedModel: undefined }), START + DAY + hour * HOUR);
          history.push(...compact([record], START + 15 * DAY, { ...retentionPolicy(90), rawMs: 0 }));
        }
      }
      assert.ok(history.length > 4_000 && history.every((row) => row.kind === 'hour'));
      return history;
    }

    /** The history in a layout the recorder never writes (a space after each `{`): a rewrite shows in the file's first bytes. */
    function writeHistory(file: string, history: readonly UsageRow[]): string {
      const text = history.map((row) => `${JSON.stringify(row).replace(/^\{/, '{ ')}\n`).join('');
      writeFileSync(file, text);
      return text;
    }

    /** A recorder opened on a file of a long history, written in a layout it never writes itself. */
    async function openOnLongHistory(): Promise<{ file: string; clock: ManualClock; history: UsageRow[]; text: string; recorder: UsageRecorder }> {
      const file = join(dir, 'usage.jsonl');
      const clock = new ManualClock(START + 15 * DAY);
      const history = longHistory();
      const text = writeHistory(file, history);
      const recorder = new UsageRecorder({ file, clock, logger: logger(), flushMs: 600_000 });
      await recorder.open();
      return { file, clock, history, text, recorder };
    }

    it('leaves a long history alone when nothing new came, and appends to it when something did', async () => {
      const { file, clock, history, text, recorder } = await openOnLongHistory();
      clock.advance(5_000);
      await recorder.flush();
      await recorder.flush();
      await recorder.compactNow();
      assert.equal(readFileSync(file, 'utf8'), text, 'flushes and a compaction with nothing to do leave the file as it was');
      recorder.record(summary());
      await recorder.flush();
      const now = readFileSync(file, 'utf8');
      assert.ok(now.startsWith(text), 'one new record is appended, not the history rewritten with it');
      assert.equal((await readUsageFile(file)).rows.length, history.length + 1);
      await recorder.close();
    });

    it('appends under heavy traffic instead of rewriting a long history at every flush, and loses nothing', async () => {
      const { file, clock, history, text, recorder } = await openOnLongHistory();
      // Three flush intervals of 2,400 requests (480 a second): each runs past the raw records' bound.
      for (let flush = 0; flush < 3; flush++) {
        for (let i = 0; i < 2_400; i++) {
          recorder.record(summary());
          clock.advance(2);
        }
        await recorder.flush();
        assert.ok(readFileSync(file, 'utf8').startsWith(text), `flush ${flush + 1} appended`);
      }
      const all = { sinceMs: 90 * DAY };
      const totals = recorder.query(all).totals;
      assert.equal(totals.requests, history.length + 7_200);
      assert.equal(queryUsage((await readUsageFile(file)).rows, all, clock.now()).totals.requests, totals.requests, 'the file adds up the same');
      await recorder.close();
      const reopened = new UsageRecorder({ file, clock, logger: logger() });
      await reopened.open();
      assert.deepEqual(reopened.query(all).totals, totals, 'a restart reads the same store');
      await reopened.close();
    });

    it('counts each record once when it is opened again', async () => {
      const file = join(dir, 'usage.jsonl');
      const recorder = new UsageRecorder({ file, clock: new ManualClock(START), logger: logger() });
      recorder.record(summary());
      await recorder.open();
      recorder.record(summary());
      await closeAndReopen(recorder, file, 2);
    });

    it('rewrites the file once it holds far more lines than memory, so it stays bounded', async () => {
      const file = join(dir, 'usage.jsonl');
      const clock = new ManualClock(START);
      const recorder = new UsageRecorder({ file, clock, logger: logger(), flushMs: 600_000 });
      await recorder.open();
      const lines = (): number => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
      let most = 0;
      // 20 flush intervals of 2,400 records: the file keeps raw the records memory sums, until it is rewritten.
      for (let flush = 0; flush < 20; flush++) {
        for (let i = 0; i < 2_400; i++) {
          recorder.record(summary());
          clock.advance(2);
        }
        await recorder.flush();
        most = Math.max(most, lines());
      }
      assert.ok(most > 5_000, `the file was appended to (${most} lines at most)`);
      assert.ok(most <= 3_000 + 10_000 + 2_400, `at most 10,000 lines and one batch past memory, not ${most}`);
      assert.equal(queryUsage((await readUsageFile(file)).rows, {}, clock.now()).totals.requests, 48_000);
      await recorder.close();
    });

    it('holds a bounded store in memory when the records belong to many keys and models', async () => {
      const recorder = new UsageRecorder({ file: join(dir, 'usage.jsonl'), clock: new ManualClock(START), logger: logger(), flushMs: 600_000 });
      await recorder.open();
      // 1,000 groups within one hour: each roll-up of the oldest records makes up to a sum per group.
      for (let i = 0; i < 30_000; i++) recorder.record(summary({ fingerprint: `key-${i % 125}`, model: `model-${i % 8}`, servedModel: undefined }));
      const rows = recorder.rowsSince(0);
      assert.equal(recorder.query({}).totals.requests, 30_000);
      assert.ok(rows.length <= 3_000 + 1_000 + 2_000, `raw records, one sum per group and the sums since the last merge: ${rows.length} rows`);
      await recorder.close();
    });

    it('reads the file again when it is opened again: another window may have written it in between', async () => {
      const file = join(dir, 'usage.jsonl');
      const clock = new ManualClock(START);
      const recorder = new UsageRecorder({ file, clock, logger: logger() });
      await recorder.open();
      recorder.record(summary());
      await recorder.close();
      // The other window's bridge recorded two requests.
      appendFileSync(file, `${JSON.stringify(recordFromSummary(summary(), START - 2))}\n${JSON.stringify(recordFromSummary(summary(), START - 1))}\n`);
      await recorder.open();
      assert.equal(recorder.query({}).totals.requests, 3);
      await recorder.close();
    });

    it('starts no timers when it is closed while it was still opening', async () => {
      const file = join(dir, 'usage.jsonl');
      const recorder = new UsageRecorder({ file, clock: new ManualClock(START), logger: logger(), flushMs: 20 });
      const opening = recorder.open();
      await recorder.close();
      await opening;
      recorder.record(summary());
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal((await readUsageFile(file)).rows.length, 0, 'no flush timer ran after close');
    });

    it('holds a bounded number of raw records under heavy traffic, and loses none of them', async () => {
      const file = join(dir, 'usage.jsonl');
      const clock = new ManualClock(START);
      const recorder = new UsageRecorder({ file, clock, logger: logger(), flushMs: 600_000 });
      await recorder.open();
      const raw = (): number => recorder.rowsSince(0).filter((row) => row.kind === 'request').length;
      // 12,000 requests at 1,000 a second, flushed every 5 s: each flush interval runs well past the bound.
      let most = 0;
      for (let i = 0; i < 12_000; i++) {
        recorder.record(summary({ id: i, model: `model-${i % 3}`, servedModel: undefined }));
        clock.advance(1);
        if (i % 250 === 0) most = Math.max(most, raw());
        if (i % 5_000 === 4_999) await recorder.flush();
      }
      assert.ok(most <= 3_000, `at most half again the bound of 2,000 raw records in memory, not ${most}`);
      const totals = recorder.query({}).totals;
      assert.equal(totals.requests, 12_000, 'the older records are summed, not dropped');
      assert.equal(totals.inputTokens, 12_000 * 100);
      await recorder.flush();
      const written = (await readUsageFile(file)).rows;
      assert.equal(queryUsage(written, {}, clock.now()).totals.requests, 12_000, 'the file has them all, each once');
      await recorder.close();
      const reopened = new UsageRecorder({ file, clock, logger: logger() });
      await reopened.open();
      assert.deepEqual(reopened.query({}).totals, totals, 'a restart reads the same store');
      await reopened.close();
    });

    it('sets a damaged file aside with a message, keeps its good records and goes on recording', async () => {
      const file = join(dir, 'usage.jsonl');
      const good = JSON.stringify(recordFromSummary(summary(), START));
      writeFileSync(file, `${good}\nnot json\n{"kind":"request","at":"yesterday"}\n${good}\n{"kind":"req`);
      const clock = new ManualClock(START + HOUR);
      const log = logger();
      const recorder = new UsageRecorder({ file, clock, logger: log });
      await recorder.open();
      const aside = readdirSync(dir).filter((name) => name.startsWith('usage.jsonl.damaged-'));
      assert.equal(aside.length, 1, readdirSync(dir).join(', '));
      assert.ok(readFileSync(join(dir, aside[0]), 'utf8').includes('not json'), 'the damaged file is kept for a look');
      assert.equal(log.lines.length, 1);
      assert.match(log.lines[0], /had 3 damaged line\(s\); set aside as .*usage\.jsonl\.damaged-.*2 good record\(s\) kept/);
      recorder.record(summary());
      await recorder.close();
      const { rows, badLines } = await readUsageFile(file);
      assert.equal(badLines, 0);
      assert.equal(rows.length, 3);
    });

    it('never fails on a place it cannot read or write: it says so once, keeps the records, and writes them all once it can', async () => {
      const blocker = join(dir, 'not-a-dir');
      writeFileSync(blocker, '');
      const log = logger();
      const recorder = new UsageRecorder({ file: join(blocker, 'usage.jsonl'), clock: new ManualClock(START), logger: log });
      await recorder.open();
      recorder.record(summary());
      await recorder.flush();
      recorder.record(summary());
      await recorder.close();
      assert.equal(recorder.query({}).totals.requests, 2);
      assert.equal(log.lines.filter((l) => /cannot read/.test(l)).length, 1, log.lines.join('\n'));
      // The place becomes usable: the file gets every record.
      rmSync(blocker);
      mkdirSync(blocker);
      recorder.record(summary());
      await recorder.flush();
      assert.equal((await readUsageFile(join(blocker, 'usage.jsonl'))).rows.length, 3);
      assert.ok(
        log.lines.some((l) => /works again/.test(l)),
        log.lines.join('\n'),
      );
    });

    describe('when the disk refuses', () => {
      const real = { readFile: fsPromises.readFile, appendFile: fsPromises.appendFile };
      afterEach(() => Object.assign(fsPromises, real));
      const refuseOnce = (name: 'readFile' | 'appendFile', code: string): void => {
        const refuse = (): Promise<never> => {
          Object.assign(fsPromises, { [name]: real[name] });
          return Promise.reject(Object.assign(new Error(`${code}: refused`), { code }));
        };
        Object.assign(fsPromises, { [name]: refuse });
      };
      const history = (file: string, count: number): void =>
        writeFileSync(file, Array.from({ length: count }, (_, i) => `${JSON.stringify(recordFromSummary(summary(), START + i))}\n`).join(''));

      it('never replaces a file it could not read: its history is read in before anything is written', async () => {
        const file = join(dir, 'usage.jsonl');
        history(file, 50);
        refuseOnce('readFile', 'EBUSY');
        const log = logger();
        const recorder = new UsageRecorder({ file, clock: new ManualClock(START + HOUR), logger: log });
        await recorder.open();
        recorder.record(summary());
        // The hourly compaction writes the whole store: the history must be in it.
        await recorder.compactNow();
        assert.equal((await readUsageFile(file)).rows.length, 51);
        assert.equal(recorder.query({}).totals.requests, 51);
        assert.equal(log.lines.filter((l) => /cannot read .*EBUSY/.test(l)).length, 1, log.lines.join('\n'));
        await recorder.close();
      });

      it('does not write over what another window wrote when the file cannot be read as it is opened again', async () => {
        const file = join(dir, 'usage.jsonl');
        const recorder = new UsageRecorder({ file, clock: new ManualClock(START + HOUR), logger: logger() });
        await recorder.open();
        recorder.record(summary());
        await recorder.close();
        history(file, 50); // the other window's bridge owned the file meanwhile
        refuseOnce('readFile', 'EBUSY');
        await recorder.open();
        recorder.record(summary());
        await recorder.compactNow();
        assert.equal((await readUsageFile(file)).rows.length, 51, "the other window's records and this one's");
        await recorder.close();
      });

      it('keeps the records of a failed write through a reopen, and writes them once the disk takes them', async () => {
        const file = join(dir, 'usage.jsonl');
        history(file, 50);
        const recorder = new UsageRecorder({ file, clock: new ManualClock(START + HOUR), logger: logger() });
        await recorder.open();
        for (let i = 0; i < 5; i++) recorder.record(summary());
        refuseOnce('appendFile', 'ENOSPC');
        await closeAndReopen(recorder, file, 55);
      });

      it('writes the whole store after a failed append, the history and the records of the failed write', async () => {
        const file = join(dir, 'usage.jsonl');
        history(file, 50);
        const log = logger();
        const recorder = new UsageRecorder({ file, clock: new ManualClock(START + HOUR), logger: log });
        await recorder.open();
        recorder.record(summary());
        refuseOnce('appendFile', 'ENOSPC');
        await recorder.flush();
        recorder.record(summary());
        await recorder.flush();
        assert.equal((await readUsageFile(file)).rows.length, 52);
        assert.deepEqual(
          log.lines.map((l) => l.replace(file, 'FILE')),
          ['usage: cannot write FILE (ENOSPC); records are kept in memory', 'usage: writing FILE works again'],
        );
        await recorder.close();
      });
    });
  });
});
