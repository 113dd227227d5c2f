// Guards the first run without keys: `keybridge demo` (and `keybridge start` with no config) runs the real bridge
// over the built-in simulated provider, prints the agent setup in export form that the real SDKs work with at
// once, and shows rotation, a revoked key, a cooldown and a cross-protocol failover live, then ends by itself.
import assert from 'node:assert/strict';
import { runCli, type CliRun } from './cliProcess';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

type Run = CliRun;
const run = runCli;

async function until(what: string, r: Run, test: (out: string) => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test(r.stdout())) {
    if (Date.now() > deadline) throw new Error(`${what} not printed in ${ms} ms; stdout:\n${r.stdout()}\nstderr:\n${r.stderr()}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** The `export NAME=value` lines the demo printed. */
function exported(out: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [, name, value] of out.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)) vars[name] = value;
  return vars;
}

describe('keybridge demo', function () {
  this.timeout(60_000);
  const running: Run[] = [];
  afterEach(() => {
    for (const r of running.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  });

  it('serves the SDKs from its printed exports and shows rotation, a revoked key, a cooldown and a failover', async () => {
    const demo = run(['demo', '--duration', '18', '--port', '0']);
    running.push(demo);
    await until('the exports', demo, (out) => /^export KEYBRIDGE_TOKEN=/m.test(out));
    const env = exported(demo.stdout());
    assert.match(env.OPENAI_BASE_URL, /^http:\/\/127\.0\.0\.1:\d+\/openai\/v1$/);
    assert.match(env.ANTHROPIC_BASE_URL, /^http:\/\/127\.0\.0\.1:\d+\/anthropic$/);
    assert.equal(env.OPENAI_API_KEY, env.ANTHROPIC_AUTH_TOKEN);

    const openai = new OpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, maxRetries: 0, timeout: 15_000 });
    const chat = await openai.chat.completions.create({ model: 'sim-gpt', messages: [{ role: 'user', content: 'hi' }] });
    assert.match(chat.choices[0].message.content ?? '', /^Simulated answer \d+ from account alpha, key alpha-[13]\. It reached you through KeyBridge\.$/);
    const response = await openai.responses.create({ model: 'sim-gpt', input: 'hi', stream: true });
    let text = '';
    for await (const event of response) if (event.type === 'response.output_text.delta') text += event.delta;
    assert.match(text, /^Simulated answer \d+ from account alpha/);

    const anthropic = new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, authToken: env.ANTHROPIC_AUTH_TOKEN, apiKey: null, maxRetries: 0, timeout: 15_000 });
    const message = await anthropic.messages.stream({ model: 'claude-sim-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    assert.equal(message.content[0].type, 'text');
    assert.match((message.content[0] as Anthropic.TextBlock).text, /^Simulated answer \d+ from account (alpha|beta)/);

    assert.equal(await demo.exited, 0, demo.stderr());
    const out = demo.stdout();
    assert.match(out, /key demo-alpha\/alpha-2: ready → invalid \(HTTP 401 invalid_api_key\)/, 'the revoked key is found and marked');
    assert.match(out, /key demo-alpha\/alpha-1: ready → cooling for sim-gpt, back in \d+ s \(HTTP 429 rate_limit_exceeded\)/, 'the limited key cools');
    assert.match(
      out,
      /200 ok +anthropic claude-sim-sonnet.* by demo-alpha\/alpha-3, failed over from demo-beta after \d+ attempts/,
      'the overloaded account fails over across protocols',
    );
    const totals = /keybridge demo: (\d+) request\(s\), (\d+) served, (\d+) failed\. Stopped\./.exec(out);
    assert.ok(totals, out);
    assert.ok(Number(totals[1]) >= 8, `at least 8 requests in 18 s: ${totals[0]}`);
    assert.equal(totals[3], '0', 'every request was served, through every fault');
    // The simulated keys are made for this run and still never printed.
    assert.doesNotMatch(out + demo.stderr(), /sim-(alpha|beta)-\d-[0-9a-f]{24}/);
  });

  it('is what `keybridge start` runs without a config, and serves one when KEYBRIDGE_CONFIG names it', async () => {
    const demo = run(['start', '--duration', '1', '--no-traffic', '--port', '0']);
    running.push(demo);
    assert.equal(await demo.exited, 0, demo.stderr());
    assert.match(demo.stdout(), /keybridge demo: the bridge over a simulated provider/);
    assert.match(demo.stdout(), /keybridge demo: 0 request\(s\), 0 served, 0 failed\. Stopped\./);

    const dir = mkdtempSync(join(tmpdir(), 'keybridge-start-'));
    try {
      const file = join(dir, 'keybridge.json');
      writeFileSync(
        file,
        JSON.stringify({ pools: [{ id: 'p', protocol: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keys: [{ id: 'k', env: 'KB_START_KEY' }] }] }),
      );
      const serve = run(['start', '--port', '0'], { KEYBRIDGE_CONFIG: file, KB_START_KEY: 'test-key-start-1', KEYBRIDGE_TOKEN: 'kb-start-test-token-1234' });
      running.push(serve);
      await until('the serve banner', serve, (out) => /keybridge: 1 pool\(s\), 1 key\(s\)/.test(out));
      assert.doesNotMatch(serve.stdout(), /simulated/);
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exited, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses the demo-only options on serve, with exit code 2', async () => {
    const r = run(['serve', '--config', 'x.json', '--duration', '3']);
    assert.equal(await r.exited, 2);
    assert.match(r.stderr(), /--duration and --no-traffic are options of "demo"/);
  });
});
