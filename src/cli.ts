import { randomBytes } from 'node:crypto';
import { ConfigError } from './core/config';
import { Bridge } from './core/bridge';
import type { Logger } from './core/logger';
import { redactSecrets } from './core/secrets';
import { FileStateStore } from './core/state';
import { PROTOCOL_ADAPTERS } from './core/protocols/table';
import { servedProtocols } from './core/engine/routeStatus';
import { loadServeConfig, loadUsageLocation, usageFileFor, type ServeConfig } from './cli/configFile';
import { usageText } from './cli/usageReport';
import { readUsageFile } from './core/usage/usageFile';
import { Pricer } from './core/usage/price';
import { bundledPriceCatalog } from './core/usage/priceCatalog';
import { queryUsage, usageQueryFrom } from './core/usage/usageQuery';
import { HELP } from './cli/help';
import { runDemo } from './cli/demo';

/** The demo's own client sends a request this often: a line every second or two to watch. */
const DEMO_INTERVAL_MS = 1_500;

declare const KEYBRIDGE_VERSION: string | undefined;
const VERSION = typeof KEYBRIDGE_VERSION === 'string' ? KEYBRIDGE_VERSION : 'dev';

interface Args {
  command: 'serve' | 'check' | 'demo' | 'start' | 'usage' | 'help' | 'version';
  config?: string;
  port?: number;
  state?: string;
  quiet: boolean;
  /** demo: seconds until it ends by itself. */
  duration?: number;
  /** demo: no requests of its own, only the agents'. */
  quietTraffic?: boolean;
  /** usage: the window (`7d`) and the breakdown; JSON instead of text. */
  since?: string;
  by?: string;
  /** usage: series over time, per `hour` or `day`. */
  series?: string;
  json?: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const args: Args = { command: 'help', quiet: false };
  const rest = [...argv];
  const first = rest.at(0);
  if (first === 'serve' || first === 'check' || first === 'demo' || first === 'start' || first === 'usage') {
    args.command = first;
    rest.shift();
  } else if (first === '--version' || first === '-v' || first === 'version') {
    return { command: 'version', quiet: false };
  } else if (first !== undefined && first !== '--help' && first !== '-h' && first !== 'help') {
    throw new UsageError(`unknown command "${first}"`);
  }
  while (rest.length) {
    const arg = rest.shift() as string;
    const value = (): string => {
      const v = rest.shift();
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--config':
        args.config = value();
        break;
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be an integer from 0 to 65535');
        args.port = port;
        break;
      }
      case '--state':
        args.state = value();
        break;
      case '--quiet':
        args.quiet = true;
        break;
      case '--duration': {
        const seconds = Number(value());
        if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--duration must be a number of seconds above 0');
        args.duration = seconds;
        break;
      }
      case '--no-traffic':
        args.quietTraffic = true;
        break;
      case '--since':
        args.since = value();
        break;
      case '--by':
        args.by = value();
        break;
      case '--series':
        args.series = value();
        break;
      case '--json':
        args.json = true;
        break;
      case '--help':
      case '-h':
        return { command: 'help', quiet: false };
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  if (args.command === 'start') {
    // `npm start`: a config serves it; without one the main job still runs, over the simulated provider.
    args.config ??= env.KEYBRIDGE_CONFIG || undefined;
    args.command = args.config ? 'serve' : 'demo';
  }
  if ((args.command === 'serve' || args.command === 'check' || args.command === 'usage') && !args.config) throw new UsageError('--config FILE is required');
  if (args.command !== 'usage' && (args.since !== undefined || args.by !== undefined || args.series !== undefined || args.json))
    throw new UsageError('--since, --by, --series and --json are options of "usage"');
  if (args.command !== 'demo' && (args.duration !== undefined || args.quietTraffic)) throw new UsageError('--duration and --no-traffic are options of "demo"');
  return args;
}

function consoleLogger(secrets: string[], quiet: boolean): Logger {
  // Defence in depth: the core never logs a key, and this filter would mask one if it ever did.
  const line = (level: string, message: string): string => `${new Date().toISOString()} ${level} ${redactSecrets(message, secrets)}\n`;
  return {
    debug: () => undefined,
    info: (m) => {
      if (!quiet) process.stdout.write(line('info', m));
    },
    warn: (m) => process.stderr.write(line('warn', m)),
    error: (m) => process.stderr.write(line('error', m)),
    writesInfo: !quiet,
  };
}

async function serve(config: ServeConfig, args: Args): Promise<void> {
  // Whoever read the output may be gone (a pipe's reader that exited, a supervisor's log collector that died): a write
  // to it fails with EPIPE, and unhandled that killed the bridge before its orderly shutdown wrote the key state.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const secrets = config.bridge.pools.flatMap((p) => p.keys.map((k) => k.secret));
  const generated = config.token === undefined;
  const token = config.token ?? `kb-${randomBytes(24).toString('base64url')}`;
  const stateFile = args.state ?? config.stateFile;
  const usageFile = usageFileFor(config.usageFile, stateFile);
  const bridge = new Bridge({
    config: config.bridge,
    port: args.port ?? config.port,
    token,
    adminToken: config.adminToken,
    logger: consoleLogger([...secrets, token], args.quiet),
    stateStore: stateFile ? new FileStateStore(stateFile) : undefined,
    usage: usageFile ? { file: usageFile, retentionDays: config.usageRetentionDays } : undefined,
  });
  try {
    await bridge.start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      `keybridge: cannot listen on 127.0.0.1:${args.port ?? config.port}: ${code === 'EADDRINUSE' ? 'the port is in use (another KeyBridge or program holds it; choose another with --port, or --port 0 for any free one)' : (error as Error).message}\n`,
    );
    await bridge.dispose(0);
    process.exitCode = 1;
    return;
  }
  // Listening for the stop signals before the URL is printed: a supervisor that stops the bridge the moment it sees
  // the URL must still get the orderly shutdown that writes the key state, not the default kill.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      process.stderr.write('keybridge: forced exit\n');
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`keybridge: ${signal}, shutting down (${bridge.activeRequests} request(s) in flight)\n`);
    void bridge.dispose(5_000).then(() => {
      process.stdout.write('keybridge: stopped\n');
      process.exitCode = 0;
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const urls = bridge.baseUrls;
  process.stdout.write(`${bridge.url}\n`);
  // A protocol no route serves answers 503 at its base URL: the line says so, rather than offer it as ready.
  const served = servedProtocols(bridge.status());
  for (const adapter of PROTOCOL_ADAPTERS) {
    const note = served.has(adapter.protocol) ? '' : ` (not served: no pool or route takes ${adapter.label} requests)`;
    process.stdout.write(`keybridge ${VERSION}: ${adapter.label} base URL ${urls[adapter.protocol]}${note}\n`);
  }
  const keyCount = config.bridge.pools.reduce((n, p) => n + p.keys.length, 0);
  process.stdout.write(`keybridge: ${config.bridge.pools.length} pool(s), ${keyCount} key(s)${config.adminToken ? ', status API on' : ''}\n`);
  process.stdout.write(usageFile ? `keybridge: usage recorded in ${usageFile}\n` : 'keybridge: usage not recorded (set "usageFile" or "stateFile")\n');
  if (generated) process.stdout.write(`keybridge: ${config.tokenEnv} is not set; this run's token: ${token}\n`);
}

/** `keybridge usage`: reads the store `keybridge serve` writes, never changing it. */
async function usage(args: Args): Promise<number> {
  const fail = (message: string): number => {
    process.stderr.write(`keybridge: ${message}\n`);
    return 2;
  };
  const flags: Record<string, string | undefined> = { since: args.since, by: args.by, series: args.series };
  const query = usageQueryFrom({ get: (name) => flags[name] });
  if (typeof query === 'string') return fail(`--${query}`);
  let location;
  try {
    location = loadUsageLocation(args.config as string, args.state);
  } catch (error) {
    if (error instanceof ConfigError) return fail(`bad config: ${error.message}`);
    throw error;
  }
  if (!location.usageFile) return fail(`${args.config} names no usage file: set "usageFile" or "stateFile"`);
  let contents;
  try {
    contents = await readUsageFile(location.usageFile);
  } catch (error) {
    process.stderr.write(`keybridge: cannot read ${location.usageFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    return 1;
  }
  if (contents.missing) process.stderr.write(`keybridge: no usage recorded yet (${location.usageFile} does not exist)\n`);
  if (contents.badLines) process.stderr.write(`keybridge: ${contents.badLines} damaged line(s) in ${location.usageFile} left out\n`);
  const report = queryUsage(contents.rows, query, Date.now(), new Pricer(bundledPriceCatalog, location.pools));
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : usageText(report, location.usageFile));
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(argv, process.env);
  } catch (error) {
    process.stderr.write(`keybridge: ${(error as Error).message}\nRun "keybridge --help" for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (args.command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (args.command === 'demo') {
    process.exitCode = await runDemo({
      port: args.port,
      durationS: args.duration,
      intervalMs: args.quietTraffic ? 0 : DEMO_INTERVAL_MS,
      out: process.stdout,
      err: process.stderr,
    });
    return;
  }
  if (args.command === 'usage') {
    process.exitCode = await usage(args);
    return;
  }
  let config: ServeConfig;
  try {
    config = loadServeConfig(args.config as string, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`keybridge: bad config: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  // Valid, but not what was meant: said before anything else, by check and serve alike.
  for (const notice of config.notices) process.stderr.write(`keybridge: notice: ${notice}\n`);
  if (args.command === 'check') {
    process.stdout.write(`keybridge: ${args.config} is valid (${config.bridge.pools.length} pool(s))\n`);
    return;
  }
  await serve(config, args);
}

if (require.main === module) {
  void main(process.argv.slice(2));
}
