import { heldBridge, type HostState } from '../../core/ownership/hostState';

/**
 * What a host state holds is released in one place (docs/ARCHITECTURE.md §6), so no path can leave a status
 * stream, an admin client or a bridge open.
 */

/** What the old state held and the new one does not: a follower's stream and admin client are closed. */
export function closeFollowing(previous: HostState, next: HostState): void {
  if (previous.role !== 'follower') return;
  if (next.role !== 'follower' || next.stream !== previous.stream) previous.stream.close();
  if (next.role !== 'follower' || next.admin !== previous.admin) previous.admin.close();
}

/** After shutdown: a step that was still under way keeps nothing it opened. */
export async function releaseAll(state: HostState): Promise<void> {
  if (state.role === 'follower') {
    state.stream.close();
    state.admin.close();
  }
  await heldBridge(state)?.dispose(0);
}
