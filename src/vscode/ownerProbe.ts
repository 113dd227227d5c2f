import { Agent, request, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BridgeStatus } from '../core/status';
import { newOwnerNonce, OWNER_PROOF_PATH, OWNER_PROOF_SCHEME, ownerProofMatches } from '../core/server/ownerProof';

/** Who answers on the bridge port, as far as the probe can tell. */
export type OwnerProbe =
  | { kind: 'keybridge'; status: BridgeStatus }
  /** Answers in KeyBridge's shape but cannot prove it knows our admin token (a `keybridge serve` started by hand, or an impostor). */
  | { kind: 'unauthorized' }
  /** Something that is not KeyBridge, or does not answer in time. */
  | { kind: 'foreign'; detail: string }
  /** Nobody listens: the port is free (again). */
  | { kind: 'unreachable'; detail: string };

const HOST = '127.0.0.1';
const MAX_ANSWER = 4 * 1024 * 1024;

/**
 * Keeps the probe on one TCP connection: the admin token may only travel on
 * the connection whose peer just proved it holds the token. If that
 * connection is gone, a second one is refused rather than opened, so a
 * program that grabbed the port in between never sees the token.
 */
class OneConnectionAgent extends Agent {
  private opened = false;

  constructor(options: AgentOptions) {
    super(options);
  }

  override createConnection(options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): Duplex {
    if (this.opened) {
      // Node's Agent takes an error through the callback and a falsy return as "no socket".
      callback?.(Object.assign(new Error('the proven connection closed before the token could be sent'), { code: 'ECONNRESET' }), undefined as unknown as Duplex);
      return undefined as unknown as Duplex;
    }
    this.opened = true;
    return super.createConnection(options, callback);
  }
}

interface Answer {
  status: number;
  text: string;
}

function get(agent: Agent, port: number, path: string, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const req = request({ host: HOST, port, method: 'GET', path, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER) req.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function failure(error: unknown): OwnerProbe {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { kind: 'unreachable', detail: code };
  return { kind: 'foreign', detail: code };
}

/**
 * Asks whoever holds the port to prove it is our bridge (an HMAC of a fresh
 * nonce keyed by the admin token), and only then asks for its status with the
 * admin token, on the same connection. A stranger never receives the token.
 */
export async function probeOwner(port: number, adminToken: string, timeoutMs = 2_000): Promise<OwnerProbe> {
  const agent = new OneConnectionAgent({ keepAlive: true, maxSockets: 1 });
  try {
    const nonce = newOwnerNonce();
    let challenge: Answer;
    try {
      challenge = await get(agent, port, `${OWNER_PROOF_PATH}?nonce=${nonce}`, {}, timeoutMs);
    } catch (error) {
      return failure(error);
    }
    const answer = parse(challenge.text);
    if (challenge.status !== 200 || answer?.scheme !== OWNER_PROOF_SCHEME) return { kind: 'foreign', detail: `no KeyBridge owner proof, HTTP ${challenge.status}` };
    if (!ownerProofMatches(adminToken, port, nonce, answer.proof)) return { kind: 'unauthorized' };
    let res: Answer;
    try {
      res = await get(agent, port, '/_keybridge/status', { authorization: `Bearer ${adminToken}` }, timeoutMs);
    } catch (error) {
      return failure(error);
    }
    const status = res.status === 200 ? (parse(res.text) as BridgeStatus | undefined) : undefined;
    if (status && Array.isArray(status.pools) && typeof status.running === 'boolean') return { kind: 'keybridge', status };
    return { kind: 'foreign', detail: `HTTP ${res.status}` };
  } finally {
    agent.destroy();
  }
}
