import type { Bridge } from '../bridge';
import type { BridgeStatus } from '../status';
import { probeOwner } from './ownerProbe';
import type { PortHolderNames } from './portHolder';

/**
 * What one try to serve the bridge port found. A candidate bridge that is
 * carried in the answer does not listen (except `listening`) but still shows
 * the pools and takes key actions; one that is not carried was disposed.
 */
export type PortClaim =
  | { kind: 'listening'; bridge: Bridge }
  /** The port could not be listened on for another reason than being in use (a privileged or bad port). */
  | { kind: 'cannotListen'; bridge: Bridge; code: string }
  /** Our own bridge in another window holds the port: follow it. */
  | { kind: 'keybridge'; status: BridgeStatus }
  /** The port was in use when we listened and free when we asked who holds it: the owner is letting it go. */
  | { kind: 'changingHands' }
  /** Something in KeyBridge's shape that could not prove it knows our admin token. */
  | { kind: 'unauthorized'; bridge: Bridge; holder: string | undefined }
  | { kind: 'foreign'; bridge: Bridge; holder: string | undefined; detail: string };

/**
 * Listens with `bridge` on `port`, and when the port is in use asks the holder
 * to prove it is our bridge (docs/ARCHITECTURE.md §6) before the admin token is
 * sent to it. Changes nothing in the window: the caller decides the role.
 */
export async function claimPort(bridge: Bridge, port: number, adminToken: string, holders: PortHolderNames): Promise<PortClaim> {
  try {
    await bridge.start();
    return { kind: 'listening', bridge };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== 'EADDRINUSE') return { kind: 'cannotListen', bridge, code: code ?? message };
  }
  const probe = await probeOwner(port, adminToken);
  switch (probe.kind) {
    case 'keybridge':
      await bridge.dispose(0);
      return { kind: 'keybridge', status: probe.status };
    case 'unreachable':
      await bridge.dispose(0);
      return { kind: 'changingHands' };
    case 'unauthorized':
      return { kind: 'unauthorized', bridge, holder: await holders.describe(port) };
    case 'foreign':
      return { kind: 'foreign', bridge, holder: await holders.describe(port), detail: probe.detail };
  }
}

/** The bridge a claim left alive, which its caller now owns. */
export function claimedBridge(claim: PortClaim): Bridge | undefined {
  return claim.kind === 'keybridge' || claim.kind === 'changingHands' ? undefined : claim.bridge;
}
