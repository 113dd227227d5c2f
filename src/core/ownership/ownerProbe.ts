import type { BridgeStatus } from '../status';
import {
  exchangeFailure,
  openProvenExchange,
  OwnerNotProven,
  parseJsonObject,
  type Answer,
  type LoopbackExchange,
  type ProofFailure,
} from './provenConnection';

/** Who answers on the bridge port, as far as the probe can tell. */
export type OwnerProbe = { kind: 'keybridge'; status: BridgeStatus } | ProofFailure;

/**
 * Asks whoever holds the port to prove it is our bridge (an HMAC of a fresh
 * nonce keyed by the admin token), and only then asks for its status with the
 * admin token, on the same connection (provenConnection.ts). A stranger never
 * receives the token.
 */
export async function probeOwner(port: number, adminToken: string, timeoutMs = 2_000): Promise<OwnerProbe> {
  let exchange: LoopbackExchange;
  try {
    exchange = await openProvenExchange(port, adminToken, timeoutMs);
  } catch (error) {
    if (error instanceof OwnerNotProven) return error.failure;
    throw error;
  }
  try {
    let res: Answer;
    try {
      res = await exchange.get('/_keybridge/status', { authorization: `Bearer ${adminToken}` });
    } catch (error) {
      return exchangeFailure(error);
    }
    const status = res.status === 200 ? (parseJsonObject(res.text) as BridgeStatus | undefined) : undefined;
    if (status && Array.isArray(status.pools) && typeof status.running === 'boolean') return { kind: 'keybridge', status };
    return { kind: 'foreign', detail: `HTTP ${res.status}` };
  } finally {
    exchange.close();
  }
}
