import type { Wire } from './wire';

export interface MessagesTurn {
  role: 'user' | 'assistant';
  content: Wire[];
}

/**
 * Adds blocks to an Anthropic conversation being built. Anthropic alternates roles and refuses empty turns, so
 * blocks for the role of the last turn join it, and no blocks add nothing.
 */
export function addToTurns(turns: MessagesTurn[], role: MessagesTurn['role'], content: Wire[]): void {
  if (content.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...content);
  else turns.push({ role, content });
}
