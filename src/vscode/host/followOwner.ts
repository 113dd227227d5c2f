import type { BridgeStatus } from '../../core/status';
import { AdminClient, StatusStream } from '../../core/ownership/adminClient';
import type { HostState } from '../../core/ownership/hostState';
import { OwnerNotProven } from '../../core/ownership/provenConnection';

export type FollowerState = Extract<HostState, { role: 'follower' }>;

export interface OwnerWatch {
  /** The owner sent a new snapshot; `stream` tells which following it belongs to. */
  onStatus(stream: StatusStream, status: BridgeStatus): void;
  /** The owner's stream ended (gone, or silent longer than `stallMs`). */
  onGone(stream: StatusStream, reason: string): void;
}

/** The follower state for the owner found on `port`: its status stream and an admin client (docs/ARCHITECTURE.md §6). */
export function followOwner(ownerStatus: BridgeStatus, port: number, adminToken: string, stallMs: number, watch: OwnerWatch): FollowerState {
  const stream: StatusStream = new StatusStream(
    port,
    adminToken,
    { onStatus: (next) => watch.onStatus(stream, next), onClose: (reason) => watch.onGone(stream, reason) },
    stallMs,
  );
  const detail = `following the bridge of another window on 127.0.0.1:${port}`;
  return { role: 'follower', detail, admin: new AdminClient(port, adminToken), stream, ownerStatus };
}

/**
 * A call to the owner a window follows. A connection whose peer could not prove it is our bridge means the
 * owner is gone and something else may hold the port: nothing was sent, and `notProven` claims the port
 * again now rather than after the status stream notices.
 */
export async function callOwner<T>(state: FollowerState, call: (admin: AdminClient) => Promise<T>, notProven: () => void): Promise<T> {
  try {
    return await call(state.admin);
  } catch (error) {
    if (error instanceof OwnerNotProven) notProven();
    throw error;
  }
}
