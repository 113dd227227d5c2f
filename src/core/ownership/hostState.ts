import type { Bridge } from '../bridge';
import type { BridgeStatus } from '../status';
import type { AdminClient, StatusStream } from './adminClient';
import type { PortClaim } from './portClaim';

/**
 * What this window is to the bridge port (docs/ARCHITECTURE.md §6). Each role
 * holds exactly what it needs, so the compiler proves, for instance, that only
 * a follower has an admin client and that a follower holds no bridge. A
 * `bridge` outside `owner` does not listen: it shows the pools and the
 * persisted key state, and takes key actions.
 */
export type HostState =
  /** Waiting for the tokens (secret storage has not answered), or for the port to change hands; `bridge` stays on screen meanwhile. */
  | { role: 'idle'; detail: string; bridge?: Bridge }
  /** This window's bridge serves the port (or, during a restart or a move, has just stopped so that its successor can). */
  | { role: 'owner'; detail: string; bridge: Bridge }
  /** Another window owns the port: this one mirrors the owner's status stream and acts through its admin API. */
  | { role: 'follower'; detail: string; admin: AdminClient; stream: StatusStream; ownerStatus: BridgeStatus }
  /** The user stopped the bridge, in any window; there is no bridge to show before the tokens are known. */
  | { role: 'stopped'; detail: string; bridge?: Bridge }
  /** The port cannot be served; `portTaken` when another program holds it (agents must not be sent there). */
  | { role: 'blocked'; detail: string; bridge: Bridge; portTaken: boolean };

export type HostRole = HostState['role'];

export const STOPPED_DETAIL = 'stopped by the user; run "KeyBridge: Start Bridge" to start it';

export function heldBridge(state: HostState): Bridge | undefined {
  return state.role === 'follower' ? undefined : state.bridge;
}

/** What a claim of the port leads to: follow our bridge in another window, or a state of this window, and when to claim again. */
export type ClaimVerdict = { follow: BridgeStatus } | { next: HostState; retry?: 'soon' | 'later' };

/** Decides the role from what a claim of `port` found; `shown` is the bridge the window shows until then. */
export function afterClaim(claim: PortClaim, port: number, shown: Bridge | undefined): ClaimVerdict {
  switch (claim.kind) {
    case 'listening':
      return { next: { role: 'owner', detail: `serving ${claim.bridge.url}`, bridge: claim.bridge } };
    case 'keybridge':
      return { follow: claim.status };
    case 'changingHands':
      // The previous owner let go between our listen and our probe: try again at once.
      return { next: { role: 'idle', detail: 'the port is changing hands', bridge: shown }, retry: 'soon' };
    case 'cannotListen':
      return { next: { role: 'blocked', detail: `cannot listen on 127.0.0.1:${port}: ${claim.code}`, bridge: claim.bridge, portTaken: false }, retry: 'later' };
    case 'unauthorized': {
      const holder = claim.holder ? `, ${claim.holder}` : '';
      const detail = `port ${port} is served by another KeyBridge with a different admin token${holder} (a "keybridge serve"?), or by a program posing as one; it could not prove it knows this window's admin token, so the token was not sent. Stop it or change keybridge.port`;
      return { next: { role: 'blocked', detail, bridge: claim.bridge, portTaken: true }, retry: 'later' };
    }
    case 'foreign': {
      const holder = claim.holder ? `, ${claim.holder}` : '';
      const detail = `port ${port} is used by another program${holder} (${claim.detail}); no token was sent to it and new terminals get no KeyBridge variables. Change keybridge.port or stop that program`;
      return { next: { role: 'blocked', detail, bridge: claim.bridge, portTaken: true }, retry: 'later' };
    }
  }
}
