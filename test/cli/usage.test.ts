// Guards the usage store as a headless user meets it (issue 21): the tokens the provider reported for each
// answer — streamed or not, both protocols, a translated route, cache tokens — are what `keybridge usage`
// reports after `keybridge serve` restarted; the file holds no prompt or answer text; a damaged file is set
// aside and serving goes on; the remaining quota a provider reports shows in the status API; and
// `GET /_keybridge/usage` answers only with the admin token.
import assert from 'node:assert/strict';
import { runCli, type CliRun } from './cliProcess';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider, type Reply } from '../fakeProvider/fakeProvider';
import { must } from '../helpers/must';

const TOKEN = 'kb-usage-test-token-0001';
const ADMIN = 'kb-usage-test-admin-0001';
const env = {
  USAGE_OA_KEY: 'test-key-usage-oa-1',
  USAGE_OA_KEY2: 'test-key-usage-oa-2',
  USAGE_AN_KEY: 'test-key-usage-an-1',
  KEYBRIDGE_TOKEN: TOKEN,
  KEYBRIDGE_ADMIN_TOKEN: ADMIN,
};
/** Words of the prompts and answers: none may reach the usage file. */
const PROMPT = 'zebra-prompt-words';
const ANSWER = 'okapi-answer-words';

type Run = CliRun;
const run = (args: string[]): Run => runCli(args, env);

async function waitForUrl(r: Run): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const match = /^(http:\/\/127\.0\.0\.1:\d+)$/m.exec(r.stdout());
    if (match && /usage (not )?recorded/.test(r.stdout())) return match[1];
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no URL printed; stdout: ${r.stdout()} stderr: ${r.stderr()}`);
}

describe('keybridge usage', function () {
  // Several CLI processes one after another: each Node start takes a second or more on a loaded machine.
  this.timeout(90_000);
  let provider: FakeProvider;
  let dir: string;
  const running: Run[] = [];
  before(async () => {
    provider = await startFakeProvider({ streamEvents: 3 });
    dir = mkdtempSync(join(tmpdir(), 'keybridge-usage-cli-'));
  });
  after(async () => {
    for (const r of running) r.child.kill('SIGKILL');
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (extra: Record<string, unknown>): string => {
    const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        port: 0,
        pools: [
          { id: 'oa', protocol: 'openai', baseUrl: provider.openaiBaseUrl, keys: [{ id: 'oa1', env: 'USAGE_OA_KEY' }] },
          { id: 'an', protocol: 'anthropic', baseUrl: provider.anthropicBaseUrl, keys: [{ id: 'an1', env: 'USAGE_AN_KEY' }] },
        ],
        // Anthropic clients asking for a gpt-* model are served by the OpenAI pool, translated both ways.
        routes: [{ protocol: 'anthropic', match: 'gpt-*', targets: [{ pool: 'oa' }] }],
        ...extra,
      }),
    );
    return path;
  };

  const serve = async (configFile: string): Promise<{ r: Run; url: string }> => {
    const r = run(['serve', '--config', configFile]);
    running.push(r);
    return { r, url: await waitForUrl(r) };
  };

  const stop = async (r: Run): Promise<void> => {
    r.child.kill('SIGTERM');
    assert.equal(await r.exited, 0, r.stderr());
  };

  const post = async (url: string, path: string, body: unknown, userAgent: string): Promise<string> => {
    const anthropic = path.startsWith('/anthropic');
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...(anthropic ? { 'x-api-key': TOKEN } : { authorization: `Bearer ${TOKEN}` }), 'content-type': 'application/json', 'user-agent': userAgent },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return text;
  };

  it('records the tokens the provider reported, every protocol and a translated route, and reports them after a restart', async () => {
    const usageFile = join(dir, 'usage.jsonl');
    const configFile = config({ usageFile });
    // Each request gets its own token counts, so a mix-up between them shows; OpenAI's prompt count includes its cached tokens.
    const plans: Record<string, { input: number; output: number; cacheRead?: number; cacheWrite?: number }> = {
      'gpt-chat': { input: 1000, output: 11, cacheRead: 400 },
      'gpt-chat-stream': { input: 2000, output: 22, cacheRead: 800 },
      'gpt-resp-stream': { input: 3000, output: 33, cacheRead: 100 },
      'claude-msg': { input: 40, output: 44, cacheRead: 4000, cacheWrite: 400 },
      'claude-msg-stream': { input: 50, output: 55, cacheRead: 5000, cacheWrite: 500 },
      'gpt-translated': { input: 600, output: 66, cacheRead: 60 },
      'gpt-translated-stream': { input: 700, output: 77 },
    };
    provider.setResponder((req) => {
      const usage = new Map(Object.entries(plans)).get(req.model ?? '');
      return usage ? { usage, text: `${ANSWER} for ${req.model}` } : undefined;
    });
    const { r, url } = await serve(configFile);
    const messages = [{ role: 'user', content: PROMPT }];
    await post(url, '/openai/v1/chat/completions', { model: 'gpt-chat', messages }, 'OpenAI/JS 5.0.0');
    await post(
      url,
      '/openai/v1/chat/completions',
      { model: 'gpt-chat-stream', messages, stream: true, stream_options: { include_usage: true } },
      'OpenAI/JS 5.0.0',
    );
    await post(url, '/openai/v1/responses', { model: 'gpt-resp-stream', input: PROMPT, stream: true }, 'codex_cli_rs/0.46.0');
    await post(url, '/anthropic/v1/messages', { model: 'claude-msg', max_tokens: 64, messages }, 'claude-cli/2.0.0 (external, cli)');
    await post(url, '/anthropic/v1/messages', { model: 'claude-msg-stream', max_tokens: 64, messages, stream: true }, 'claude-cli/2.0.0 (external, cli)');
    const translated = await post(url, '/anthropic/v1/messages', { model: 'gpt-translated', max_tokens: 64, messages }, 'Anthropic/JS 0.60.0');
    assert.match(translated, /"type":"message"/, 'the OpenAI answer went back to the client as an Anthropic message');
    await post(url, '/anthropic/v1/messages', { model: 'gpt-translated-stream', max_tokens: 64, messages, stream: true }, 'Anthropic/JS 0.60.0');
    await stop(r);

    // A second run of the bridge adds to the same file.
    const second = await serve(configFile);
    await post(second.url, '/openai/v1/chat/completions', { model: 'gpt-chat', messages }, 'OpenAI/JS 5.0.0');
    await stop(second.r);

    const text = readFileSync(usageFile, 'utf8');
    assert.ok(!text.includes(PROMPT) && !text.includes(ANSWER), 'no prompt or answer text in the usage file');
    for (const secret of Object.values(env)) assert.ok(!text.includes(secret), 'no key or token in the usage file');

    const report = run(['usage', '--config', configFile, '--json']);
    assert.equal(await report.exited, 0, report.stderr());
    const json = JSON.parse(report.stdout()) as {
      totals: Record<string, number | null>;
      breakdowns: Record<
        string,
        { name: string; requests: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number }[]
      >;
    };
    // What each answer reported, in disjoint categories: OpenAI's cached tokens come out of its prompt count.
    const billed = Object.entries(plans).map(([model, u]) => {
      const openai = model.startsWith('gpt');
      return { model, input: openai ? u.input - (u.cacheRead ?? 0) : u.input, output: u.output, cacheRead: u.cacheRead ?? 0, cacheWrite: u.cacheWrite ?? 0 };
    });
    billed.push(billed[0]); // gpt-chat again, after the restart
    const sum = (field: 'input' | 'output' | 'cacheRead' | 'cacheWrite'): number => billed.reduce((n, b) => n + b[field], 0);
    assert.deepEqual(json.totals, {
      requests: 8,
      errors: 0,
      failovers: 0,
      inputTokens: sum('input'),
      outputTokens: sum('output'),
      cacheReadTokens: sum('cacheRead'),
      cacheWriteTokens: sum('cacheWrite'),
      meanLatencyMs: json.totals.meanLatencyMs,
      // Made-up model names have no price: no cost, and every token counted as unpriced.
      costUsd: null,
      unpricedTokens: sum('input') + sum('output') + sum('cacheRead') + sum('cacheWrite'),
    });
    for (const b of billed) {
      const line = json.breakdowns.model.find((l) => l.name === b.model);
      assert.ok(line, `a line for ${b.model}`);
      const times = b.model === 'gpt-chat' ? 2 : 1;
      assert.deepEqual(
        [line.inputTokens, line.outputTokens, line.cacheReadTokens, line.cacheWriteTokens],
        [b.input * times, b.output * times, b.cacheRead * times, b.cacheWrite * times],
        b.model,
      );
    }
    assert.deepEqual(Object.fromEntries(json.breakdowns.agent.map((l) => [l.name, l.requests])), {
      'openai-sdk': 3,
      codex: 1,
      'claude-code': 2,
      'anthropic-sdk': 2,
    });
    assert.deepEqual(Object.fromEntries(json.breakdowns.pool.map((l) => [l.name, l.requests])), { oa: 6, an: 2 });

    const table = run(['usage', '--config', configFile, '--by', 'model', '--since', '1d']);
    assert.equal(await table.exited, 0, table.stderr());
    assert.match(table.stdout(), /total: 8 request\(s\)/);
    assert.match(table.stdout(), /by model\s+requests\s+failed/);
    assert.match(table.stdout(), /^gpt-chat\s+2\s+0\s+0\s+1,200\s+22\s+800\s+0/m);
    assert.match(
      table.stdout(),
      /cost \(estimate\): unknown — no price known for the models used; 1\d,\d{3} token\(s\) of models without a known price left out/,
    );

    const perHour = run(['usage', '--config', configFile, '--since', '24h', '--series', 'hour']);
    assert.equal(await perHour.exited, 0, perHour.stderr());
    assert.match(perHour.stdout(), /^per hour \(UTC\)\s+requests\s+failed\s+failovers\s+tokens/m);
    assert.match(perHour.stdout(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s+[1-8]\s/m);
    const seriesJson = run(['usage', '--config', configFile, '--since', '24h', '--series', 'hour', '--json']);
    assert.equal(await seriesJson.exited, 0, seriesJson.stderr());
    const series = (
      JSON.parse(seriesJson.stdout()) as {
        series: { grain: string; at: number[]; total: { requests: number[] }; by: Record<string, { name: string; requests: number[] }[]> };
      }
    ).series;
    assert.equal(series.grain, 'hour');
    assert.equal(series.at.length, 25);
    assert.equal(
      series.total.requests.reduce((a, b) => a + b, 0),
      8,
    );
    assert.deepEqual(Object.fromEntries(series.by.pool.map((l) => [l.name, l.requests.reduce((a, b) => a + b, 0)])), { oa: 6, an: 2 });

    const bad = run(['usage', '--config', configFile, '--since', 'forever']);
    assert.equal(await bad.exited, 2);
    assert.match(bad.stderr(), /--since must be a count and a unit/);
  });

  it("estimates the cost of known models from the bundled prices and of others from the pool's own, and says what it could not price", async () => {
    const usageFile = join(dir, 'priced.jsonl');
    const configFile = config({ usageFile });
    const withPrices = JSON.parse(readFileSync(configFile, 'utf8')) as { pools: Record<string, unknown>[] };
    withPrices.pools[0].prices = { 'house-*': { input: 2, output: 4 } };
    writeFileSync(configFile, JSON.stringify(withPrices));
    const plans: Record<string, { input: number; output: number; cacheRead?: number }> = {
      // OpenAI's prompt count includes the cached tokens: 800k uncached at $0.40, 200k cached at $0.10, 100k out at $1.60.
      'gpt-4.1-mini': { input: 1_000_000, output: 100_000, cacheRead: 200_000 },
      'house-model': { input: 1_000_000, output: 1_000_000 },
      'mystery-model': { input: 10, output: 5 },
    };
    provider.setResponder((req) => {
      const usage = new Map(Object.entries(plans)).get(req.model ?? '');
      return usage ? { usage } : undefined;
    });
    const { r, url } = await serve(configFile);
    for (const model of Object.keys(plans))
      await post(url, '/openai/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, 'OpenAI/JS 5.0.0');
    await stop(r);

    const report = run(['usage', '--config', configFile, '--json', '--by', 'model']);
    assert.equal(await report.exited, 0, report.stderr());
    const json = JSON.parse(report.stdout()) as {
      totals: { costUsd: number | null; unpricedTokens: number };
      breakdowns: { model: { name: string; costUsd: number | null }[] };
    };
    assert.equal(json.totals.costUsd, 0.5 + 6);
    assert.equal(json.totals.unpricedTokens, 15);
    assert.deepEqual(Object.fromEntries(json.breakdowns.model.map((l) => [l.name, l.costUsd])), {
      'gpt-4.1-mini': 0.5,
      'house-model': 6,
      'mystery-model': null,
    });

    const table = run(['usage', '--config', configFile, '--by', 'model']);
    assert.equal(await table.exited, 0, table.stderr());
    assert.match(table.stdout(), /cost \(estimate\): \$6\.50; 15 token\(s\) of models without a known price left out/);
    assert.match(table.stdout(), /by model .*cost \(est\.\)/);
    assert.match(table.stdout(), /^mystery-model\s.*\s-$/m);
  });

  it('keeps a daily cap across a restart: the counts start from the usage store, and the status says why the key rests', async () => {
    const usageFile = join(dir, 'capped.jsonl');
    const configFile = config({ usageFile });
    const capped = JSON.parse(readFileSync(configFile, 'utf8')) as { pools: Record<string, unknown>[] };
    capped.pools[0].keys = [
      { id: 'oa1', env: 'USAGE_OA_KEY' },
      { id: 'oa2', env: 'USAGE_OA_KEY2' },
    ];
    capped.pools[0].caps = [{ per: 'key', period: 'day', requests: 2 }];
    writeFileSync(configFile, JSON.stringify(capped));
    provider.setResponder(() => ({ usage: { input: 3, output: 3 } }));
    const seen = provider.ledger.length;
    const ask = (url: string) => post(url, '/openai/v1/chat/completions', { model: 'gpt-capped', messages: [{ role: 'user', content: 'hi' }] }, 'curl/8.5.0');
    const first = await serve(configFile);
    await ask(first.url);
    await stop(first.r);
    // The second run has counted one request of today from the file: one more, then the next key.
    const second = await serve(configFile);
    await ask(second.url);
    const deadline = Date.now() + 10_000;
    let key: { state: string; reason?: string } | undefined;
    while (Date.now() < deadline) {
      const res = await fetch(`${second.url}/_keybridge/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const status = (await res.json()) as { pools: { id: string; keys: { state: string; reason?: string }[] }[] };
      key = must(status.pools.find((p) => p.id === 'oa')).keys[0];
      if (key.state !== 'ready') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(must(key, 'the key').state, 'cooling');
    assert.equal(key?.reason, 'daily cap of 2 requests reached; resets 00:00 UTC');
    await ask(second.url);
    await stop(second.r);
    assert.deepEqual(
      provider.ledger.slice(seen).map((e) => e.key),
      ['test-key-usage-oa-1', 'test-key-usage-oa-1', 'test-key-usage-oa-2'],
    );
  });

  it('sets a damaged usage file aside and goes on serving and recording', async () => {
    const stateFile = join(dir, 'damaged', 'state.json');
    const usageFile = join(dir, 'damaged', 'state.usage.jsonl');
    const configFile = config({ stateFile });
    provider.setResponder(() => ({ usage: { input: 9, output: 9 } }));
    // The file sits beside the state file by default.
    const first = await serve(configFile);
    await post(first.url, '/openai/v1/chat/completions', { model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] }, 'curl/8.5.0');
    await stop(first.r);
    writeFileSync(usageFile, `${readFileSync(usageFile, 'utf8')}{"kind": "request", "at": "not a time"}\n\u0000\u0001garbage\n`);

    const { r, url } = await serve(configFile);
    assert.match(r.stderr(), /usage: .*state\.usage\.jsonl had 2 damaged line\(s\); set aside as .*state\.usage\.jsonl\.damaged-/);
    await post(url, '/openai/v1/chat/completions', { model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] }, 'curl/8.5.0');
    await stop(r);
    assert.equal(readdirSync(join(dir, 'damaged')).filter((n) => n.includes('.damaged-')).length, 1);
    const report = run(['usage', '--config', configFile, '--json', '--by', 'agent']);
    assert.equal(await report.exited, 0, report.stderr());
    const json = JSON.parse(report.stdout()) as { totals: { requests: number; inputTokens: number }; breakdowns: { agent: { name: string }[] } };
    assert.equal(json.totals.requests, 2, 'the good record was kept and the new one added');
    assert.equal(json.totals.inputTokens, 18);
    assert.deepEqual(
      json.breakdowns.agent.map((l) => l.name),
      ['curl'],
    );
    // A last line without its newline is the bridge's append in progress: left out, and not called damage.
    writeFileSync(usageFile, `${readFileSync(usageFile, 'utf8')}{"kind":"request","at":17`);
    const during = run(['usage', '--config', configFile, '--json']);
    assert.equal(await during.exited, 0, during.stderr());
    assert.equal((JSON.parse(during.stdout()) as { totals: { requests: number } }).totals.requests, 2);
    assert.doesNotMatch(during.stderr(), /damaged/);
  });

  it('shows the remaining quota per key in the status API, and reports usage there only with the admin token', async () => {
    const resetAt = new Date(Date.now() + 90_000).toISOString().replace(/\.\d+Z$/, 'Z');
    provider.setResponder((req): Reply =>
      req.protocol === 'openai'
        ? {
            headers: {
              'x-ratelimit-limit-requests': '500',
              'x-ratelimit-remaining-requests': '499',
              'x-ratelimit-reset-requests': '120ms',
              'x-ratelimit-limit-tokens': '30000',
              'x-ratelimit-remaining-tokens': '29000',
              'x-ratelimit-reset-tokens': '6m0s',
            },
          }
        : {
            headers: {
              'anthropic-ratelimit-requests-limit': '50',
              'anthropic-ratelimit-requests-remaining': '49',
              'anthropic-ratelimit-requests-reset': resetAt,
              'anthropic-ratelimit-input-tokens-limit': '40000',
              'anthropic-ratelimit-input-tokens-remaining': '39000',
              'anthropic-ratelimit-input-tokens-reset': resetAt,
            },
          },
    );
    const { r, url } = await serve(config({ usageFile: join(dir, 'quota.usage.jsonl') }));
    const before = Date.now();
    await post(url, '/openai/v1/chat/completions', { model: 'gpt-q', messages: [{ role: 'user', content: 'hi' }] }, 'OpenAI/JS 5.0.0');
    await post(url, '/anthropic/v1/messages', { model: 'claude-q', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }, 'Anthropic/JS 0.60.0');
    const status = (await (await fetch(`${url}/_keybridge/status`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
      pools: {
        id: string;
        keys: {
          quota?: {
            model: string;
            seenAt: number;
            requests?: { limit?: number; remaining?: number; resetAt?: number };
            tokens?: { remaining?: number; resetAt?: number };
            inputTokens?: { remaining?: number; resetAt?: number };
          }[];
        }[];
      }[];
    };
    const oa = status.pools.find((p) => p.id === 'oa')?.keys[0].quota?.[0];
    assert.ok(oa, JSON.stringify(status.pools));
    assert.equal(oa.model, 'gpt-q');
    assert.deepEqual([oa.requests?.limit, oa.requests?.remaining, oa.tokens?.remaining], [500, 499, 29000]);
    assert.ok(oa.tokens?.resetAt && oa.tokens.resetAt >= before + 360_000 && oa.tokens.resetAt <= Date.now() + 360_000, 'a Go duration reset becomes a time');
    const an = status.pools.find((p) => p.id === 'an')?.keys[0].quota?.[0];
    assert.ok(an);
    assert.equal(an.model, 'claude-q');
    assert.deepEqual([an.requests?.remaining, an.inputTokens?.remaining, an.inputTokens?.resetAt], [49, 39000, Date.parse(resetAt)]);

    const anonymous = await fetch(`${url}/_keybridge/usage`);
    assert.equal(anonymous.status, 401);
    const withClientToken = await fetch(`${url}/_keybridge/usage`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(withClientToken.status, 401, 'the agents’ token is not the admin token');
    const usage = await fetch(`${url}/_keybridge/usage?since=1h&by=pool`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(usage.status, 200);
    const report = (await usage.json()) as { totals: { requests: number; costUsd: null }; breakdowns: Record<string, { name: string }[]> };
    assert.equal(report.totals.requests, 2, 'the records not yet written are reported too');
    assert.equal(report.totals.costUsd, null);
    assert.deepEqual(Object.keys(report.breakdowns), ['pool']);
    const perDay = (await (await fetch(`${url}/_keybridge/usage?since=7d&by=model&series=day`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
      series: { grain: string; at: number[]; by: { model: { name: string }[] } };
    };
    assert.equal(perDay.series.grain, 'day');
    assert.deepEqual(perDay.series.by.model.map((l) => l.name).sort(), ['claude-q', 'gpt-q']);
    const badSeries = await fetch(`${url}/_keybridge/usage?series=minute`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(badSeries.status, 400);
    const bad = await fetch(`${url}/_keybridge/usage?by=colour`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /by must be one of key, model, pool, agent, protocol, day/);
    await stop(r);
  });
});
