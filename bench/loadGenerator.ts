import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * Where one side of a comparison is reached. Direct, bridged and any `--target`
 * all go through this one client, so the load generator costs every side the same.
 */
export interface Side {
  name: string;
  origin: string;
  /** Path of OpenAI chat completions on this side, e.g. `/v1/chat/completions`. */
  openaiPath: string | undefined;
  /** Path of Anthropic messages on this side, e.g. `/v1/messages`. */
  anthropicPath: string | undefined;
  /** Credential headers this side expects (a provider key, or the bridge's local token). */
  openaiAuth: Record<string, string>;
  anthropicAuth: Record<string, string>;
  /** The proxy's process, when the benchmark started it: its CPU is read from the OS. */
  pid?: number;
}

export interface CallSpec {
  protocol: 'openai' | 'anthropic';
  body: Buffer;
  stream: boolean;
  /** Extra credentials that replace the side's own (failover keys, stalled keys). */
  auth?: Record<string, string>;
  /** Streams: called once, when the first content event arrives. */
  onFirstContent?: () => void;
}

export interface CallResult {
  ok: boolean;
  status: number;
  /** Request start to the end of the response body. */
  ms: number;
  /** Streams: request start to the first event carrying content. */
  firstContentMs?: number;
  /** Streams: SSE events received. */
  events?: number;
  error?: string;
}

const OPENAI_CONTENT = Buffer.from('{"content":"');
const ANTHROPIC_CONTENT = Buffer.from('content_block_delta');
const EVENT_END = Buffer.from('\n\n');

function countEvents(chunk: Buffer): number {
  let n = 0;
  for (let at = chunk.indexOf(EVENT_END); at >= 0; at = chunk.indexOf(EVENT_END, at + 2)) n++;
  return n;
}

/** One keep-alive connection pool per side and workload; only ever to 127.0.0.1. */
export class SideClient {
  private readonly pool: Pool;
  private readonly headers: { openai: Record<string, string>; anthropic: Record<string, string> };

  constructor(
    readonly side: Side,
    connections: number,
  ) {
    const host = new URL(side.origin).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`refusing to load ${side.origin}: the benchmark talks to 127.0.0.1 only`);
    this.pool = new Pool(side.origin, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    this.headers = {
      openai: { 'content-type': 'application/json', ...side.openaiAuth },
      anthropic: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...side.anthropicAuth },
    };
  }

  supports(protocol: CallSpec['protocol']): boolean {
    return (protocol === 'openai' ? this.side.openaiPath : this.side.anthropicPath) !== undefined;
  }

  /** Sends one request and reads its whole answer; never throws. */
  call(spec: CallSpec, signal?: AbortSignal): Promise<CallResult> {
    const path = spec.protocol === 'openai' ? this.side.openaiPath : this.side.anthropicPath;
    const base = this.headers[spec.protocol];
    const headers = spec.auth ? { ...base, ...spec.auth } : base;
    const marker = spec.protocol === 'openai' ? OPENAI_CONTENT : ANTHROPIC_CONTENT;
    const started = performance.now();
    return new Promise<CallResult>((resolve) => {
      const failed = (error: unknown, status = 0): void =>
        resolve({ ok: false, status, ms: performance.now() - started, error: error instanceof Error ? error.message : String(error) });
      this.pool.request({ path: path as string, method: 'POST', headers, body: spec.body, signal }).then(({ statusCode, body }) => {
        let firstContentMs: number | undefined;
        let events = 0;
        body.on('data', (chunk: Buffer) => {
          if (!spec.stream) return;
          if (firstContentMs === undefined && chunk.indexOf(marker) >= 0) {
            firstContentMs = performance.now() - started;
            spec.onFirstContent?.();
          }
          events += countEvents(chunk);
        });
        body.on('end', () => {
          const ms = performance.now() - started;
          resolve(
            spec.stream ? { ok: statusCode === 200, status: statusCode, ms, firstContentMs, events } : { ok: statusCode === 200, status: statusCode, ms },
          );
        });
        body.on('error', (error) => failed(error, statusCode));
      }, failed);
    });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

export interface LoopResult {
  results: CallResult[];
  /** First request sent to last answer read. */
  elapsedMs: number;
}

/**
 * A closed loop: `concurrency` workers each send the next request as soon as
 * their last one is answered, until `maxRequests` have been sent or `maxMs` has passed.
 */
export async function closedLoop(concurrency: number, maxRequests: number, maxMs: number, once: () => Promise<CallResult>): Promise<LoopResult> {
  const results: CallResult[] = [];
  let sent = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  const worker = async (): Promise<void> => {
    while (sent < maxRequests && performance.now() < deadline) {
      sent++;
      results.push(await once());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, maxRequests) }, worker));
  return { results, elapsedMs: performance.now() - started };
}

/**
 * An open loop: `count` requests started at `perSecond`, paced from the first (a slow answer does not hold the
 * next back), none started after `maxMs`; resolves once every answer is read.
 */
export async function fixedRate(perSecond: number, count: number, maxMs: number, once: () => Promise<CallResult>): Promise<LoopResult> {
  const results: CallResult[] = [];
  const answers: Promise<void>[] = [];
  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - started;
      const due = Math.min(count, Math.floor((elapsed * perSecond) / 1000) + 1);
      for (; sent < due; sent++) answers.push(once().then((result) => void results.push(result)));
      if (sent >= count || elapsed >= maxMs) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 2);
    tick();
  });
  await Promise.all(answers);
  return { results, elapsedMs: performance.now() - started };
}
