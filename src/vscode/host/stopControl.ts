import type { HostRole } from '../../core/ownership/hostState';

/**
 * What a window does about the shared stop flag (docs/ARCHITECTURE.md §6): a Stop made in another window stops
 * the one serving (or waiting for) the port, a Start made there starts a stopped one; otherwise nothing.
 */
export function controlAction(stopped: boolean, role: HostRole): 'stop' | 'start' | undefined {
  if (stopped && (role === 'owner' || role === 'blocked')) return 'stop';
  if (!stopped && role === 'stopped') return 'start';
  return undefined;
}
