import { randomBytes } from 'node:crypto';
import { agentSetup } from '../core/agentSetup';
import { Bridge } from '../core/bridge';
import { systemClock } from '../core/clock';
import { demoScenario, DEMO_MODELS } from '../core/demo/demoScenario';
import { driveDemoTraffic } from '../core/demo/demoTraffic';
import { startSimulatedProvider } from '../core/demo/simulatedProvider';
import type { Logger } from '../core/logger';
import { keyMove } from '../core/logLine';
import { redactSecrets } from '../core/secrets';
import type { KeyChangeEvent, RequestSummary } from '../core/status';

/** The bridge's usual port (README, Base URLs). */
const DEFAULT_PORT = 17381;

export interface DemoOptions {
  /** 127.0.0.1 port of the bridge; 0 = any free port; unset: the usual 17381, or any free port when it is taken. */
  port: number | undefined;
  /** Ends the demo after this many seconds; unset: until Ctrl-C. */
  durationS?: number;
  /** The demo's own client sends a request every `intervalMs` (0: none, only yours). */
  intervalMs: number;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/**
 * `keybridge demo`: the real bridge over the built-in simulated provider, so the main job can be seen with no
 * key at hand. Prints the agent setup in export form, then one line per request and per key change while its
 * own client (and any agent pointed at it) sends requests.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { out } = options;
  const scenario = demoScenario();
  const provider = await startSimulatedProvider(scenario.accounts, systemClock);
  const config = scenario.config(provider);
  const secrets = config.pools.flatMap((p) => p.keys.map((k) => k.secret));
  const token = `kb-demo-${randomBytes(18).toString('base64url')}`;
  const logger = quietLogger(options.err, [...secrets, token]);
  let bridge = new Bridge({ config, port: options.port ?? DEFAULT_PORT, token, logger });
  try {
    await bridge.start().catch(async (error: unknown) => {
      // A KeyBridge in VS Code (or a `keybridge serve`) likely holds the usual port: the demo takes any other.
      if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      await bridge.dispose(0);
      bridge = new Bridge({ config, port: 0, token, logger });
      await bridge.start();
    });
  } catch (error) {
    await bridge.dispose(0);
    await provider.close();
    const code = (error as NodeJS.ErrnoException).code;
    options.err.write(
      `keybridge demo: cannot listen on 127.0.0.1:${options.port ?? DEFAULT_PORT}: ${code === 'EADDRINUSE' ? 'the port is in use (try --port 0)' : (error as Error).message}\n`,
    );
    return 1;
  }
  const labels = keyLabels(bridge);
  const firstPools = firstPoolByModel(bridge);
  bridge.onRequest.on((summary) => out.write(`${clockTime()}  ${requestLine(summary, labels, firstPools)}\n`));
  bridge.onKeyChange.on((event) => out.write(`${clockTime()}  ${keyChangeLine(event)}\n`));

  out.write(introduction(bridge, token, scenario.story));
  const stop = new AbortController();
  const ended = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = options.durationS === undefined ? undefined : setTimeout(onSignal, options.durationS * 1000);
  const traffic = options.intervalMs > 0 ? driveDemoTraffic(bridge.baseUrls, token, options.intervalMs, stop.signal) : Promise.resolve();
  await ended;
  clearTimeout(timer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  await traffic;
  const totals = bridge.status().totals;
  await bridge.dispose(2_000);
  await provider.close();
  out.write(`\nkeybridge demo: ${totals.requests} request(s), ${totals.succeeded} served, ${totals.failed} failed. Stopped.\n`);
  return 0;
}

function introduction(bridge: Bridge, token: string, story: string[]): string {
  const setup = agentSetup('shell', { baseUrls: bridge.baseUrls, token }).text;
  return [
    bridge.url,
    'keybridge demo: the bridge over a simulated provider (nothing leaves this machine; no real key is used).',
    ...story.map((line) => `  ${line}`),
    '',
    'Point agents at it from another terminal:',
    setup,
    '',
    `  curl -s ${bridge.baseUrls.openai}/chat/completions -H "Authorization: Bearer $OPENAI_API_KEY" -H 'content-type: application/json' \\`,
    `    -d '{"model":"${DEMO_MODELS.openai}","messages":[{"role":"user","content":"hi"}]}'`,
    `  claude -p hi --model ${DEMO_MODELS.anthropic}        codex exec -m ${DEMO_MODELS.openai} hi`,
    '',
    'Ctrl-C ends it.',
    '',
    '',
  ].join('\n');
}

/** Key labels by fingerprint: a request summary names its key masked, the demo prints its label too. */
function keyLabels(bridge: Bridge): Map<string, string> {
  const labels = new Map<string, string>();
  for (const pool of bridge.status().pools) for (const key of pool.keys) labels.set(key.fingerprint, key.label);
  return labels;
}

/** The pool each of the demo's models is sent to first, to tell a failover when another pool served it. */
function firstPoolByModel(bridge: Bridge): (summary: RequestSummary) => string | undefined {
  const routes = bridge.status().routes ?? [];
  return (summary) => {
    const route = routes.find(
      (r) =>
        r.protocol === summary.protocol &&
        (r.implicit || new RegExp(`^${r.match.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(summary.model ?? '')),
    );
    return route?.targets[0]?.pool;
  };
}

function requestLine(summary: RequestSummary, labels: Map<string, string>, firstPool: (summary: RequestSummary) => string | undefined): string {
  const key = summary.fingerprint ? (labels.get(summary.fingerprint) ?? summary.key) : undefined;
  const first = firstPool(summary);
  const failedOver = summary.pool && first && summary.pool !== first ? `, failed over from ${first}` : '';
  const servedBy = summary.pool ? ` by ${summary.pool}${key ? `/${key}` : ''}${failedOver}` : '';
  const attempts = summary.attempts > 1 ? ` after ${summary.attempts} attempts` : '';
  const note = summary.error ? ` — ${summary.error}` : '';
  return `${summary.status} ${summary.outcome.padEnd(5)} ${summary.protocol} ${summary.model ?? '-'}${summary.stream ? ' (stream)' : ''}${servedBy}${attempts}, ${summary.ms} ms${note}`;
}

function keyChangeLine(event: KeyChangeEvent): string {
  const until = event.until === undefined ? '' : `, back in ${Math.max(0, Math.ceil((event.until - Date.now()) / 1000))} s`;
  const scope = event.scope ? ` for ${event.scope}` : '';
  return `   key ${event.pool}/${event.key}: ${keyMove(event.previous, event.state)}${scope}${until}${event.reason ? ` (${event.reason})` : ''}`;
}

function clockTime(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** The bridge's own request log would repeat the demo's lines: only its warnings and errors are shown. */
function quietLogger(err: NodeJS.WritableStream, secrets: string[]): Logger {
  const line = (level: string, message: string): string => `${clockTime()}  ${level}: ${redactSecrets(message, secrets)}\n`;
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => err.write(line('warn', m)),
    error: (m) => err.write(line('error', m)),
  };
}
