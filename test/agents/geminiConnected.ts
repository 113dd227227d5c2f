import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connectFile, disconnectFile } from '../../src/core/agents/agentFiles';
import type { FileTargetId } from '../../src/core/agents/agentList';
import type { LedgerEntry } from '../fakeProvider/fakeProvider';
import { bridgeUrls, check, KEY_IDS, maskToken, quote, withFreshBridge } from './agentCases';
import { geminiPool, parseOutput, POOL, turns, withStrict, type GeminiCase } from './geminiCli';
import { runAgent } from './processes';

/**
 * Gemini CLI started with nothing but what Connect Agents wrote: a HOME holding only the user's own
 * settings.json after the core writer (the one the extension calls) added the API-key sign-in to it, and
 * ~/.gemini/.env with the bridge's URL and token; neither GEMINI_API_KEY nor GOOGLE_GEMINI_BASE_URL in its
 * environment. It answers through the Gemini pool, then, every Gemini key rate-limited, through the route's
 * fallback to the strict fake's Anthropic pool; the fake's ledger says which pool took each request.
 */

/** A user's own Gemini CLI settings: usage statistics, telemetry and update checks off, as the other cases run it. */
const USER_SETTINGS = `${JSON.stringify({ general: { enableAutoUpdate: false, enableAutoUpdateNotification: false }, privacy: { usageStatisticsEnabled: false }, telemetry: { enabled: false } }, null, 2)}\n`;
const TARGETS: readonly FileTargetId[] = ['gemini-env', 'gemini-settings'];
const FALLBACK_MODEL = 'kb-connected-fallback';
const MODEL = 'gemini-2.5-pro';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const connected: GeminiCase = {
  id: 'connected',
  title: 'started with only what Connect Agents wrote: the Gemini pool, then its keys rate-limited, the Anthropic fallback',
  run(ctx) {
    const routes = [{ protocol: 'gemini', match: '*', targets: [{ pool: POOL }, { pool: 'an', model: FALLBACK_MODEL }] }];
    return withFreshBridge(
      { ...ctx, agent: { id: 'gemini-cli' } },
      'connected',
      routes,
      ({ dirs, bridge, saw, checks }) =>
        withStrict(ctx.fake, async () => {
          mkdirSync(join(dirs.home, '.gemini'));
          writeFileSync(join(dirs.home, '.gemini', 'settings.json'), USER_SETTINGS);
          const connectCtx = { baseUrls: bridgeUrls(bridge), token: ctx.token, home: dirs.home };
          const written = TARGETS.map((id) => ({ id, ...connectFile(id, connectCtx) }));
          for (const w of written)
            saw.push(`Connect Agents wrote ${relative(dirs.home, w.record.path)}: ${quote(maskToken(w.lines.join(' | '), ctx.token), 300)}`);
          const home = filesUnder(dirs.home);
          check(
            checks,
            JSON.stringify(home) === JSON.stringify(['.gemini/.env', '.gemini/settings.json']),
            `HOME holds only the files Connect wrote (${home.join(', ')})`,
          );

          const tmp = join(dirs.root, 'tmp');
          mkdirSync(tmp);
          // No variable of Gemini CLI's sign-in: only its folder trust (headless runs need it, and it reads
          // ~/.gemini/.env only in a trusted folder) and a temp folder of this run's for its error reports.
          const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: dirs.home,
            LANG: 'C.UTF-8',
            TERM: 'dumb',
            NO_COLOR: '1',
            NO_PROXY: '127.0.0.1,localhost',
            no_proxy: '127.0.0.1,localhost',
            TMPDIR: tmp,
            GEMINI_CLI_TRUST_WORKSPACE: 'true',
          };
          check(
            checks,
            !Object.keys(env).some((k) => /GEMINI_API_KEY|GOOGLE_GEMINI_BASE_URL|GOOGLE_API_KEY/.test(k)),
            `the process environment names neither GEMINI_API_KEY nor GOOGLE_GEMINI_BASE_URL (${Object.keys(env).join(', ')})`,
          );
          const run = async (label: string, answer: string) => {
            ctx.fake.setResponder(() => ({ text: answer }));
            const result = await runAgent({
              command: process.execPath,
              args: [ctx.script, '-p', 'Reply with the single word pong.', '-m', MODEL, '--output-format', 'json'],
              cwd: dirs.work,
              env,
              timeoutMs: ctx.agentTimeoutMs,
            });
            const output = parseOutput(result.stdout) ?? parseOutput(result.stderr);
            const text = typeof output?.response === 'string' ? output.response : '';
            const how = result.timedOut ? 'KILLED at the time limit' : `exit ${result.code ?? result.signal}`;
            saw.push(`${label}: gemini ${how} after ${(result.ms / 1000).toFixed(1)} s; final answer ${quote(text)}`);
            if (result.code !== 0) saw.push(`stderr ${quote(maskToken(result.stderr, ctx.token), 400)}`);
            check(checks, !result.timedOut && result.code === 0 && !output?.error, `${label}: Gemini CLI finished on its own with exit 0 and no error`);
            check(checks, text.includes(answer), `${label}: Gemini CLI printed the provider's answer ${quote(answer)}`);
          };
          const pool = (e: LedgerEntry): string => {
            for (const id of KEY_IDS) if (e.key === ctx.geminiSecrets[id]) return `${POOL}/${id}`;
            for (const id of KEY_IDS) if (e.key === ctx.secrets.anthropic[id]) return `an/${id}`;
            return e.key === ctx.token ? 'LOCAL-TOKEN' : 'other';
          };
          const ledger = (entries: LedgerEntry[]) => entries.map((e) => `${e.protocol} ${e.path} key=${pool(e)} → ${e.status ?? '-'}`);

          ctx.fake.reset();
          await run('turn on the Gemini pool', `pong KB-CONNECTED-${randomBytes(4).toString('hex')}`);
          const first = turns(ctx.fake);
          saw.push(...ledger(first).map((l) => `provider ${l}`));
          check(
            checks,
            first.length >= 1 && first.every((e) => e.protocol === 'gemini' && pool(e).startsWith(`${POOL}/`) && e.status === 200),
            `every model request went to the Gemini pool and the strict fake took it (${first.map(pool).join(', ')})`,
          );

          ctx.fake.reset();
          for (const id of KEY_IDS) ctx.fake.always(ctx.geminiSecrets[id], { kind: 'rateLimit', retryDelayS: 60 });
          await run('every Gemini key rate-limited', `pong KB-FALLBACK-${randomBytes(4).toString('hex')}`);
          const second = turns(ctx.fake);
          saw.push(...ledger(second).map((l) => `provider ${l}`));
          for (const e of second) if (e.refusal) saw.push(`refused ${e.status}: ${quote(e.refusal, 400)}`);
          const limited = second.filter((e) => e.protocol === 'gemini');
          const fallback = second.filter((e) => e.protocol !== 'gemini');
          check(checks, limited.length >= 1 && limited.every((e) => e.status === 429), `the Gemini pool's keys answered 429 (${limited.map(pool).join(', ')})`);
          check(
            checks,
            fallback.length >= 1 &&
              fallback.every((e) => e.protocol === 'anthropic' && pool(e).startsWith('an/') && e.model === FALLBACK_MODEL && e.status === 200),
            `the answer came from the Anthropic pool, translated, every request taken by the strict fake (${fallback.map((e) => `${pool(e)} ${e.status ?? '-'}`).join(', ')})`,
          );
          const all = [...first, ...second];
          check(
            checks,
            !all.some((e) => JSON.stringify(e.headers).includes(ctx.token) || e.path.includes(ctx.token)),
            'the local token never reached the provider',
          );
          const clientSaw = bridge.requests().filter((r) => r.method === 'POST');
          check(
            checks,
            clientSaw.length >= 2 && clientSaw.every((r) => r.status === 200),
            `Gemini CLI got 200 on every turn (${clientSaw.map((r) => r.status).join(', ')})`,
          );

          for (const w of [...written].reverse()) saw.push(`Disconnect: ${relative(dirs.home, w.record.path)} ${disconnectFile(w.record, w.previous)}`);
          // Gemini CLI keeps its own history and chats in ~/.gemini: those stay, as they would for the user.
          const settings = readFileSync(join(dirs.home, '.gemini', 'settings.json'), 'utf8');
          check(
            checks,
            settings === USER_SETTINGS,
            `Disconnect gave back the user's settings.json byte for byte${settings === USER_SETTINGS ? '' : ` (now ${quote(settings, 300)})`}`,
          );
          check(checks, !existsSync(join(dirs.home, '.gemini', '.env')), 'Disconnect removed the .env it created');
        }),
      geminiPool(ctx),
    );
  },
};

export const GEMINI_CONNECT_CASES: readonly GeminiCase[] = [connected];
