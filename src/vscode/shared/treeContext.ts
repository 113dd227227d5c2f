import type { KeyState } from '../../core/keys/keyHealth';

/** The tree view's id; its `<id>.focus` command is what the status bar item runs. */
export const VIEW_ID = 'keybridge.keys';

/** `contextValue`s the tree emits; package.json menus match them with `viewItem == …` (the manifest test checks). */
export const POOL_CONTEXT = 'pool';
/** A pool of the simulated provider: it offers only Remove Simulated Provider. */
export const SIMULATED_POOL_CONTEXT = 'pool.simulated';
export const KEY_CONTEXT: Record<KeyState, string> = {
  ready: 'key.ready',
  cooling: 'key.cooling',
  exhausted: 'key.exhausted',
  invalid: 'key.invalid',
  retired: 'key.retired',
};
/** The Routes section, a configured route and one of its targets. */
export const ROUTES_CONTEXT = 'routes';
export const ROUTE_CONTEXT = 'route';
export const ROUTE_TARGET_CONTEXT = 'routeTarget';
/** A protocol's default route and its pool: a fallback can be added (it becomes a route), nothing removed. */
export const DEFAULT_ROUTE_CONTEXT = 'route.default';
export const DEFAULT_ROUTE_TARGET_CONTEXT = 'routeTarget.default';
/** The Agents section and an agent's row by its state: Connect on the section and unconnected agents, Disconnect on the others. */
export const AGENTS_CONTEXT = 'agents';
export type AgentRowState = 'connected' | 'drifted' | 'not-connected';
export const AGENT_CONTEXT: Record<AgentRowState, string> = {
  connected: 'agent.connected',
  drifted: 'agent.drifted',
  'not-connected': 'agent.notConnected',
};
export const TREE_CONTEXT_VALUES: readonly string[] = [
  POOL_CONTEXT,
  SIMULATED_POOL_CONTEXT,
  ...Object.values(KEY_CONTEXT),
  ROUTES_CONTEXT,
  ROUTE_CONTEXT,
  ROUTE_TARGET_CONTEXT,
  DEFAULT_ROUTE_CONTEXT,
  DEFAULT_ROUTE_TARGET_CONTEXT,
  AGENTS_CONTEXT,
  ...Object.values(AGENT_CONTEXT),
];
