import type { Engine } from '../engine/engine';
import type { ListedModel } from '../protocols/protocol';
import { isModelList, protocolAdapter } from '../protocols/table';
import type { ProxyRequest } from './proxyRequest';

/**
 * The models the routes add to this request's answer: set for the first page of a protocol's model list
 * (`GET …/v1/models`) when its routes name any, undefined otherwise (every other request, and later pages, which
 * are the provider's alone). Agents fill their pickers from this list — Claude Code's `/model` shows it as "From
 * gateway" — so a route's model names must be in it even when no provider lists them (docs/ARCHITECTURE.md §2).
 */
export function routedModelList(engine: Engine, request: ProxyRequest): ListedModel[] | undefined {
  if (!isModelList(request.endpoint) || request.method !== 'GET') return undefined;
  const q = request.upstreamPath.indexOf('?');
  const query = new URLSearchParams(q === -1 ? '' : request.upstreamPath.slice(q + 1));
  if (protocolAdapter(request.protocol).modelPageParams.some((name) => query.has(name))) return undefined;
  const models = engine.router.namedModels(request.protocol);
  if (!models.length) return undefined;
  return models.map((m) => ({ id: m.id, label: `${m.id} · KeyBridge: ${m.pools.join(' → ')}` }));
}
