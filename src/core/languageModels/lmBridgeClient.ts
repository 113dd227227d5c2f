/**
 * Sends a language model request to this machine's bridge over loopback HTTP, with the local token, as an
 * agent would: whichever window owns the port serves it, and its routes, key rotation, failover, stream gate
 * and translation apply unchanged. The bridge does all key bookkeeping; an error answer here is only read.
 * Every connection proves its peer before the token goes on it (provenConnection.ts): whoever holds the port
 * when it is not our bridge gets nothing. No `vscode` import.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request, type Dispatcher } from 'undici';
import type { Protocol } from '../config';
import { SseScanner } from '../protocols/sse';
import { primaryFormat, protocolAdapter } from '../protocols/table';
import { asWire, parseWire, stringOr, type Wire } from '../translation/wire';
import { answerReader, type AnswerPart } from './lmAnswer';
import { OwnerNotProven, provenDispatcher } from '../ownership/provenConnection';

export interface BridgeAccess {
  baseUrls: Record<Protocol, string>;
  /** The local token, sent as the API key; never put in a message. */
  token: string;
  /** Checks the owner proof of each connection; never sent. */
  adminToken: string;
}

export type RefusalKind = 'no-permissions' | 'blocked' | 'not-found' | 'failed';

/** The bridge answered with an error before the answer started (or could not be reached). */
export class BridgeRefusal extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** 0 when the bridge could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'BridgeRefusal';
  }
}

/** Largest error answer read; the bridge's own are a few hundred bytes. */
const MAX_ERROR_BYTES = 64 * 1024;

export class LoopbackBridgeClient {
  /** One per port and admin token; keep-alive is short: a window that stops asking leaves no socket on the bridge for long. */
  private dispatcher: { port: number; adminToken: string; agent: Dispatcher } | undefined;

  /** Streams the answer's parts; throws BridgeRefusal, AnswerStreamError, or the abort when `signal` fires. */
  async *stream(
    access: BridgeAccess,
    protocol: Protocol,
    body: Wire,
    signal: AbortSignal,
    model = typeof body.model === 'string' ? body.model : '',
  ): AsyncGenerator<AnswerPart> {
    // The protocol's own format at the bridge's base URL for it (Gemini's path names the model), with the credentials and versions its clients send.
    const url = access.baseUrls[protocol] + primaryFormat(protocol).requestPath(model, true);
    const adapter = protocolAdapter(protocol);
    const auth: Record<string, string> = { ...adapter.authHeaders(access.token), ...adapter.defaultHeaders() };
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'POST',
        dispatcher: this.dispatcherFor(access, url),
        headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof OwnerNotProven && error.failure.kind !== 'unreachable')
        throw new BridgeRefusal('blocked', `KeyBridge sent no request: ${error.message}. See the KeyBridge status bar item.`, 0);
      const code = error instanceof OwnerNotProven && error.failure.kind === 'unreachable' ? error.failure.detail : (error as NodeJS.ErrnoException).code;
      throw new BridgeRefusal(
        'failed',
        `KeyBridge could not reach its bridge at ${new URL(url).host} (${code ?? (error as Error).message}). Is it running? See the KeyBridge status bar item.`,
        0,
      );
    }
    if (response.statusCode !== 200) {
      const text = await readBounded(response.body);
      throw refusalFor(response.statusCode, response.headers, text);
    }
    const scanner = new SseScanner();
    const reader = answerReader(protocol);
    for await (const chunk of response.body) {
      for (const event of scanner.push(chunk as Buffer)) yield* reader.push(event);
    }
    for (const event of scanner.end()) yield* reader.push(event);
    reader.end();
  }

  /** Closes the idle connections; in-flight requests are aborted by their own signals. */
  async close(): Promise<void> {
    await this.dispatcher?.agent.destroy();
    this.dispatcher = undefined;
  }

  private dispatcherFor(access: BridgeAccess, url: string): Dispatcher {
    const port = Number(new URL(url).port);
    const current = this.dispatcher;
    if (current?.port === port && current.adminToken === access.adminToken) return current.agent;
    // New tokens or a new port: requests under way finish, no new one goes on the old connections.
    current?.agent.close().catch(() => undefined);
    this.dispatcher = { port, adminToken: access.adminToken, agent: provenDispatcher(port, access.adminToken) };
    return this.dispatcher.agent;
  }
}

async function readBounded(body: AsyncIterable<unknown> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_ERROR_BYTES) {
      body.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What an error answer means to VS Code. The bridge marks its own answers (`x-keybridge-error`); the rest are
 * the provider's, passed on verbatim because they are the caller's fault. Either way the message is kept:
 * the bridge writes its own without secrets and scrubs quotes of a key from the provider's.
 */
function refusalFor(status: number, headers: IncomingHttpHeaders, text: string): BridgeRefusal {
  const error = asWire(parseWire(text)?.error);
  const message = stringOr(error?.message, '') || `the bridge answered HTTP ${status}`;
  const code = stringOr(error?.code, '');
  const ours = headers['x-keybridge-error'] === '1';
  if (status === 401)
    return new BridgeRefusal(
      'no-permissions',
      ours ? `${message} (this window's token does not match the bridge's; run "KeyBridge: Refresh")` : message,
      status,
    );
  if (status === 403) return new BridgeRefusal('blocked', message, status);
  // A model no route or pool serves: the bridge's "no pool" answer, or the provider's unknown model.
  if (status === 404 || code === 'keybridge_no_pool' || (ours && /no (openai|anthropic|gemini) pool is configured/.test(message)))
    return new BridgeRefusal('not-found', message, status);
  return new BridgeRefusal('failed', message, status);
}
