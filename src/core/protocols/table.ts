/**
 * The protocol table: the one place the rest of the bridge asks about protocols and wire formats
 * (docs/ARCHITECTURE.md §7). A new protocol is a folder per wire format plus an entry here; nothing outside
 * src/core/protocols/ branches on a protocol's or an endpoint's name (test/unit/protocolBranches.test.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PROTOCOLS, type PoolSpec, type Protocol } from '../config';
import { anthropicProtocol } from './anthropic';
import { geminiProtocol } from './gemini';
import { geminiGenerateCodec } from './geminiGenerate/codec';
import { anthropicMessagesCodec } from './anthropicMessages/codec';
import type { FormatCodec } from './codec';
import { openaiProtocol } from './openai';
import { openaiChatCodec } from './openaiChat/codec';
import { openaiResponsesCodec } from './openaiResponses/codec';
import { endpointIn, type Endpoint, type PathRoute, type ProtocolAdapter, type RoutingFields, type WireFormat } from './protocol';

const TABLE: Readonly<Record<Protocol, ProtocolAdapter>> = { openai: openaiProtocol, anthropic: anthropicProtocol, gemini: geminiProtocol };

/** The protocol a request is answered in when nothing claims it for another (bare `/v1/...` paths, unknown URLs). */
const DEFAULT_PROTOCOL: ProtocolAdapter = openaiProtocol;
const CLAIMING: readonly ProtocolAdapter[] = PROTOCOLS.map((p) => TABLE[p]).filter((a) => a !== DEFAULT_PROTOCOL);

const FORMATS: readonly WireFormat[] = PROTOCOLS.flatMap((p) => TABLE[p].formats);
const BY_ENDPOINT: Partial<Record<Endpoint, WireFormat>> = Object.fromEntries(FORMATS.map((f) => [f.endpoint, f]));

export function protocolAdapter(protocol: Protocol): ProtocolAdapter {
  return TABLE[protocol];
}

/** The format a protocol's clients speak when nothing says otherwise (Chat Completions, Messages): what the bridge's own clients send. */
export function primaryFormat(protocol: Protocol): WireFormat {
  return TABLE[protocol].formats[0];
}

/** Every protocol's entry, in PROTOCOLS order. */
export const PROTOCOL_ADAPTERS: readonly ProtocolAdapter[] = PROTOCOLS.map((p) => TABLE[p]);

/** One fact of every protocol's entry, by protocol (the labels screens show). */
export function byProtocol<T>(pick: (adapter: ProtocolAdapter) => T): Record<Protocol, T> {
  return Object.fromEntries(PROTOCOL_ADAPTERS.map((a) => [a.protocol, pick(a)])) as Record<Protocol, T>;
}

const FOREIGN_HEADERS = {} as Record<Protocol, readonly string[]>;
for (const protocol of PROTOCOLS) FOREIGN_HEADERS[protocol] = PROTOCOL_ADAPTERS.filter((a) => a.protocol !== protocol).map((a) => a.ownHeaderPrefix);

/** The prefixes of request headers that belong to the other protocols: dropped when a request goes to a pool of `protocol`. */
export function foreignHeaderPrefixes(protocol: Protocol): readonly string[] {
  return FOREIGN_HEADERS[protocol];
}

/** The wire format an endpoint speaks; undefined for endpoints the bridge only relays (model lists, embeddings…). */
export function wireFormatOf(endpoint: Endpoint): WireFormat | undefined {
  return BY_ENDPOINT[endpoint];
}

/** The routing fields of a request on a path with no format of its own (relayed as it is): every name a format uses. */
export const RELAYED_ROUTING: RoutingFields = { model: 'model', stream: 'stream', previousResponse: 'previous_response_id' };

/** Whether the endpoint is a protocol's model list (`GET …/models`), which the routes' models join. */
export function isModelList(endpoint: Endpoint): boolean {
  return endpoint === 'models';
}

/** The endpoints whose answers speak for the key itself; a 401 elsewhere may be about the path. */
export const KEY_ENDPOINTS: ReadonlySet<Endpoint> = new Set<Endpoint>([...FORMATS.map((f) => f.endpoint), 'embeddings', 'models', 'count_tokens']);

/** The pool's switch that says it lacks a format of its protocol (`responses: false`: Chat Completions only). */
type FormatSwitches = Pick<PoolSpec, 'responses'>;
const POOL_SWITCH: Partial<Record<WireFormat['id'], keyof FormatSwitches>> = { openaiResponses: 'responses' };

/** Whether a pool of the format's protocol serves the format itself, rather than through a sibling format. */
function poolServesFormat(pool: FormatSwitches, format: WireFormat): boolean {
  const flag = POOL_SWITCH[format.id];
  return flag === undefined || pool[flag] !== false;
}

/**
 * Whether some of a protocol's clients reach the pool translated: it speaks another protocol, or lacks one of the
 * client protocol's formats (a Chat-only pool behind Responses clients).
 */
export function poolTranslatesFor(clientProtocol: Protocol, pool: FormatSwitches & Pick<PoolSpec, 'protocol'>): boolean {
  return pool.protocol !== clientProtocol || TABLE[clientProtocol].formats.some((f) => !poolServesFormat(pool, f));
}

/** Where a client request goes: its protocol, its endpoint, its path below a pool's base URL, and what the path says of the model. */
export interface ClientPath extends PathRoute {
  protocol: Protocol;
}

/**
 * Maps a client URL to a protocol and the path below a pool's base URL. `/openai/v1/...` and `/anthropic/v1/...`
 * are the documented forms. The bare `/v1/...` form is accepted too: a protocol claims what is its own
 * (`/v1/messages*` is Anthropic's, `/v1/models` goes by the Anthropic headers), the default protocol the rest.
 */
export function resolveClientPath(url: string, headers: IncomingHttpHeaders): ClientPath | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  if (path.includes('..') || path.includes('//')) return undefined;
  for (let i = 0; i < PROTOCOL_ADAPTERS.length; i++) {
    const adapter = PROTOCOL_ADAPTERS[i];
    if (path.startsWith(adapter.routedPrefix)) return pathOf(adapter, path.slice(adapter.clientPrefix.length), query);
  }
  if (!path.startsWith('/v1/')) return undefined;
  for (let i = 0; i < CLAIMING.length; i++)
    if (CLAIMING[i].claimsBarePath(path, headers)) return pathOf(CLAIMING[i], path.slice(CLAIMING[i].barePrefix.length), query);
  return pathOf(DEFAULT_PROTOCOL, path.slice(DEFAULT_PROTOCOL.barePrefix.length), query);
}

function pathOf(adapter: ProtocolAdapter, rest: string, query: string): ClientPath {
  // The local token may come in the query (Gemini's `?key=`): it never goes upstream, where the pool key goes in a header.
  const forwarded = query === '' || adapter.queryToken === undefined ? query : withoutParam(query, adapter.queryToken);
  const routed = adapter.routePath?.(rest, forwarded);
  if (routed) return { protocol: adapter.protocol, ...routed };
  return { protocol: adapter.protocol, endpoint: endpointIn(adapter.endpoints, rest), upstreamPath: rest + forwarded };
}

/** A query string without the parameter `name`. */
function withoutParam(query: string, name: string): string {
  if (!query.includes(`${name}=`)) return query;
  const params = new URLSearchParams(query.slice(1));
  params.delete(name);
  const rest = params.toString();
  return rest === '' ? '' : `?${rest}`;
}

/** The protocol to answer in when the path says nothing reliable. */
export function guessProtocol(url: string, headers: IncomingHttpHeaders): Protocol {
  for (let i = 0; i < CLAIMING.length; i++) if (CLAIMING[i].claimsUnknownUrl(url, headers)) return CLAIMING[i].protocol;
  return DEFAULT_PROTOCOL.protocol;
}

/** Whether a path is one of the base URLs agents are given (`/openai/v1`, `/anthropic`), with nothing below it. */
export function isClientPrefix(path: string): boolean {
  return PROTOCOL_ADAPTERS.some((a) => a.clientPrefix === path);
}

const CODECS: Record<WireFormat['id'], FormatCodec> = {
  openaiChat: openaiChatCodec,
  openaiResponses: openaiResponsesCodec,
  anthropicMessages: anthropicMessagesCodec,
  geminiGenerate: geminiGenerateCodec,
};

/** A format's readers and writers for translation (codec.ts). */
export function codecOf(format: WireFormat): FormatCodec {
  return CODECS[format.id];
}

/** Whether the pool serves requests of this format as they are: its protocol's, and not one it lacks. */
export function poolServes(pool: FormatSwitches & Pick<PoolSpec, 'protocol'>, format: WireFormat): boolean {
  return format.protocol === pool.protocol && poolServesFormat(pool, format);
}

/** The format a request translated for the pool is sent in: the first of its protocol's it serves and one can be written in. */
export function translationTargetOf(pool: FormatSwitches & Pick<PoolSpec, 'protocol'>): WireFormat | undefined {
  return TABLE[pool.protocol].formats.find((format) => poolServesFormat(pool, format) && CODECS[format.id].writeRequest !== undefined);
}

/**
 * Endpoints the bridge answers itself when the pool speaks another protocol: Anthropic's token count, which Chat
 * providers do not have, with the estimate documented in docs/TRANSLATION.md.
 */
export function isEstimatedAcross(endpoint: Endpoint): boolean {
  return endpoint === 'count_tokens';
}
