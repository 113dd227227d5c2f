import type { Protocol } from '../config';
import type { Endpoint, WireFormat } from '../protocols/protocol';
import { codecOf, isEstimatedAcross, poolServes, protocolAdapter, translationTargetOf, wireFormatOf } from '../protocols/table';
import { dialectTraits, type DialectId } from '../providers/dialect';
import { carriedDialect, translatedAnswer, translatedStream } from './answerTranslation';
import { translateErrorAnswer } from './errorAnswer';
import type { PieceRedactor, StreamTranslator } from './streamTranslator';
import type { TranslationNotes, Wire } from './wire';
import type { UsageReader } from '../protocols/tokenUsage';

/** What the request looks like on the client's side. */
export interface ClientSide {
  protocol: Protocol;
  endpoint: Endpoint;
}

/** What the translation needs to know of the target's pool. */
export interface PoolSide {
  protocol: Protocol;
  /** How the provider's API differs from its protocol's reference, declared with the pool (providers/dialect.ts). */
  dialect: DialectId;
  /** OpenAI-compatible pools: false when the provider has no Responses API. */
  responses: boolean;
}

/**
 * One target whose pool speaks another protocol (or, for Responses, another OpenAI API): where the request
 * goes below the pool's base URL and how each part of the exchange is turned around. Pure shapes: the attempt
 * loop keeps rotation, retries, deadlines and the stream gate (docs/ARCHITECTURE.md §9).
 */
export interface TargetTranslation {
  readonly kind: 'translate';
  /** For logs and the tree: "Anthropic Messages → OpenAI Chat". */
  readonly label: string;
  readonly upstreamProtocol: Protocol;
  readonly upstreamEndpoint: Endpoint;
  /** Path below the pool's base URL, for `model` and a stream or not (Gemini's path names both). */
  upstreamPath(model: string, stream: boolean): string;
  /** How the target's answers name their token counts. */
  readonly upstreamUsage: UsageReader;
  /** The client's request body as the target's, asking for `model`; `stream` is what routing read (from the body, or the path), else the body's. */
  request(client: Wire, model: string, stream?: boolean): { body: Wire; notes: TranslationNotes };
  /** The target's non-streamed answer as the client's; undefined when the provider stopped it unfinished. */
  answer(upstream: Wire, model: string): Wire | undefined;
  /**
   * A stream translator for one answer; `client` is the client's request (some answers repeat what it asked),
   * `redact` masks the key in each piece of text it passes on.
   */
  stream(model: string, client: Wire, redact: PieceRedactor): StreamTranslator;
  /** The target's error answer as the client's protocol writes it. */
  error(status: number, body: string, pool: string): { status: number; body: string };
}

/** How a target serves a request of another protocol: translated, answered by the bridge itself, or not at all. */
export type CrossProtocol = TargetTranslation | { kind: 'estimate-tokens' } | { kind: 'refused'; reason: string };

/**
 * Whether and how a request of `client` is served by a pool of `pool`: undefined when the pool serves the client's
 * format as it is (the request is relayed byte for byte, the common path). Otherwise the client format's reader
 * is paired with the writer of the format the pool is reached in, both from the protocol table: a new format is a
 * folder and a table entry, not a case here.
 */
export function crossProtocol(client: ClientSide, pool: PoolSide): CrossProtocol | undefined {
  const from = wireFormatOf(client.endpoint);
  if (from ? poolServes(pool, from) : client.protocol === pool.protocol) return undefined;
  const to = translationTargetOf(pool);
  if (!from || !to) {
    if (isEstimatedAcross(client.endpoint)) return { kind: 'estimate-tokens' };
    return { kind: 'refused', reason: `${client.endpoint} requests have no translation to ${protocolAdapter(pool.protocol).label}` };
  }
  return translation(from, to, pool, client.protocol);
}

function translation(from: WireFormat, to: WireFormat, pool: PoolSide, clientProtocol: Protocol): TargetTranslation {
  const client = codecOf(from);
  const upstream = codecOf(to);
  const write = upstream.writeRequest;
  if (!write) throw new Error(`no request writer for ${upstream.name}`);
  const carry = carriedDialect(pool.dialect);
  return {
    kind: 'translate',
    label: `${client.name} → ${upstream.name}`,
    upstreamProtocol: to.protocol,
    upstreamEndpoint: to.endpoint,
    upstreamPath: (model, stream) => to.requestPath(model, stream),
    upstreamUsage: to.usage,
    request: (body, model, stream) => {
      const conversation = client.readRequest(body);
      if (stream !== undefined) conversation.stream = stream;
      return write(conversation, model, dialectTraits(pool.dialect));
    },
    answer: (answer, model) => translatedAnswer(upstream, client, answer, { model, createdAt: nowSeconds(), client: {}, carry }),
    stream: (model, request, redact) => translatedStream(upstream, client, { model, createdAt: nowSeconds(), client: request, redact, carry }),
    error: (status, body, poolId) => translateErrorAnswer(clientProtocol, status, body, poolId),
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
