import type { Protocol } from '../config';
import type { RouteStatus, RouteTargetStatus } from '../status';
import { byProtocol, poolTranslatesFor } from '../protocols/table';
import { escapeMarkdown } from './keyPresentation';

/**
 * How routes read on screen: the tree rows, their tooltips and the Add Fallback quick pick share these, so a
 * translated target reads the same everywhere. No `vscode` import: tested on Node.
 */

/** The wire format each side speaks when a target is translated: Anthropic clients reach OpenAI pools through Chat Completions. */
const WIRE = byProtocol((a) => a.wireName);
const CLIENT_WIRE = byProtocol((a) => a.label);

/** What happens to a request of `protocol` sent to a pool: relayed as is, translated, or (Responses only) converted to Chat. */
export type TargetRelation = 'same' | 'translated' | 'responsesToChat';

export function targetRelation(protocol: Protocol, pool: { protocol: Protocol; responses?: boolean }): TargetRelation {
  if (pool.protocol !== protocol) return 'translated';
  return poolTranslatesFor(protocol, pool) ? 'responsesToChat' : 'same';
}

function relationOf(route: Pick<RouteStatus, 'protocol'>, target: RouteTargetStatus): TargetRelation {
  if (!target.translated) return 'same';
  return target.poolProtocol === route.protocol ? 'responsesToChat' : 'translated';
}

/** `Anthropic → OpenAI Chat`, `OpenAI → Anthropic`, `Responses → Chat`; empty for a same-protocol target. */
function translationName(protocol: Protocol, poolProtocol: Protocol, relation: TargetRelation): string {
  if (relation === 'responsesToChat') return 'Responses → Chat';
  if (relation === 'translated') return `${CLIENT_WIRE[protocol]} → ${WIRE[poolProtocol]}`;
  return '';
}

/** The Add Fallback quick pick's description of a pool for a route of `protocol`. */
export function poolChoiceDescription(protocol: Protocol, pool: { protocol: Protocol; responses?: boolean }): string {
  const relation = targetRelation(protocol, pool);
  if (relation === 'translated') return `translated (${translationName(protocol, pool.protocol, relation)})`;
  if (relation === 'responsesToChat') return 'same protocol; Responses requests translated to Chat';
  return 'same protocol, relayed as is';
}

/** `anthropic claude-*`: the route's row. */
export function routeLabel(route: Pick<RouteStatus, 'protocol' | 'match'>): string {
  return `${route.protocol} ${route.match}`;
}

export function routeDescription(route: RouteStatus): string {
  if (route.implicit) return 'default: no route matched';
  const translated = route.targets.filter((t) => t.translated).length;
  const count = route.targets.length === 1 ? '1 target' : `${route.targets.length} targets`;
  return translated ? `${count} · ${translated} translated` : count;
}

/** `1. anthropic-main`, `2. openrouter → gpt-4.1`. */
export function targetLabel(target: RouteTargetStatus, index: number): string {
  return `${index + 1}. ${target.pool}${target.model ? ` → ${target.model}` : ''}`;
}

export function targetDescription(route: Pick<RouteStatus, 'protocol'>, target: RouteTargetStatus): string {
  const relation = relationOf(route, target);
  return relation === 'same' ? '' : `translated: ${translationName(route.protocol, target.poolProtocol, relation)}`;
}

/** Inline code for text from settings: a backtick in it would end the span. */
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;

const CLIENTS = byProtocol((a) => a.clients);

export function routeTooltipMarkdown(route: RouteStatus): string {
  if (route.implicit) {
    return [
      `**Default route for ${CLIENTS[route.protocol]}**`,
      `Requests whose model no route matches go to ${code(route.targets[0]?.pool ?? '—')} (\`keybridge.defaults\`, else the first ${route.protocol} pool).`,
      'Add a fallback to turn it into a route with a second pool.',
    ].join('  \n');
  }
  return [
    `**${CLIENTS[route.protocol]}** asking for a model matching ${code(route.match)}`,
    'try these pools in order; the next one is tried when a pool is rate-limited, out of quota or failing.',
    'The first route that matches a model wins.',
  ].join('  \n');
}

export function targetTooltipMarkdown(route: Pick<RouteStatus, 'protocol'>, target: RouteTargetStatus, poolLabel: string | undefined): string {
  const name = `**${escapeMarkdown(poolLabel ?? target.pool)}** (${code(target.pool)}, ${target.poolProtocol})`;
  const model = target.model ? `Asks for model ${code(target.model)} instead of the client's.` : "Asks for the client's model.";
  const relation = relationOf(route, target);
  if (relation === 'same') return [name, model, 'Same protocol: requests and answers are relayed as they are.'].join('  \n');
  if (relation === 'responsesToChat') {
    return [
      name,
      model,
      '**Translated: Responses → Chat.** This pool has no Responses API (`responses: false`): Responses requests are converted to Chat Completions and the answer back; Chat Completions requests pass as they are.',
      'Lost on the way: stored state (`previous_response_id`), reasoning items, built-in tools.',
    ].join('  \n');
  }
  return [
    name,
    model,
    `**Translated: ${translationName(route.protocol, target.poolProtocol, relation)}.** KeyBridge converts each request and its answer (streams included) between the two protocols. Text, images and tool calls carry over.`,
    'Lost on the way: thinking blocks and their signatures, prompt-cache marks, server-side tools, stored Responses state. Name a model of this pool: the client’s model name means nothing there.',
  ].join('  \n');
}
